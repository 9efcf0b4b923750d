"""The demo's 部门整体 side: targets, a 部门整体 monitoring round and self-evaluations, each of a department of the
county and as far along as its workflow allows, 县教育局 holding one of each; the 年度工作总结 counts them."""

from __future__ import annotations

import random
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from jixiao.accounts.models import User
from jixiao.core import audit
from jixiao.demo import generator
from jixiao.demo.evaluation import _actual
from jixiao.evaluation.models import SelfEvalIndicator, SelfEvaluation
from jixiao.monitoring.models import MonitoringRecord, MonitoringTask
from jixiao.organizations.models import FiscalRegion
from jixiao.reports.statistics import compute_all
from jixiao.reports.statistics.base import Scope
from jixiao.targets.models import PerformanceTarget, TargetIndicator

SMALL = 0.1
OVERALL = PerformanceTarget.Subject.DEPT_OVERALL
# The events a target's review chain leaves, for each status the demo gives a 部门整体 target.
TARGET_PATH = {
    "unit_submitted": ["create", "submit"],
    "section_review": ["create", "submit", "dept_pass"],
    "perf_review": ["create", "submit", "dept_pass", "section_pass"],
    "returned": ["create", "submit", "dept_pass", "section_return"],
    "approved": ["create", "submit", "dept_pass", "section_pass", "grade_good", "approve"],
}
RECORD_STATUSES = {"pending", "filling", "submitted", "dept_approved", "section_approved", "approved"}


def _county() -> FiscalRegion:
    region = User.objects.get(username="jxg").active_membership.region
    assert region is not None
    return region


@pytest.mark.django_db
def test_departments_file_overall_targets_monitoring_and_self_evaluations_through_the_workflow(
    demo_county: str,
) -> None:
    county = _county()
    targets = list(
        PerformanceTarget.objects.filter(subject_type=OVERALL).select_related("department", "unit", "region")
    )
    assert targets
    for target in targets:
        assert target.project is None and target.region == county == target.department.region
        assert target.unit.department_id == target.department_id and target.unit.level == 1
        assert target.fiscal_year == 2026 and target.indicators.exists()
        assert target.annual_total_yuan == target.basic_yuan + target.project_spending_yuan
        actions = list(target.events.order_by("occurred_at", "id").values_list("action", flat=True))
        assert actions == TARGET_PATH[target.status], target.name
        assert (target.approved_at is not None) == (target.status == "approved")
        # Through the services: an audit record of each step, by an account of the department or the bureau.
        assert audit.AuditEvent.objects.filter(object_id=str(target.pk), event_type="target.create").exists()
    statuses = [t.status for t in targets]
    assert statuses.count("approved") > len(targets) / 2

    task = MonitoringTask.objects.get(scope=MonitoringTask.Scope.DEPT_OVERALL)
    assert task.region == county and task.status == "issued"
    records = list(MonitoringRecord.objects.filter(task=task).select_related("department", "target"))
    assert records and all(r.project_id is None and r.department.region == county for r in records)
    assert {r.status for r in records} <= RECORD_STATUSES
    for record in records:
        if record.status != "pending":  # filled: only by a department whose target was approved
            assert record.target is not None and record.target.status == "approved"
            assert record.target.department_id == record.department_id
    approved = [r for r in records if r.status == "approved"]
    assert approved and all(r.events.filter(action="perf_approve").exists() for r in approved)

    evaluations = list(SelfEvaluation.objects.filter(subject=SelfEvaluation.Subject.DEPT_OVERALL))
    assert evaluations
    for record in evaluations:
        assert record.project_id is None and record.target.subject_type == OVERALL
        assert record.target.status == "approved" and record.department_id == record.target.department_id
        if record.status != "filling":
            assert record.submitted_at is not None
    assert sum(r.status != "filling" for r in evaluations) > len(evaluations) / 2  # most submitted
    assert any(r.status == "fin_reviewed" for r in evaluations)

    # 县教育局 holds one of each, so edu_admin sees them.
    edu = User.objects.get(username="edu_admin")
    assert PerformanceTarget.objects.visible_to(edu).filter(subject_type=OVERALL, status="approved").count() == 1
    mine = MonitoringRecord.objects.filter(task=task, department__name="县教育局")
    assert mine.count() == 1 and mine.get().status == "dept_approved"  # waiting for 教科文股 (jkw)
    own = SelfEvaluation.objects.filter(subject=SelfEvaluation.Subject.DEPT_OVERALL, department__name="县教育局")
    assert own.count() == 1 and own.get().status == "dept_reviewed"


@pytest.mark.django_db
def test_the_annual_report_counts_the_demo_departments_overall_work(demo_county: str) -> None:
    figures = compute_all(Scope(region=_county(), work_year=2026, fiscal_year=2026))
    assert figures["TG-1"].values["dept_overall_units"] > 0
    assert figures["MON-5"].values["reviewed"] > 0
    assert figures["MON-5"].values["budget_yuan"] > Decimal(0)
    assert figures["EV-1"].values["overall"] > 0


def _project_side() -> dict[str, list[tuple[object, ...]]]:
    """What the rest of the demo holds: project targets with their indicators, monitoring and self-evaluation."""
    return {
        "targets": sorted(
            PerformanceTarget.objects.filter(subject_type="project").values_list("project__code", "status", "name")
        ),
        "indicators": sorted(
            TargetIndicator.objects.filter(target__subject_type="project").values_list(
                "target__project__code", "seq", "name", "target_text"
            )
        ),
        "monitoring": sorted(
            MonitoringRecord.objects.exclude(project=None).values_list(
                "project__code", "status", "executed_to_date_yuan", "expected_annual_yuan", "likelihood"
            )
        ),
        "selfeval": sorted(
            SelfEvaluation.objects.exclude(project=None).values_list("project__code", "status", "total_claimed")
        ),
        "users": sorted(User.objects.filter(memberships__unit__isnull=False).values_list("username", "display_name")),
    }


@pytest.mark.sqlite_only
@pytest.mark.django_db
def test_the_overall_side_takes_no_draw_from_the_demos_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    call_command("seed_demo", scale=SMALL, stdout=StringIO())
    with_overall = _project_side()
    monkeypatch.setattr(generator, "seed_overall", lambda seed, county, year: (0, 0))
    call_command("seed_demo", scale=SMALL, reset=True, stdout=StringIO())
    assert not PerformanceTarget.objects.filter(subject_type=OVERALL).exists()
    assert _project_side() == with_overall


@pytest.mark.parametrize("short", [False, True])
def test_a_counted_indicator_is_reported_in_whole_units(short: bool) -> None:
    """The demo's 实际完成值 of “≥900人” read 968.24人 on a self-evaluation: people, schools and sessions are whole."""
    for seed in range(20):
        text = _actual(random.Random(seed), SelfEvalIndicator(target_text="≥900人"), 2026, short)
        assert text.endswith("人") and "." not in text, text
        share = _actual(random.Random(seed), SelfEvalIndicator(target_text="≥95%"), 2026, short)
        assert share.endswith("%"), share  # a percentage keeps its two places
