"""The 事前评估 rules page refuses out-of-range thresholds with a Chinese message and stores nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import World
from jixiao.core.errors import DomainError
from jixiao.preassessment import services
from jixiao.preassessment.models import PreAssessmentRuleSet

GOOD = {
    "fiscal_year": "2026",
    "min_amount_wan": "30",
    "applies_to_new": "on",
    "blocks_budget_if_missing": "on",
    "support_min_score": "80",
    "adjust_min_score": "60",
    "outlier_points": "15",
}


@pytest.mark.parametrize(
    "change",
    [
        {"min_amount_wan": "-5"},
        {"outlier_points": "-1"},
        {"outlier_points": "101"},
        {"support_min_score": "-50", "adjust_min_score": "-60"},
        {"adjust_min_score": "-1"},
        {"support_min_score": "101"},
    ],
)
def test_negative_or_too_high_thresholds_are_refused_and_nothing_is_stored(
    world: World, change: dict[str, str]
) -> None:
    response = world.login("performance").post("/preassessment/rules/", {**GOOD, **change})
    assert response.status_code == 400
    html = response.content.decode()
    assert "评估规则已保存" not in html
    assert "大于或等于" in html or "小于或等于" in html
    assert not PreAssessmentRuleSet.objects.filter(region=world.region).exists()


def test_adjust_above_support_is_still_refused(world: World) -> None:
    response = world.login("performance").post(
        "/preassessment/rules/", {**GOOD, "support_min_score": "60", "adjust_min_score": "70"}
    )
    assert response.status_code == 400
    assert "“调整后支持”最低分不能高于“予以支持”最低分" in response.content.decode()
    assert not PreAssessmentRuleSet.objects.filter(region=world.region).exists()


def test_valid_thresholds_at_the_limits_are_saved(world: World) -> None:
    data = {**GOOD, "min_amount_wan": "0", "support_min_score": "100", "adjust_min_score": "0", "outlier_points": "0"}
    assert world.login("performance").post("/preassessment/rules/", data).status_code == 302
    rule = PreAssessmentRuleSet.objects.get(region=world.region, fiscal_year=2026)
    assert (rule.min_amount_wan, rule.support_min_score, rule.adjust_min_score) == (
        Decimal(0),
        Decimal(100),
        Decimal(0),
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("min_amount_wan", -5), ("outlier_points", -1), ("support_min_score", 101), ("adjust_min_score", -60)],
)
def test_rule_save_service_refuses_out_of_range_values(world: World, field: str, value: int) -> None:
    data = {f: getattr(PreAssessmentRuleSet(), f) for f in services.RULE_FIELDS}
    data[field] = Decimal(value)
    if field == "adjust_min_score":
        data["support_min_score"] = Decimal(-50)
    with pytest.raises(DomainError):
        services.rule_save(actor=world.users["performance"], region=world.region, fiscal_year=2026, data=data)
    assert not PreAssessmentRuleSet.objects.filter(region=world.region).exists()
