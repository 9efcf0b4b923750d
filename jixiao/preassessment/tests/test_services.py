"""Filing, review and conclusion of a pre-assessment; the rule in force; the project amount after a cut."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import World
from jixiao.core.errors import ConflictError, DomainError, PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.preassessment import selectors, services
from jixiao.preassessment.models import Conclusion, PreAssessment, PreAssessmentRuleSet
from jixiao.preassessment.tests.factories import PreAssessmentFactory
from jixiao.projects import services as project_services
from jixiao.projects.tests.factories import ProjectFactory

SECTIONS = {
    "basic_situation": "背景",
    "necessity": "必要",
    "economy": "经济",
    "target_reasonableness": "合理",
    "implementation_feasibility": "可行",
    "funding_compliance": "合规",
}


def _to_fin_review(world: World) -> PreAssessment:
    u = world.users
    pa = services.preassessment_create(actor=u["unit_user"], project=world.school_project, data=SECTIONS)
    for persona, action in (("unit_user", "submit"), ("dept_admin", "dept_approve"), ("business", "section_pass")):
        pa = services.preassessment_transition(actor=u[persona], assessment=pa, action=action)
    return pa


def test_filing_goes_from_unit_through_department_and_section_to_the_performance_section(world: World) -> None:
    pa = _to_fin_review(world)
    assert pa.status == "fin_review" and pa.submitted_at is not None
    assert pa.requested_amount_yuan == Decimal("500000.00")
    assert list(pa.events.order_by("id").values_list("action", flat=True)) == [
        "create",
        "submit",
        "dept_approve",
        "section_pass",
    ]
    events = set(
        AuditEvent.objects.filter(object_type="preassessment.preassessment").values_list("event_type", flat=True)
    )
    assert {"preassessment.create", "preassessment.submit", "preassessment.section_pass"} <= events


def test_submit_requires_the_report_sections(world: World) -> None:
    pa = services.preassessment_create(actor=world.users["unit_user"], project=world.school_project, data={})
    with pytest.raises(DomainError, match="立项必要性"):
        services.preassessment_transition(actor=world.users["unit_user"], assessment=pa, action="submit")


def test_a_request_above_the_projects_funds_is_refused_at_submit_and_the_draft_kept(world: World) -> None:
    """A request above 项目资金总额 would later count the difference as 压减; equal to it is fine."""
    project = world.school_project
    unit = world.users["unit_user"]
    data = {**SECTIONS, "requested_amount_yuan": project.total_amount_yuan + Decimal("0.01")}
    pa = services.preassessment_create(actor=unit, project=project, data=data)
    with pytest.raises(DomainError, match="超过项目资金总额"):
        services.preassessment_transition(actor=unit, assessment=pa, action="submit")
    pa.refresh_from_db()
    assert pa.status == "draft"
    PreAssessment.objects.filter(pk=pa.pk).update(requested_amount_yuan=project.total_amount_yuan)
    pa.refresh_from_db()
    assert services.preassessment_transition(actor=unit, assessment=pa, action="submit").status == "submitted"


def test_returns_need_an_opinion_and_send_the_filing_back_to_draft(world: World) -> None:
    pa = _to_fin_review(world)
    with pytest.raises(DomainError, match="请填写意见"):
        services.preassessment_transition(actor=world.users["performance"], assessment=pa, action="perf_return")
    pa = services.preassessment_transition(
        actor=world.users["performance"], assessment=pa, action="perf_return", comment="测算依据不足"
    )
    assert pa.status == "draft" and pa.events.first().comment == "测算依据不足"  # type: ignore[union-attr]


def test_unit_user_cannot_approve_or_conclude_its_own_filing(world: World) -> None:
    pa = _to_fin_review(world)
    with pytest.raises(PermissionDeniedError):
        services.preassessment_conclude(actor=world.users["unit_user"], assessment=pa, conclusion="support")
    with pytest.raises(PermissionDeniedError):
        services.preassessment_transition(
            actor=world.users["business"], assessment=pa, action="perf_return", comment="x"
        )


def test_a_project_cannot_have_two_open_filings(world: World) -> None:
    services.preassessment_create(actor=world.users["unit_user"], project=world.school_project, data=SECTIONS)
    with pytest.raises(ConflictError):
        services.preassessment_create(actor=world.users["unit_user"], project=world.school_project, data=SECTIONS)


def test_filed_assessment_cannot_be_edited(world: World) -> None:
    pa = _to_fin_review(world)
    with pytest.raises(ConflictError):
        services.preassessment_update(actor=world.users["unit_user"], assessment=pa, data={"necessity": "改"})


# ---- rules ------------------------------------------------------------------------------------------------------


def test_national_default_row_requires_new_projects_from_30_wan(world: World) -> None:
    assert PreAssessmentRuleSet.objects.filter(region=None, fiscal_year=None).exists()
    assert selectors.assessment_required(world.school_project)[0] is True
    small = ProjectFactory(unit=world.school, fiscal_amount_yuan=Decimal("299999.99"))
    assert selectors.assessment_required(small) == (False, "财政拨款低于30万元")
    running = ProjectFactory(unit=world.school, is_new=False, start_year=2025)
    assert selectors.assessment_required(running)[0] is False
    expiring = ProjectFactory(unit=world.school, is_new=False, start_year=2026)
    assert "到期延续" in selectors.assessment_required(expiring)[1]


def test_region_and_year_rows_override_the_national_default(world: World) -> None:
    project = world.school_project
    PreAssessmentRuleSet.objects.create(region=world.region, fiscal_year=None, min_amount_wan=Decimal(100))
    assert selectors.assessment_required(project)[0] is False
    PreAssessmentRuleSet.objects.create(region=world.region, fiscal_year=2026, min_amount_wan=Decimal(40))
    assert selectors.assessment_required(project)[0] is True
    later = ProjectFactory(unit=world.school, fiscal_year=2027, start_year=2027, end_year=2027)
    assert selectors.assessment_required(later)[0] is False  # the 2026 row does not reach 2027
    # Another county keeps the national default.
    assert selectors.assessment_required(world.far_project)[0] is True
    fund = ProjectFactory(unit=world.school, fiscal_amount_yuan=Decimal("1000.00"), budget_book="fund")
    PreAssessmentRuleSet.objects.filter(region=world.region, fiscal_year=2026).update(budget_books=["fund"])
    assert selectors.assessment_required(fund)[0] is True


def test_rule_save_is_limited_to_the_performance_section(world: World) -> None:
    data = {f: getattr(PreAssessmentRuleSet(), f) for f in services.RULE_FIELDS}
    with pytest.raises(PermissionDeniedError):
        services.rule_save(actor=world.users["budget"], region=world.region, fiscal_year=2026, data=data)
    rule = services.rule_save(actor=world.users["performance"], region=world.region, fiscal_year=2026, data=data)
    assert rule.region == world.region and AuditEvent.objects.filter(event_type="preassessment.rule_save").exists()


# ---- conclusion -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        ("95", "support"),
        ("80", "support"),
        ("79.99", "support_after_adjustment"),
        ("60", "support_after_adjustment"),
        ("59.99", "reject"),
    ],
)
def test_score_maps_to_a_default_conclusion_by_the_rule_thresholds(score: str, expected: str) -> None:
    assert selectors.suggested_conclusion(Decimal(score), PreAssessmentRuleSet()) == expected


def test_thresholds_come_from_the_rule_row() -> None:
    strict = PreAssessmentRuleSet(support_min_score=Decimal(90), adjust_min_score=Decimal(70))
    assert selectors.suggested_conclusion(Decimal(85), strict) == "support_after_adjustment"
    assert selectors.suggested_conclusion(Decimal(65), strict) == "reject"


def test_overriding_the_score_needs_a_reason(world: World) -> None:
    pa = _to_fin_review(world)
    perf = world.users["performance"]
    with pytest.raises(DomainError, match="须填写理由"):
        services.preassessment_conclude(actor=perf, assessment=pa, conclusion="defer", score=Decimal(85))
    pa = services.preassessment_conclude(
        actor=perf, assessment=pa, conclusion="defer", score=Decimal(85), override_reason="用地手续尚未落实"
    )
    assert (pa.suggested_conclusion, pa.conclusion, pa.override_reason) == ("support", "defer", "用地手续尚未落实")
    assert pa.supported_amount_yuan == 0 and pa.reduction_amount_yuan == Decimal("500000.00")


def test_reduced_support_cuts_the_project_to_the_supported_amount(world: World) -> None:
    pa = _to_fin_review(world)
    pa = services.preassessment_conclude(
        actor=world.users["performance"],
        assessment=pa,
        conclusion="support_reduced",
        supported_amount_yuan=Decimal("300000.00"),
        score=Decimal(72),
    )
    assert pa.reduction_amount_yuan == Decimal("200000.00")
    world.school_project.refresh_from_db()
    assert world.school_project.fiscal_amount_yuan == Decimal("300000.00")
    assert AuditEvent.objects.filter(event_type="project.set_supported_amount").exists()


def test_reduced_support_needs_an_amount_below_the_request(world: World) -> None:
    pa = _to_fin_review(world)
    for amount in (None, Decimal("500000.00"), Decimal(0)):
        with pytest.raises(DomainError, match="核减后支持"):
            services.preassessment_conclude(
                actor=world.users["performance"],
                assessment=pa,
                conclusion="support_reduced",
                supported_amount_yuan=amount,
            )


def test_support_after_adjustment_needs_the_revised_plan_accepted(world: World) -> None:
    pa = _to_fin_review(world)
    perf = world.users["performance"]
    pa = services.preassessment_conclude(actor=perf, assessment=pa, conclusion=Conclusion.SUPPORT_AFTER_ADJUSTMENT)
    assert not pa.is_supported
    with pytest.raises(DomainError):
        services.preassessment_accept_revision(actor=perf, assessment=pa, comment="")
    pa = services.preassessment_accept_revision(actor=perf, assessment=pa, comment="已按意见调整实施方案")
    assert pa.is_supported and pa.status == "concluded"


def test_support_after_adjustment_at_the_full_amount_also_waits_for_the_revised_plan(world: World) -> None:
    pa = _to_fin_review(world)
    perf = world.users["performance"]
    pa = services.preassessment_conclude(
        actor=perf,
        assessment=pa,
        conclusion=Conclusion.SUPPORT_AFTER_ADJUSTMENT,
        supported_amount_yuan=Decimal("500000.00"),
        score=Decimal(70),
    )
    assert pa.awaits_revision and not pa.is_supported and pa.reduction_amount_yuan == 0
    assert "待确认调整方案" in selectors.assessment_overview(world.school_project).label
    with pytest.raises(DomainError, match="尚不能入库"):
        project_services.project_transition(
            actor=world.users["unit_user"], project=world.school_project, action="submit"
        )


def test_support_after_adjustment_with_a_reduced_amount_lets_the_project_in_at_once(world: World) -> None:
    pa = _to_fin_review(world)
    perf = world.users["performance"]
    pa = services.preassessment_conclude(
        actor=perf,
        assessment=pa,
        conclusion=Conclusion.SUPPORT_AFTER_ADJUSTMENT,
        supported_amount_yuan=Decimal("300000.00"),
        score=Decimal(70),
        opinion="设备单价偏高，核减20万元",
    )
    assert pa.adjusted_by_amount and pa.is_supported and not pa.awaits_revision
    assert (pa.supported_amount_yuan, pa.reduction_amount_yuan) == (Decimal("300000.00"), Decimal("200000.00"))
    assert selectors.assessment_overview(world.school_project).label == "调整后支持"
    # Nothing to confirm: the cut is the adjustment.
    with pytest.raises(ConflictError):
        services.preassessment_accept_revision(actor=perf, assessment=pa, comment="确认")
    world.school_project.refresh_from_db()
    assert world.school_project.fiscal_amount_yuan == Decimal("300000.00")
    project = project_services.project_transition(
        actor=world.users["unit_user"], project=world.school_project, action="submit"
    )
    assert project.status == "submitted"
    totals = selectors.preassessment_statistics(perf, pa.fiscal_year)["totals"]
    assert totals["adjusted"] == 1 and totals["supported"] == 1
    assert totals["cut"] == Decimal("200000.00") and totals["supported_amount"] == Decimal("300000.00")


def test_support_after_adjustment_refuses_a_zero_amount(world: World) -> None:
    pa = _to_fin_review(world)
    with pytest.raises(DomainError, match="调整后支持的金额应大于0"):
        services.preassessment_conclude(
            actor=world.users["performance"],
            assessment=pa,
            conclusion=Conclusion.SUPPORT_AFTER_ADJUSTMENT,
            supported_amount_yuan=Decimal(0),
        )
    pa.refresh_from_db()
    assert pa.status == "fin_review" and pa.conclusion == ""


def test_a_deferred_project_may_be_filed_again(world: World) -> None:
    PreAssessmentFactory(project=world.school_project, status="concluded", conclusion="defer")
    again = services.preassessment_create(actor=world.users["unit_user"], project=world.school_project, data=SECTIONS)
    assert selectors.latest_assessment(world.school_project) == again
    # A list page's badge shows the same, newest assessment (chosen in Python there, not by an ORDER BY).
    assert selectors.assessment_overviews([world.school_project])[world.school_project.pk].assessment == again
