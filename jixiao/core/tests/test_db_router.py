"""Read/write routing for the streaming replica (issue 9 item 7; docs/security.md "Read replica")."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connections

from jixiao.core.db_router import ReplicaRouter, reads_from_replica, use_replica
from jixiao.core.models import AuditEvent, Job

ROUTER = ReplicaRouter()
pytestmark = pytest.mark.django_db  # the session fixtures load reference rows


@pytest.fixture
def replica(monkeypatch: pytest.MonkeyPatch) -> None:
    """A `replica` alias as settings add it for DATABASE_REPLICA_URL; outside the test's own transaction."""
    monkeypatch.setitem(settings.DATABASES, "replica", {**settings.DATABASES["default"], "TEST": {"MIRROR": "default"}})
    monkeypatch.setattr(connections["default"], "in_atomic_block", False)


def test_without_a_replica_everything_reads_the_primary() -> None:
    assert "replica" not in settings.DATABASES
    with use_replica():
        assert ROUTER.db_for_read(Job) == "default"
    assert ROUTER.db_for_write(Job) == "default"


def test_declared_reads_go_to_the_replica_and_writes_never_do(replica: None) -> None:
    assert ROUTER.db_for_read(AuditEvent) == "default"  # not declared
    with use_replica():
        assert ROUTER.db_for_read(AuditEvent) == "replica"
        assert ROUTER.db_for_write(AuditEvent) == "default"  # an instance read there is saved on the primary
    assert ROUTER.db_for_read(AuditEvent) == "default"  # the flag does not leak out of the block
    assert ROUTER.allow_migrate("replica", "core") is False
    assert ROUTER.allow_migrate("default", "core") is True
    assert ROUTER.allow_relation(Job(), AuditEvent()) is True


def test_reads_inside_a_primary_transaction_stay_on_the_primary(replica: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """A service that just wrote (or holds a row lock) must read its own write: no replica inside atomic blocks."""
    monkeypatch.setattr(connections["default"], "in_atomic_block", True)
    with use_replica():
        assert ROUTER.db_for_read(Job) == "default"


def test_view_decorator_routes_the_whole_view(replica: None) -> None:
    seen: list[str] = []

    @reads_from_replica
    def view() -> str:
        seen.append(ROUTER.db_for_read(Job) or "")
        return "ok"

    assert view() == "ok"
    assert ROUTER.db_for_read(Job) == "default"
    assert seen == ["replica"]
