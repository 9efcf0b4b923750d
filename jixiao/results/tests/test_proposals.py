"""Each rule kind, strictest-wins and reproducibility: arrange the source rows, generate, read the proposal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import World
from jixiao.core.audit import AuditEvent
from jixiao.core.errors import DomainError, NotFoundError
from jixiao.preassessment.tests.factories import concluded
from jixiao.rectification.models import RectificationStatus
from jixiao.results import services
from jixiao.results.models import ResultApplication, ResultApplicationRule
from jixiao.results.tests import helpers as h


@pytest.fixture
def school(world: World):  # type: ignore[no-untyped-def]
    return h.arranged(world.school_project)


def test_national_defaults_follow_the_10hao_wording_with_the_percentage_left_open(db: None) -> None:
    rules = {r.code: r for r in ResultApplicationRule.objects.filter(region__isnull=True)}
    assert rules["SELF_EVAL-优"].action == "PRIORITY"
    assert rules["SELF_EVAL-良"].action == "KEEP"
    assert rules["SELF_EVAL-中"].action == "REDUCE_PCT" and rules["SELF_EVAL-中"].pct is None
    assert rules["SELF_EVAL-中"].needs_pct
    assert rules["SELF_EVAL-差"].action == "CANCEL"
    assert rules["EXEC-LOW"].action == "REDUCE_UNSPENT" and rules["EXEC-LOW"].threshold is None
    assert rules["RECT-OPEN"].action == "REARRANGE_AFTER_RECTIFY" and rules["RECT-OPEN"].enforce


@pytest.mark.parametrize(
    ("grade", "action", "amount"),
    [("优", "PRIORITY", "200000.00"), ("良", "KEEP", "200000.00"), ("差", "CANCEL", "0.00")],
)
def test_self_evaluation_grade_gives_the_next_year_action(world: World, school, grade, action, amount) -> None:  # type: ignore[no-untyped-def]
    h.pay(school, "190000.00")
    h.self_eval(school, grade)
    h.generate(world)
    app = h.proposal(school)
    assert app.proposed_action == action
    assert app.proposed_amount_yuan == Decimal(amount)
    assert app.budget_year == 2027 and app.fiscal_year == 2026
    assert app.reasons[0]["text"] == f"单位自评等级为“{grade}”"
    assert app.grade == f"单位自评：{grade}"


def test_grade_fair_without_a_county_percentage_has_no_amount_until_set(world: World, school) -> None:  # type: ignore[no-untyped-def]
    h.pay(school, "190000.00")
    h.self_eval(school, "中")
    h.generate(world)
    app = h.proposal(school)
    assert app.proposed_action == "REDUCE_PCT" and app.proposed_amount_yuan is None and app.needs_pct
    h.set_rule(world, "SELF_EVAL-中", action="REDUCE_PCT", pct=Decimal("15"), enforce=True, is_active=True, priority=13)
    h.generate(world)
    app.refresh_from_db()
    assert app.proposed_pct == Decimal("15.00")
    assert app.proposed_amount_yuan == Decimal("170000.00")


def test_re_evaluation_grade_counts(world: World, school) -> None:  # type: ignore[no-untyped-def]
    h.re_eval(school, "优", "差")
    h.generate(world)
    app = h.proposal(school)
    assert app.proposed_action == "CANCEL"
    assert "财政再评价等级为“差”" in [r["text"] for r in app.reasons]


@pytest.mark.parametrize(("kind", "label"), [("dept", "部门评价"), ("finance", "财政评价")])
def test_key_evaluation_grade_counts(world: World, school, kind: str, label: str) -> None:  # type: ignore[no-untyped-def]
    h.pay(school, "190000.00")
    h.key_eval(school, "优", kind=kind)
    h.generate(world)
    app = h.proposal(school)
    assert app.proposed_action == "PRIORITY"
    assert app.reasons[0]["text"] == f"{label}等级为“优”"


def test_execution_below_the_county_rate_cuts_a_share_of_the_unspent_amount(world: World, school) -> None:  # type: ignore[no-untyped-def]
    h.pay(school, "80000.00")  # 40 %
    h.generate(world)
    assert not ResultApplication.objects.exists()  # the threshold is not set nationally: the rule does not fire
    h.set_rule(world, "EXEC-LOW", action="REDUCE_UNSPENT", threshold=Decimal(60), pct=Decimal(50), enforce=True)
    h.generate(world)
    app = h.proposal(school)
    assert app.proposed_action == "REDUCE_UNSPENT"
    assert app.executed_yuan == Decimal("80000.00")
    # unspent 120 000 × 50 % = 60 000 cut
    assert app.proposed_amount_yuan == Decimal("140000.00")
    assert app.reasons[0]["text"] == "预算执行率40.00%低于60%"


def test_idle_funds_are_recovered(world: World, school) -> None:  # type: ignore[no-untyped-def]
    h.generate(world)
    app = h.proposal(school)
    assert app.proposed_action == "RECOVER"
    assert app.proposed_amount_yuan == Decimal("0.00")
    assert app.reasons[0]["text"] == "全年未支出，资金闲置"


def test_red_warning_light_gives_a_tight_arrangement(world: World, school) -> None:  # type: ignore[no-untyped-def]
    h.pay(school, "150000.00")
    h.light(school, "RED")
    h.generate(world)
    app = h.proposal(school)
    assert app.proposed_action == "TIGHT"
    assert app.proposed_amount_yuan == Decimal("200000.00")
    assert app.reasons[0]["text"] == "绩效运行监控预警为“红灯”"


def test_a_county_rule_on_warning_dispositions(world: World, school) -> None:  # type: ignore[no-untyped-def]
    h.pay(school, "150000.00")
    h.disposition(school, "ADJUST_DOWN")
    ResultApplicationRule.objects.create(
        code="DISP-ADJUST",
        name="监控处置调减的压缩",
        region=world.region,
        source="MONITORING",
        condition="DISPOSITION_IN",
        values=["ADJUST_DOWN"],
        action="REDUCE_PCT",
        pct=Decimal(10),
    )
    h.generate(world)
    app = h.proposal(school)
    assert app.proposed_action == "REDUCE_PCT"
    assert app.proposed_amount_yuan == Decimal("180000.00")
    assert app.reasons[0]["text"] == "预警处置决定为“调减”"


def test_open_rectification_means_rearrange_after_rectification(world: World, school) -> None:  # type: ignore[no-untyped-def]
    h.pay(school, "150000.00")
    h.open_rectification(school)
    h.generate(world)
    app = h.proposal(school)
    assert app.proposed_action == "REARRANGE_AFTER_RECTIFY" and app.enforce
    assert app.reasons[0]["text"] == "存在未完成的整改"


def test_closed_rectification_is_not_open(world: World, school) -> None:  # type: ignore[no-untyped-def]
    h.pay(school, "150000.00")
    h.open_rectification(school, RectificationStatus.CLOSED)
    h.generate(world)
    assert not ResultApplication.objects.exists()


def test_pre_assessment_rejection_cancels(world: World, school) -> None:  # type: ignore[no-untyped-def]
    h.pay(school, "150000.00")
    concluded(school, "reject", "0")
    h.generate(world)
    app = h.proposal(school)
    assert app.proposed_action == "CANCEL"
    assert app.reasons[0]["text"] == "事前绩效评估结论为“不予支持”"


def test_poor_target_review_gives_a_strict_arrangement(world: World, school) -> None:  # type: ignore[no-untyped-def]
    h.pay(school, "150000.00")
    h.target(school, review_grade="poor")
    h.generate(world)
    app = h.proposal(school)
    assert app.proposed_action == "STRICT"
    assert app.reasons[0]["text"] == "绩效目标审核等级为“差”"


def test_falsified_self_evaluation_gives_a_strict_arrangement(world: World, school) -> None:  # type: ignore[no-untyped-def]
    h.pay(school, "150000.00")
    h.falsified(school)
    h.generate(world)
    app = h.proposal(school)
    assert app.proposed_action == "STRICT"
    texts = [r["text"] for r in app.reasons]
    assert "真实性核查结论为“弄虚作假”" in texts and "单位自评等级为“良”" in texts


def test_the_strictest_action_wins_and_every_reason_is_listed(world: World, school) -> None:  # type: ignore[no-untyped-def]
    h.pay(school, "150000.00")
    h.self_eval(school, "优")
    h.light(school, "RED")
    h.open_rectification(school)
    h.generate(world)
    app = h.proposal(school)
    assert app.proposed_action == "REARRANGE_AFTER_RECTIFY"
    assert [r["code"] for r in app.reasons] == ["RECT-OPEN", "MON-RED", "SELF_EVAL-优"]


def test_between_two_cuts_the_larger_cut_wins(world: World, school) -> None:  # type: ignore[no-untyped-def]
    h.pay(school, "100000.00")  # 50 %, unspent 100 000
    h.self_eval(school, "中")
    h.set_rule(world, "SELF_EVAL-中", action="REDUCE_PCT", pct=Decimal(10), enforce=True, is_active=True, priority=13)
    h.set_rule(world, "EXEC-LOW", action="REDUCE_UNSPENT", threshold=Decimal(60), pct=Decimal(30), enforce=True)
    h.generate(world)
    app = h.proposal(school)
    assert app.proposed_action == "REDUCE_UNSPENT"  # 30 000 cut beats 20 000
    assert app.proposed_amount_yuan == Decimal("170000.00")


def test_a_regional_row_overrides_the_national_one_and_can_switch_a_rule_off(world: World, school) -> None:  # type: ignore[no-untyped-def]
    h.pay(school, "150000.00")
    h.self_eval(school, "优")
    h.set_rule(world, "SELF_EVAL-优", action="INCENTIVE", enforce=False, is_active=True, priority=10)
    h.generate(world)
    assert h.proposal(school).proposed_action == "INCENTIVE"
    h.set_rule(world, "SELF_EVAL-优", action="INCENTIVE", enforce=False, is_active=False, priority=10)
    h.generate(world)
    assert not ResultApplication.objects.exists()  # undecided proposals without a matching rule are removed


def test_regenerating_is_reproducible_and_keeps_decisions(world: World, school) -> None:  # type: ignore[no-untyped-def]
    hospital = h.arranged(world.hospital_project)
    h.pay(hospital, "150000.00")
    h.self_eval(school, "良")
    h.self_eval(hospital, "差")
    first = h.generate(world)
    assert first["created"] == 2
    snapshot = list(
        ResultApplication.objects.order_by("pk").values("pk", "proposed_action", "proposed_amount_yuan", "reasons")
    )
    again = h.generate(world)
    assert again == {"created": 0, "updated": 0, "unchanged": 2, "removed": 0, "kept_decided": 0}
    assert (
        list(
            ResultApplication.objects.order_by("pk").values("pk", "proposed_action", "proposed_amount_yuan", "reasons")
        )
        == snapshot
    )
    services.application_decide(
        actor=world.users["budget"], application=h.proposal(hospital), action="KEEP", reason="民生项目，予以保障"
    )
    h.light(hospital, "RED")
    counts = h.generate(world)
    assert counts["kept_decided"] == 1
    decided = h.proposal(hospital)
    assert decided.decided_action == "KEEP" and decided.proposed_action == "CANCEL"
    assert AuditEvent.objects.filter(event_type="results.generate").count() == 3


def test_other_years_and_regions_and_unarranged_projects_are_left_alone(world: World) -> None:
    h.arranged(world.far_project)  # another region
    draft = world.branch_project  # still a draft
    h.self_eval(draft, "差")
    h.generate(world)
    assert not ResultApplication.objects.exists()


def test_generation_needs_the_capability(world: World) -> None:
    with pytest.raises(DomainError):
        services.applications_generate(actor=world.users["unit_user"], region=world.region, fiscal_year=2026)
    with pytest.raises(NotFoundError):
        services.applications_generate(actor=world.users["performance"], region=world.other_region, fiscal_year=2026)


def test_a_city_generating_over_its_counties_applies_each_countys_own_rules(world: World, school) -> None:  # type: ignore[no-untyped-def]
    from jixiao.accounts.models import Membership
    from jixiao.accounts.tests.factories import UserFactory
    from jixiao.organizations.tests.factories import city_with_counties

    city, _ = city_with_counties(world.region)
    city_perf = UserFactory(username="city_perf")
    Membership.objects.create(user=city_perf, role="performance", region=city)
    h.pay(school, "190000.00")
    h.self_eval(school, "中")
    h.set_rule(world, "SELF_EVAL-中", action="REDUCE_PCT", pct=Decimal("15"), enforce=True, is_active=True, priority=13)
    h.generate(world)
    assert h.proposal(school).proposed_pct == Decimal("15.00")
    services.applications_generate(actor=city_perf, region=city, fiscal_year=2026)
    app = h.proposal(school)
    assert app.proposed_pct == Decimal("15.00") and app.proposed_amount_yuan is not None  # the county's rule stands
