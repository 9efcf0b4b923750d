from __future__ import annotations

from typing import Any

from jixiao.core.errors import PermissionDeniedError


def require(actor: Any, capability: str) -> None:
    """Services re-check capabilities: views are not the only door."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.can(capability):
        raise PermissionDeniedError("您没有执行此操作的权限")
