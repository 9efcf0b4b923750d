"""A page shown again after a service refused its save answers 409 when the rows changed since it was shown
(`ConflictError`, e.g. a stale version or lock token), 403 for a refusal of the user's rights and 400 for bad
input (docs/architecture.md)."""

from __future__ import annotations

from jixiao.core.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
    TransitionNotAllowedError,
)
from jixiao.core.locking import STALE_MESSAGE


def test_a_refusal_answers_its_own_status() -> None:
    """Pages shown again with a refusal answer `exc.status_code`."""
    assert ConflictError(STALE_MESSAGE).status_code == 409
    assert TransitionNotAllowedError("已提交", "修改").status_code == 409
    assert DomainError("金额不能为负数").status_code == 400
    assert PermissionDeniedError("无权限").status_code == 403
    assert NotFoundError("记录不存在").status_code == 404
