"""A failed audit write fails the business action (SECURITY.md §1.4 fail closed, checklist D04).

Kept outside the apps: it drives a real projects service and page while breaking core's audit chain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError
from django.test import Client

from conftest import World
from jixiao.core import audit, audit_chain
from jixiao.core.models import AuditEvent
from jixiao.projects import services as project_services
from jixiao.projects.models import Project, ProjectEvent


@pytest.fixture
def break_audit(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Call it to make every further audit write raise (after logging in, which is audited too)."""

    def broken_sign(record: Any, prev_mac: str) -> tuple[str, str]:
        raise DatabaseError("audit storage unavailable")

    return lambda: monkeypatch.setattr(audit_chain, "sign", broken_sign)


def _project_data(world: World) -> dict[str, Any]:
    return {
        "fiscal_year": world.school_project.fiscal_year,
        "code": "AUDIT-FAIL-1",
        "name": "审计写入失败时不应保存的项目",
        "unit": world.school,
        "category": world.school_project.category,
        "is_new": False,
        "start_year": world.school_project.fiscal_year - 1,
        "end_year": world.school_project.fiscal_year,
        "fiscal_amount_yuan": world.school_project.fiscal_amount_yuan,
    }


def test_d04_project_create_is_rolled_back_when_the_audit_write_fails(
    world: World, break_audit: Callable[[], None]
) -> None:
    break_audit()
    before = (Project.objects.count(), ProjectEvent.objects.count(), AuditEvent.objects.count())
    with pytest.raises(DatabaseError):
        project_services.project_create(actor=world.users["unit_user"], data=_project_data(world))
    assert (Project.objects.count(), ProjectEvent.objects.count(), AuditEvent.objects.count()) == before
    assert not Project.objects.filter(code="AUDIT-FAIL-1").exists()


def test_d04_a_transition_page_fails_without_a_partial_write(world: World, break_audit: Callable[[], None]) -> None:
    project = world.school_project
    project.is_new, project.start_year = False, project.fiscal_year - 1  # no 事前评估 gate for this test
    project.save(update_fields=["is_new", "start_year"])
    status_before, version_before = project.status, project.version
    events_before = ProjectEvent.objects.count()
    client = world.login("unit_user")
    client.raise_request_exception = False
    break_audit()
    response = client.post(f"/projects/{project.pk}/transition/", {"action": "submit", "comment": ""})
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统处理时出现错误" in body and "audit storage unavailable" not in body and "Traceback" not in body
    project.refresh_from_db()
    assert (project.status, project.version) == (status_before, version_before)
    assert ProjectEvent.objects.count() == events_before


def test_d04_without_the_failure_the_same_page_succeeds(world: World) -> None:
    """Control for the test above: the transition itself works and is audited."""
    project = world.school_project
    project.is_new, project.start_year = False, project.fiscal_year - 1
    project.save(update_fields=["is_new", "start_year"])
    client: Client = world.login("unit_user")
    client.post(f"/projects/{project.pk}/transition/", {"action": "submit", "comment": ""})
    project.refresh_from_db()
    assert project.status == "submitted"
    assert AuditEvent.objects.filter(event_type="project.submit", object_id=str(project.pk)).exists()
    assert audit.verify_table().ok
