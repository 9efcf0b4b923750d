"""The set-based sweep over a region's projects, with payments and monitoring records, and its triggers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from jixiao.alerts import selectors
from jixiao.alerts.models import Color, ProjectLight, Warning, WarningCase, WarningRule, WarningSetting
from jixiao.alerts.sweep import sweep_region
from jixiao.alerts.tests.conftest import in_library, pay, use_sichuan
from jixiao.core.models import AuditEvent
from jixiao.execution import hooks as execution_hooks
from jixiao.monitoring import hooks as monitoring_hooks
from jixiao.monitoring.models import MonitoringIndicatorRow, MonitoringRecord, MonitoringSettings, MonitoringTask
from jixiao.projects.tests.factories import ProjectFactory

JUNE = date(2026, 6, 15)


def _light(project: Any) -> str:
    return ProjectLight.objects.get(project=project, fiscal_year=2026).color


def _warning(project: Any, code: str) -> Warning:
    return Warning.objects.get(project=project, rule__code=code)


def test_sweep_colours_exec_ratio_on_boundaries(library: Any) -> None:
    w = library
    pay(w.school_project, "150000", date(2026, 6, 10))  # 30% of 50万 at 50% time → 60 → YELLOW
    pay(w.hospital_project, "200000", date(2026, 5, 1))  # 40% → 80 → GREEN
    pay(w.hospital_project, "100000", date(2026, 7, 1))  # after as_of: not counted
    result = sweep_region(w.region, 2026, JUNE)
    assert result.projects == 3  # the other county's project is not swept
    assert _warning(w.school_project, "W-EXEC-RATIO").value == Decimal("60.0000")
    assert _light(w.school_project) == Color.YELLOW
    assert _light(w.hospital_project) == Color.GREEN
    assert _light(w.branch_project) == Color.RED  # no payments at all
    assert "执行率0.00%" in _warning(w.branch_project, "W-EXEC-RATIO").reason
    assert not Warning.objects.filter(project=w.far_project).exists()
    assert ProjectLight.objects.get(project=w.hospital_project).executed_yuan == Decimal("200000.00")
    event = AuditEvent.objects.get(event_type="alerts.sweep")
    assert event.changes["projects"] == 3
    assert event.region_path == w.region.path  # the nightly pass is read by the county's 审计管理员


def test_refund_makes_execution_negative_and_red(library: Any) -> None:
    w = library
    pay(w.school_project, "100000", date(2026, 3, 1))
    pay(w.school_project, "-120000", date(2026, 4, 1))
    sweep_region(w.region, 2026, JUNE)
    assert _warning(w.school_project, "W-EXEC-RATIO").value < 0
    assert _light(w.school_project) == Color.RED


def test_zero_budget_project_is_red_and_zero_time_progress_gives_nothing(library: Any) -> None:
    w = library
    zero = ProjectFactory(unit=w.school, fiscal_amount_yuan=Decimal(0), code="P-ZERO")
    in_library(zero)
    sweep_region(w.region, 2026, JUNE)
    assert _warning(zero, "W-EXEC-RATIO").value == 0
    result = sweep_region(w.region, 2026, date(2025, 12, 31))
    assert result.warnings == 0
    assert _light(zero) == ""


def test_resweep_replaces_warnings(library: Any) -> None:
    w = library
    sweep_region(w.region, 2026, JUNE)
    assert _light(w.school_project) == Color.RED
    pay(w.school_project, "500000", date(2026, 6, 1))
    sweep_region(w.region, 2026, JUNE)
    assert Warning.objects.filter(project=w.school_project).count() == 1
    assert _light(w.school_project) == Color.GREEN


def test_query_count_does_not_grow_with_projects(library: Any) -> None:
    w = library
    sweep_region(w.region, 2026, JUNE)
    # Only changes are written, so both measured sweeps must have some: one new project, then twenty.
    first = ProjectFactory(unit=w.hospital, code="P-MANY-FIRST")
    in_library(first)
    pay(first, "1000", date(2026, 2, 1))
    with CaptureQueriesContext(connection) as few:
        sweep_region(w.region, 2026, JUNE)
    for i in range(20):
        p = ProjectFactory(unit=w.hospital, code=f"P-MANY-{i}")
        in_library(p)
        pay(p, "1000", date(2026, 2, 1))
    with CaptureQueriesContext(connection) as many:
        sweep_region(w.region, 2026, JUNE)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_day_mode_from_monitoring_settings(library: Any) -> None:
    w = library
    MonitoringSettings.objects.update_or_create(
        region=w.region, fiscal_year=None, defaults={"time_progress_mode": "day"}
    )
    pay(w.school_project, "150000", date(2026, 6, 10))
    sweep_region(w.region, 2026, date(2026, 6, 30))
    # 181 of 365 days elapsed: 30% ÷ 49.59% = 60.50
    assert _warning(w.school_project, "W-EXEC-RATIO").value == Decimal("60.4972")


def _record(w: Any, project: Any, **extra: Any) -> MonitoringRecord:
    task = MonitoringTask.objects.create(
        task_no="JK-2026-01",
        title="2026年1—6月监控",
        fiscal_year=2026,
        region=w.region,
        period_end_month=6,
        start_date=date(2026, 7, 1),
        deadline=date(2026, 7, 20),
        status="issued",
    )
    return MonitoringRecord.objects.create(
        task=task,
        project=project,
        department=project.department,
        unit=project.unit,
        region=project.region,
        fiscal_year=2026,
        name=project.name,
        current_budget_yuan=project.total_amount_yuan,
        status="filling",
        **extra,
    )


def test_monitoring_record_feeds_likelihood_and_qualitative_rules(library: Any) -> None:
    w = library
    pay(w.school_project, "500000", date(2026, 6, 1))
    record = _record(w, w.school_project, likelihood="impossible")
    MonitoringIndicatorRow.objects.create(
        record=record, name="群众满意度", is_qualitative=True, qualitative_level="partial"
    )
    sweep_region(w.region, 2026, date(2026, 6, 30))
    likelihood = _warning(w.school_project, "W-LIKELIHOOD")
    assert (likelihood.color, likelihood.value_text, likelihood.record_id) == ("RED", "完全不可能", record.pk)
    qual = _warning(w.school_project, "W-QUAL")
    assert qual.color == Color.YELLOW and "群众满意度" in qual.reason
    assert _light(w.school_project) == Color.RED  # worst colour wins over a green execution


def test_profile_switch_and_region_override(library: Any) -> None:
    w = library
    _setting, rules = selectors.rules_in_force(w.region, 2026)
    assert {r.code for r in rules} >= {"W-EXEC-RATIO", "W-LIKELIHOOD"}
    assert all(r.profile == "national_default" for r in rules)
    use_sichuan(w.region)
    setting, rules = selectors.rules_in_force(w.region, 2026)
    assert setting.profile == "sichuan_2025"
    by_code = {r.code: r for r in rules}
    assert by_code["W-EXEC-RATIO"].profile == "sichuan_2025" and by_code["W-EXEC-RATIO"].has_disposition
    assert "W-EXEC-CHECKPOINT" in by_code
    # The other county keeps the national set.
    _setting, rules = selectors.rules_in_force(w.other_region, 2026)
    assert "W-EXEC-CHECKPOINT" not in {r.code for r in rules}
    # A year row beats the every-year row of the same region.
    WarningSetting.objects.create(region=w.region, fiscal_year=2026, profile="national_default")
    assert selectors.setting_for(w.region, 2026).profile == "national_default"
    assert selectors.setting_for(w.region, 2027).profile == "sichuan_2025"
    # A disabled sichuan rule falls back to the national one of the same code.
    WarningRule.objects.filter(profile="sichuan_2025", code="W-EXEC-RATIO").update(enabled=False)
    by_code = {r.code: r for r in selectors.rules_in_force(w.region, 2027)[1]}
    assert by_code["W-EXEC-RATIO"].profile == "national_default"


def test_red_warning_opens_one_case_with_working_day_deadline(library: Any) -> None:
    w = library
    use_sichuan(w.region)
    result = sweep_region(w.region, 2026, date(2026, 9, 4))  # Friday
    cases = WarningCase.objects.filter(project=w.school_project)
    assert {c.rule_code for c in cases} == {"W-EXEC-RATIO", "W-EXEC-CHECKPOINT"}
    assert result.cases_opened == 6
    assert cases[0].due_date == date(2026, 9, 18)  # 10 working days
    sweep_region(w.region, 2026, date(2026, 9, 7))
    assert WarningCase.objects.filter(project=w.school_project).count() == 2  # still one open case per rule


def test_hooks_trigger_recompute(library: Any) -> None:
    w = library
    pay(w.school_project, "500000", date(2026, 1, 10))
    execution_hooks.payments_imported(w.region, [2026])
    assert _light(w.school_project) == Color.GREEN
    record = _record(w, w.hospital_project, likelihood="impossible")
    monitoring_hooks.record_saved(record)
    assert _warning(w.hospital_project, "W-LIKELIHOOD").color == Color.RED
    assert _light(w.hospital_project) == Color.RED


def test_sweep_command(library: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("sweep_warnings", "--region", "511725000", "--year", "2026", "--as-of", "2026-06-30", stdout=out)
    assert "项目3个" in out.getvalue()
    assert ProjectLight.objects.filter(fiscal_year=2026).count() == 3


def test_light_provider_colours_a_record_funds_from_its_own_figures(library: Any) -> None:
    w = library
    record = _record(w, w.school_project, likelihood="certain")
    MonitoringRecord.objects.filter(pk=record.pk).update(
        executed_to_date_yuan=Decimal("150000"), time_progress=Decimal("0.5000")
    )
    record.refresh_from_db()
    assert monitoring_hooks.light_for(record) == "黄灯"  # 30% ÷ 50% = 60
    MonitoringRecord.objects.filter(pk=record.pk).update(likelihood="impossible")  # not a funds rule
    record.refresh_from_db()
    assert monitoring_hooks.light_for(record) == "黄灯"
    MonitoringRecord.objects.filter(pk=record.pk).update(executed_to_date_yuan=Decimal("100000"))
    record.refresh_from_db()
    assert monitoring_hooks.light_for(record) == "红灯"


def test_a_record_saved_after_its_period_opens_cases_from_today_not_overdue(library: Any, monkeypatch: Any) -> None:
    """A 1—6月 record saved in December is recomputed at the end of June, but the case it opens starts today: a
    case dated back to June would be past its deadline at once (escalated, payments suspended on the next look)."""
    from jixiao.alerts import services, sweep

    w = library
    use_sichuan(w.region)
    monkeypatch.setattr(sweep.timezone, "localdate", lambda: date(2026, 12, 7))  # a Monday
    record = _record(w, w.hospital_project, likelihood="impossible")
    monitoring_hooks.record_saved(record)
    assert _warning(w.hospital_project, "W-EXEC-RATIO").as_of == date(2026, 6, 30)  # the period's figures
    cases = WarningCase.objects.filter(project=w.hospital_project)
    assert cases and {c.opened_on for c in cases} == {date(2026, 12, 7)}
    assert {c.due_date for c in cases} == {date(2026, 12, 21)}  # 10 working days from today
    assert services.escalate_overdue(today=date(2026, 12, 8)) == 0
    assert sweep.opening_day(date(2026, 6, 30), today=date(2026, 5, 1)) == date(2026, 6, 30)


def test_a_sweep_by_hand_for_a_past_day_opens_cases_today_unless_backdated(library: Any, monkeypatch: Any) -> None:
    """`sweep_warnings --as-of <past day>` and the page's 立即计算 with a past 计算日期 open what they find today;
    only `--backdate` (rebuilding a past year on purpose) opens cases on the day computed."""
    from io import StringIO

    from django.core.management import call_command

    from jixiao.alerts import services, sweep

    w = library
    use_sichuan(w.region)
    monkeypatch.setattr(sweep.timezone, "localdate", lambda: date(2026, 12, 7))  # a Monday
    call_command(
        "sweep_warnings", "--region", "511725000", "--year", "2026", "--as-of", "2026-06-30", stdout=StringIO()
    )
    cases = WarningCase.objects.filter(project__region=w.region)
    assert cases.exists() and set(cases.values_list("opened_on", flat=True)) == {date(2026, 12, 7)}
    assert services.escalate_overdue(today=date(2026, 12, 8)) == 0  # not born overdue

    WarningCase.objects.all().delete()
    services.sweep(actor=w.users["performance"], region=w.region, fiscal_year=2026, as_of=date(2026, 6, 30))
    assert set(cases.values_list("opened_on", flat=True)) == {date(2026, 12, 7)}

    WarningCase.objects.all().delete()
    call_command(
        "sweep_warnings",
        "--region",
        "511725000",
        "--year",
        "2026",
        "--as-of",
        "2026-06-30",
        "--backdate",
        stdout=StringIO(),
    )
    assert set(cases.values_list("opened_on", flat=True)) == {date(2026, 6, 30)}
