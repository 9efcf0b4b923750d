"""A 监控表 批量审核 batch recomputes its projects' warnings in one sweep pass after its commit (not one per record),
and leaves exactly the warnings, lights and cases that approving the records one by one leaves."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import transaction

from conftest import World
from jixiao.alerts import sweep
from jixiao.alerts.models import ProjectLight, Warning, WarningCase
from jixiao.alerts.tests.conftest import use_sichuan
from jixiao.core.models import AuditEvent
from jixiao.monitoring import services
from jixiao.monitoring.models import MonitoringRecord, MonitoringTask
from jixiao.monitoring.tests.helpers import fill_complete, issued_round, pay, put_in_library
from jixiao.projects.models import Project
from jixiao.projects.tests.factories import ProjectFactory

LAGGING = {"deviation_reasons": ["FUNDS"], "deviation_text": "设备招标延期", "measures": "9月完成招标"}
LIKELIHOODS = ["certain", "impossible", "possible", "certain"]


class UndoError(Exception):
    """Rolls the one-by-one approvals back, so the batch starts from the same rows."""


def _state() -> tuple[list[Any], list[Any], list[Any]]:
    warnings = sorted(
        Warning.objects.values_list(
            "project_id",
            "fiscal_year",
            "rule_id",
            "region_id",
            "project_code",
            "color",
            "severity",
            "value",
            "value_text",
            "reason",
            "as_of",
            "record_id",
        )
    )
    lights = sorted(
        (project_id, year, color, executed, tuple(reasons), as_of)
        for project_id, year, color, executed, reasons, as_of in ProjectLight.objects.values_list(
            "project_id", "fiscal_year", "color", "executed_yuan", "reasons", "as_of"
        )
    )
    cases = sorted(
        WarningCase.objects.values_list(
            "project_id", "fiscal_year", "rule_code", "value", "reason", "status", "opened_on", "due_date"
        )
    )
    return warnings, lights, cases


def _submitted(world: World, task: MonitoringTask) -> list[MonitoringRecord]:
    """The round's records of 县第一中学, filled with different 完成目标可能性 and submitted."""
    records = MonitoringRecord.objects.filter(task=task, unit=world.school).order_by("pk")
    submitted = []
    for record, likelihood in zip(records, LIKELIHOODS, strict=False):
        record = fill_complete(world, record, likelihood=likelihood, **LAGGING)
        submitted.append(services.record_transition(actor=world.users["unit_user"], record=record, action="submit"))
    return submitted


@pytest.fixture
def school_projects(world: World) -> World:
    put_in_library(world)
    use_sichuan(world.region)
    for n in (1, 2, 3):
        ProjectFactory(unit=world.school, code=f"P-ADD-{n}", name=f"一中附加项目{n}", status=Project.Status.IN_LIBRARY)
    return world


def _paid_since_submission(world: World) -> None:
    """Payments recorded after the records were submitted (no sweep yet): the approvals' recomputation sees them."""
    for n, project in enumerate(Project.objects.filter(unit=world.school).order_by("pk")):
        pay(project, f"{(n + 1) * 60000}", date(2026, 5, 10 + n))


def _count_passes(monkeypatch: Any) -> list[int]:
    """The sweep passes made (`sweep._sweep_regions`, the real one, called through a counter)."""
    passes: list[int] = []
    real = sweep._sweep_regions

    def counted(regions: list[Any], *args: Any, **kwargs: Any) -> Any:
        passes.append(len(kwargs.get("project_ids") or []))
        return real(regions, *args, **kwargs)

    monkeypatch.setattr(sweep, "_sweep_regions", counted)
    return passes


def _approve_one_by_one_then_undo(world: World, records: list[MonitoringRecord]) -> tuple[Any, int]:
    """Approve the records one by one (each recomputed after its own transaction), note the rows, roll it back."""
    sweeps = AuditEvent.objects.filter(event_type="alerts.sweep").count()
    noted: Any = None
    with pytest.raises(UndoError), transaction.atomic():
        for record in records:
            services.record_transition(actor=world.users["dept_admin"], record=record, action="dept_approve")
        noted = (_state(), AuditEvent.objects.filter(event_type="alerts.sweep").count() - sweeps)
        raise UndoError
    return noted


def test_a_batch_is_recomputed_in_one_pass_and_leaves_what_one_by_one_approvals_leave(
    school_projects: World, monkeypatch: Any
) -> None:
    world = school_projects
    records = _submitted(world, issued_round(world))
    assert len(records) == 4
    _paid_since_submission(world)
    before = _state()
    (one_by_one, sweeps_one_by_one) = _approve_one_by_one_then_undo(world, records)
    assert _state() == before  # rolled back: the batch starts from the same rows
    assert one_by_one != before  # the approvals' recomputation saw the new payments
    assert sweeps_one_by_one == 4  # one pass per record
    assert {color for *_rest, color, _s, _v, _t, _r, _a, _rec in one_by_one[0]} == {"RED", "YELLOW", "GREEN"}
    assert one_by_one[2]  # red warnings with a disposition opened cases

    passes = _count_passes(monkeypatch)
    sweeps = AuditEvent.objects.filter(event_type="alerts.sweep").count()
    services.record_bulk_transition(actor=world.users["dept_admin"], ids=[r.pk for r in records], action="dept_approve")
    assert passes == [4]  # one pass over the batch's four projects
    assert AuditEvent.objects.filter(event_type="alerts.sweep").count() - sweeps == 1
    assert _state() == one_by_one


def test_a_batch_over_two_rounds_recomputes_each_project_at_each_of_its_records_dates(
    school_projects: World, monkeypatch: Any
) -> None:
    """Records of two rounds (1—8月 and 1—6月) in one batch: each project is recomputed at the August date, then at
    the June date, as one by one in id order — two passes, whatever the number of records."""
    world = school_projects
    august = _submitted(world, issued_round(world))
    june = _submitted(world, issued_round(world, title="2026年1—6月绩效运行监控", period_end_month=6))
    records = [*august, *june]
    _paid_since_submission(world)
    (one_by_one, sweeps_one_by_one) = _approve_one_by_one_then_undo(world, records)
    assert sweeps_one_by_one == 8
    assert {row[10] for row in one_by_one[0]} == {date(2026, 6, 30)}  # the last record's date, as_of
    # Cases opened at the first recomputation: on the day it ran (never before its date), not back on 31 August.
    assert {row[6] for row in one_by_one[2]} == {sweep.opening_day(date(2026, 8, 31))}

    passes = _count_passes(monkeypatch)
    services.record_bulk_transition(actor=world.users["dept_admin"], ids=[r.pk for r in records], action="dept_approve")
    assert passes == [4, 4]
    assert _state() == one_by_one
