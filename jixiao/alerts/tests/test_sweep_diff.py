"""The sweep writes only what changed, and reads execution from the rollup plus the current month's payments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from jixiao.alerts.models import Color, ProjectLight, Warning, WarningRule
from jixiao.alerts.sweep import sweep_region
from jixiao.alerts.tests.conftest import pay
from jixiao.core.models import AuditEvent
from jixiao.execution.models import ProjectMonthExecution

JUNE = date(2026, 6, 15)


def _snapshot() -> dict[tuple[int, int], tuple[Any, ...]]:
    return {
        (w.project_id, w.rule_id): (w.pk, w.created_at, w.color, w.value)
        for w in Warning.objects.filter(fiscal_year=2026)
    }


def _last_sweep() -> dict[str, Any]:
    return AuditEvent.objects.filter(event_type="alerts.sweep").order_by("-id").first().changes  # type: ignore[union-attr]


def test_a_sweep_over_unchanged_data_rewrites_nothing(library: Any) -> None:
    w = library
    pay(w.school_project, "150000", date(2026, 6, 10))
    sweep_region(w.region, 2026, JUNE)
    before = _snapshot()
    assert before and _last_sweep()["warnings_written"] == len(before)
    sweep_region(w.region, 2026, JUNE)
    assert _snapshot() == before  # same rows: ids and creation times kept
    changes = _last_sweep()
    assert (changes["warnings_written"], changes["lights_written"], changes["warnings"]) == (0, 0, len(before))


def test_a_new_payment_rewrites_only_the_warning_and_light_it_changes(library: Any) -> None:
    w = library
    sweep_region(w.region, 2026, JUNE)
    before = _snapshot()
    pay(w.school_project, "500000", date(2026, 6, 1))
    sweep_region(w.region, 2026, JUNE)
    after = _snapshot()
    changed = {key for key in after if after[key] != before.get(key)}
    assert {project_id for project_id, _rule in changed} == {w.school_project.pk}
    assert ProjectLight.objects.get(project=w.school_project, fiscal_year=2026).color == Color.GREEN
    assert ProjectLight.objects.get(project=w.branch_project, fiscal_year=2026).color == Color.RED
    assert _last_sweep()["lights_written"] == 1


def test_unchanged_rows_are_redated_and_vanished_or_duplicate_warnings_removed(library: Any) -> None:
    w = library
    sweep_region(w.region, 2026, JUNE)
    stale = Warning.objects.filter(project=w.hospital_project).first()
    assert stale is not None
    # A duplicate of a stored warning (e.g. left by an interrupted writer) is cleaned by the next sweep.
    Warning.objects.create(
        project=w.hospital_project,
        fiscal_year=2026,
        rule_id=stale.rule_id,
        value=stale.value,
        value_text=stale.value_text,
        color=stale.color,
        reason=stale.reason,
        as_of=stale.as_of,
    )
    sweep_region(w.region, 2026, date(2026, 6, 20))  # same month: same time progress, same values
    assert Warning.objects.filter(project=w.hospital_project, rule_id=stale.rule_id).count() == 1
    assert set(Warning.objects.values_list("as_of", flat=True)) == {date(2026, 6, 20)}
    assert set(ProjectLight.objects.values_list("as_of", flat=True)) == {date(2026, 6, 20)}
    # A rule switched off: its warnings vanish at the next sweep.
    WarningRule.objects.filter(pk=stale.rule_id).update(enabled=False)
    sweep_region(w.region, 2026, date(2026, 6, 20))
    assert not Warning.objects.filter(rule_id=stale.rule_id).exists()


def test_execution_comes_from_the_rollup_and_the_current_months_payments(library: Any) -> None:
    w = library
    pay(w.hospital_project, "100000", date(2026, 5, 20))  # an earlier month: read from the rollup
    pay(w.hospital_project, "50000", date(2026, 6, 10))  # this month, before the sweep date: raw payments
    pay(w.hospital_project, "70000", date(2026, 6, 16))  # after the sweep date: not counted
    assert ProjectMonthExecution.objects.filter(project=w.hospital_project).count() == 2
    sweep_region(w.region, 2026, JUNE)
    assert ProjectLight.objects.get(project=w.hospital_project).executed_yuan == Decimal("150000.00")
    sweep_region(w.region, 2026, date(2026, 6, 30))  # a month end: the rollup alone
    assert ProjectLight.objects.get(project=w.hospital_project).executed_yuan == Decimal("220000.00")
