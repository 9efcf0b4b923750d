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
from jixiao.core.views_helpers import refusal_status


def test_a_refusal_answers_its_own_status() -> None:
    assert refusal_status(ConflictError(STALE_MESSAGE)) == 409
    assert refusal_status(TransitionNotAllowedError("已提交", "修改")) == 409
    assert refusal_status(DomainError("金额不能为负数")) == 400
    assert refusal_status(PermissionDeniedError("无权限")) == 403
    assert refusal_status(NotFoundError("记录不存在")) == 404
