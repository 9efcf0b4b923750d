"""Read/write routing for a PostgreSQL streaming replica (docs/security.md "Read replica", docs/scale.md).

When `DATABASE_REPLICA_URL` is set, settings add a `replica` alias and this router. Every write, and every read by
default, goes to the primary (`default`). Only code that declares it can live with data a few seconds old reads
from the replica: a view decorated with `@reads_from_replica` (the leader dashboard) or a block inside
`with use_replica():`. Even there a read inside a transaction on the primary (a service that just wrote, a
`select_for_update`) stays on the primary, so nobody reads their own write from a replica that has not replayed it.
Without the setting nothing changes: there is no `replica` alias and every query uses the primary.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA_ALIAS = "replica"
_reading_from_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("jixiao_replica", default=False)

F = TypeVar("F", bound=Callable[..., Any])


def replica_configured() -> bool:
    return REPLICA_ALIAS in settings.DATABASES


@contextlib.contextmanager
def use_replica() -> Iterator[None]:
    """Reads inside the block may go to the replica (when one is configured)."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


def reads_from_replica(view: F) -> F:
    """View decorator: the view's reads (including template rendering) may go to the replica."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with use_replica():
            return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


class ReplicaRouter:
    """Primary for writes and transactional reads; the replica only for declared report reads."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if _reading_from_replica.get() and replica_configured() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return REPLICA_ALIAS
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: Any, **hints: Any) -> str:
        # Explicit: without it Django would save an instance read from the replica back to the replica.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
