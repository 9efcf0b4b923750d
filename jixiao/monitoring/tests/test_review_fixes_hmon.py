"""Review fixes (hmon): a city's round opens for its counties' users whose 监控表 are in it, and only its own bureau
manages it; payments imported after 下达 reach the 监控表 not yet submitted."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from conftest import World, _member
from jixiao.core.errors import PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.execution import hooks as execution_hooks
from jixiao.monitoring import services
from jixiao.monitoring.models import MonitoringRecord, MonitoringTask, RecordStatus, TaskStatus
from jixiao.monitoring.tests.helpers import (
    approved_target,
    fill_complete,
    issued_round,
    pay,
    put_in_library,
    round_data,
    school_record,
)
from jixiao.organizations.models import FinanceSection
from jixiao.organizations.tests.factories import FinanceSectionFactory, FiscalRegionFactory, city_with_counties

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(world: World) -> World:
    put_in_library(world)
    approved_target(world)
    pay(world.school_project, "330000", date(2026, 6, 1))
    return world


def _city_round(world: World, **overrides: Any) -> tuple[MonitoringTask, Any]:
    city, _counties = city_with_counties(world.region, world.other_region)
    section = FinanceSectionFactory(region=city, code="JX", kind=FinanceSection.Kind.PERFORMANCE)
    city_perf = _member("city_perf", "performance", city, section=section)
    selected = overrides.pop("selected_projects", None)
    task = services.task_create(actor=city_perf, data=round_data(**overrides), selected_projects=selected)
    return task, city_perf


def test_a_county_opens_its_citys_round_but_another_city_does_not(ready: World) -> None:
    task, city_perf = _city_round(ready)
    url = f"/monitoring/{task.pk}/"
    assert ready.login("unit_user").get(url).status_code == 404  # a draft is the city's own business
    services.task_issue(actor=city_perf, task=task)
    for persona in ("unit_user", "dept_admin", "business", "performance"):
        assert ready.login(persona).get(url).status_code == 200, persona
    assert task.title in ready.login("unit_user").get("/monitoring/").content.decode()
    page = ready.login("unit_user").get(url).content.decode()
    assert "本任务中没有您可查看的监控表" not in page  # the unit's own records are counted
    # A county of another city (outside the issuer's subtree) neither sees nor guesses the round.
    stranger_region = FiscalRegionFactory(mof_div_code="511821000", name="外市某县")
    stranger = _member("stranger_perf", "performance", stranger_region)
    assert _client(stranger).get(url).status_code == 404


def test_a_county_does_not_manage_its_citys_round(ready: World) -> None:
    task, city_perf = _city_round(ready)
    services.task_issue(actor=city_perf, task=task)
    county_perf = ready.login("performance")
    page = county_perf.get(f"/monitoring/{task.pk}/").content.decode()
    assert 'data-testid="mon-task-close"' not in page
    assert county_perf.post(f"/monitoring/{task.pk}/close/").status_code == 403
    with pytest.raises(PermissionDeniedError):
        services.task_close(actor=ready.users["performance"], task=task)
    task.refresh_from_db()
    assert task.status == TaskStatus.ISSUED
    assert 'data-testid="mon-task-close"' in _client(city_perf).get(f"/monitoring/{task.pk}/").content.decode()


def test_a_unit_without_a_record_in_the_citys_round_does_not_see_it(ready: World) -> None:
    task, city_perf = _city_round(ready, scope=MonitoringTask.Scope.SELECTED, selected_projects=[ready.school_project])
    services.task_issue(actor=city_perf, task=task)
    assert ready.login("unit_user").get(f"/monitoring/{task.pk}/").status_code == 200
    assert ready.login("other_unit_user").get(f"/monitoring/{task.pk}/").status_code == 404


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_payments_imported_after_issue_refresh_the_records_still_being_filled(ready: World) -> None:
    task = issued_round(ready)
    school = school_record(task, ready)
    hospital = MonitoringRecord.objects.get(task=task, project=ready.hospital_project)
    branch = MonitoringRecord.objects.get(task=task, project=ready.branch_project)
    assert school.executed_from_payments_yuan == Decimal("330000.00")
    # The hospital typed its own figure (with a 差异说明); the branch has submitted.
    services.record_save(
        actor=ready.users["other_unit_user"],
        record=hospital,
        data={"executed_to_date_yuan": Decimal("5000.00"), "difference_explanation": "含在途资金"},
    )
    branch = fill_complete(ready, branch, deviation_reasons=["FUNDS"], deviation_text="未开工", measures="加快进度")
    services.record_transition(actor=ready.users["unit_user"], record=branch, action="submit")
    for project in (ready.school_project, ready.hospital_project, ready.branch_project):
        pay(project, "1000", date(2026, 7, 15))  # a late file of July payments
    pay(ready.school_project, "9999", date(2026, 9, 2))  # after the period: not counted
    execution_hooks.payments_imported(ready.region, [2026])
    school.refresh_from_db()
    hospital.refresh_from_db()
    branch.refresh_from_db()
    assert (school.executed_from_payments_yuan, school.executed_to_date_yuan) == (Decimal("331000.00"),) * 2
    assert (hospital.executed_from_payments_yuan, hospital.executed_to_date_yuan) == (
        Decimal("1000.00"),
        Decimal("5000.00"),
    )
    assert (branch.status, branch.executed_from_payments_yuan) == (RecordStatus.SUBMITTED, Decimal("0.00"))
    event = AuditEvent.objects.get(event_type="monitoring.execution_refresh")
    assert event.changes["records"] == [0, 2]
    # Nothing new: nothing written.
    execution_hooks.payments_imported(ready.region, [2026])
    assert AuditEvent.objects.filter(event_type="monitoring.execution_refresh").count() == 1


def test_a_closed_rounds_records_keep_their_figures(ready: World) -> None:
    task = issued_round(ready)
    services.task_close(actor=ready.users["performance"], task=task)
    pay(ready.school_project, "1000", date(2026, 7, 15))
    execution_hooks.payments_imported(ready.region, [2026])
    assert school_record(task, ready).executed_from_payments_yuan == Decimal("330000.00")


def test_a_department_overall_record_follows_its_departments_payments(ready: World) -> None:
    task = issued_round(ready, scope=MonitoringTask.Scope.DEPT_OVERALL)
    edu = MonitoringRecord.objects.get(task=task, department=ready.edu)
    assert edu.executed_from_payments_yuan == Decimal("330000.00")
    pay(ready.branch_project, "2000", date(2026, 8, 31))
    execution_hooks.payments_imported(ready.region, [2026])
    edu.refresh_from_db()
    assert (edu.executed_from_payments_yuan, edu.executed_to_date_yuan) == (Decimal("332000.00"),) * 2


def test_the_same_workbook_imports_again_unchanged_or_corrected(ready: World) -> None:
    from jixiao.monitoring.tests.test_import import _filled, _upload

    record = school_record(issued_round(ready), ready)
    content = _filled(ready, record)
    client = ready.login("unit_user")
    assert _upload(client, record, content).status_code == 302
    assert _upload(client, record, content).status_code == 302  # unchanged: was a 409 asking to export again

    def corrected(workbook: Any) -> None:
        workbook.worksheets[0]["G11"] = "已购置设备90台（更正）"

    again = _filled(ready, MonitoringRecord.objects.get(pk=record.pk), corrected)
    assert _upload(client, record, again).status_code == 302
    assert _upload(client, record, again).status_code == 302
    fresh = MonitoringRecord.objects.get(pk=record.pk)
    assert fresh.goal_execution == "已购置设备90台（更正）"


def test_a_workbook_is_refused_once_the_record_changed_otherwise(ready: World) -> None:
    from jixiao.monitoring.tests.test_import import _filled, _upload

    record = school_record(issued_round(ready), ready)
    content = _filled(ready, record)
    other_copy = _filled(ready, record)  # a second export at the same version
    client = ready.login("unit_user")
    assert _upload(client, record, content).status_code == 302
    response = _upload(client, record, other_copy)
    assert response.status_code == 409 and "导出后已被修改" in response.content.decode()
    saved = services.record_save(
        actor=ready.users["unit_user"], record=MonitoringRecord.objects.get(pk=record.pk), data={"measures": "页面"}
    )
    response = _upload(client, record, content)
    assert response.status_code == 409 and "导出后已被修改" in response.content.decode()
    assert MonitoringRecord.objects.get(pk=record.pk).version == saved.version


def test_a_large_round_is_issued_by_a_background_job(ready: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from jixiao.core.models import Job
    from jixiao.monitoring import views

    monkeypatch.setattr(views, "ISSUE_IN_REQUEST_MAX", 2)  # the school's, the branch's and the hospital's: 3
    task = services.task_create(actor=ready.users["performance"], data=round_data())
    response = ready.login("performance").post(f"/monitoring/{task.pk}/issue/")
    job = Job.objects.get(kind="monitoring.task_issue")
    assert response.status_code == 302 and response["Location"].startswith(f"/jobs/{job.pk}/")
    task.refresh_from_db()
    assert task.status == TaskStatus.ISSUED and task.records.count() == 3
    assert (job.status, job.result_url) == (Job.Status.DONE, f"/monitoring/{task.pk}/")
    assert "生成监控表3张" in job.message
    # Pressed again: said on the round page at once, no second job.
    response = ready.login("performance").post(f"/monitoring/{task.pk}/issue/")
    assert response.status_code == 409 and Job.objects.filter(kind="monitoring.task_issue").count() == 1
