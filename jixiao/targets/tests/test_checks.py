"""Smart checks: every check with a failing and a passing case, rule overrides by region and year, disabled rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from conftest import World
from jixiao.core.errors import DomainError
from jixiao.indicators.models import FrameworkNode, IndicatorHistoricalValue
from jixiao.indicators.tests.factories import IndicatorItemFactory
from jixiao.organizations.tests.factories import FiscalYearFactory
from jixiao.projects.tests.factories import ProjectFactory
from jixiao.targets import checks, services
from jixiao.targets.models import PerformanceTarget, SmartCheckRule


def _row(target: PerformanceTarget, lv2: str, name: str, text: str, unit: str = "", **extra: Any) -> dict[str, Any]:
    lv2_node = FrameworkNode.objects.get(framework=target.framework, name=lv2)
    return {
        "lv1": lv2_node.parent,
        "lv2": lv2_node,
        "name": name,
        "operator": "gte",
        "target_text": text,
        "unit": unit,
        **extra,
    }


def _good_rows(target: PerformanceTarget) -> list[dict[str, Any]]:
    return [
        _row(target, "数量指标", "购置教学设备数量", "≥120台", "台", weight=Decimal("50")),
        _row(target, "社会效益指标", "设备使用率", "≥95%", "%", weight=Decimal("50")),
    ]


@pytest.fixture
def target(world: World) -> PerformanceTarget:
    target = services.target_create_for_project(actor=world.users["unit_user"], project=world.school_project)
    return services.target_update(
        actor=world.users["unit_user"], target=target, data={"annual_total_yuan": Decimal("1000000.00")}
    )


def _findings(world: World, target: PerformanceTarget, rows: list[dict[str, Any]]) -> list[checks.Finding]:
    services.target_save_indicators(actor=world.users["unit_user"], target=target, rows=rows)
    return checks.run_checks(PerformanceTarget.objects.get(pk=target.pk))


def _codes(findings: list[checks.Finding]) -> set[str]:
    return {f.code for f in findings}


def _with(world: World, target: PerformanceTarget, *rows: dict[str, Any]) -> set[str]:
    return _codes(_findings(world, target, [*_good_rows(target), *rows]))


def test_a_well_formed_target_has_no_findings(world: World, target: PerformanceTarget) -> None:
    assert _findings(world, target, _good_rows(target)) == []


def test_a_target_without_indicators_is_blocked(target: PerformanceTarget) -> None:
    findings = checks.run_checks(target)
    assert [(f.code, f.severity) for f in findings] == [("T-EMPTY", "error")]
    assert checks.blocking(findings) == findings


def test_missing_output_indicator_is_an_error(world: World, target: PerformanceTarget) -> None:
    findings = checks.blocking(_findings(world, target, _good_rows(target)[1:]))
    assert [(f.code, f.severity, f.message) for f in findings] == [
        ("T-NO-OUTPUT", "error", "缺少产出指标：至少应设置一个产出指标")
    ]


def test_missing_benefit_indicator_is_an_error(world: World, target: PerformanceTarget) -> None:
    assert _codes(checks.blocking(_findings(world, target, _good_rows(target)[:1]))) == {"T-NO-BENEFIT"}


def test_quantitative_indicator_without_a_number_is_an_error(world: World, target: PerformanceTarget) -> None:
    row = _row(target, "质量指标", "设备验收合格率", "合格")
    findings = _findings(world, target, [*_good_rows(target), row])
    assert [f.code for f in checks.blocking(findings)] == ["T-QUANT-NO-NUMBER"]
    assert findings[0].indicator_id is not None and "设备验收合格率" in findings[0].message
    row["operator"] = "qual"
    assert _with(world, target, row) == set()


def test_number_without_a_unit_is_a_warning(world: World, target: PerformanceTarget) -> None:
    assert _with(world, target, _row(target, "数量指标", "培训教师人数", "≥30")) == {"T-QUANT-NO-UNIT"}
    assert _with(world, target, _row(target, "数量指标", "培训教师人数", "≥30", "人")) == set()
    assert _with(world, target, _row(target, "数量指标", "培训教师人数", "≥30人")) == set()


def test_only_qualitative_indicators_is_a_warning(world: World, target: PerformanceTarget) -> None:
    rows = [
        _row(target, "质量指标", "设备质量", "合格", operator="qual"),
        _row(target, "社会效益指标", "教学条件", "达标", operator="qual"),
    ]
    assert _codes(_findings(world, target, rows)) == {"T-ONLY-QUAL"}
    assert _codes(_findings(world, target, [*rows, {**_good_rows(target)[0], "weight": None}])) == set()


def test_duplicate_indicator_names_are_an_error(world: World, target: PerformanceTarget) -> None:
    duplicate = _row(target, "质量指标", "购置教学设备 数量", "≥100台", "台")
    assert _with(world, target, duplicate) == {"T-DUP-NAME"}
    duplicate["name"] = "设备验收数量"
    assert _with(world, target, duplicate) == set()


def test_vague_wording_without_a_value_is_a_warning(world: World, target: PerformanceTarget) -> None:
    vague = _row(target, "社会效益指标", "教学质量", "显著提升", operator="qual")
    findings = _findings(world, target, [*_good_rows(target), vague])
    assert _codes(findings) == {"T-VAGUE"}
    assert "显著提升" in findings[0].message and findings[0].severity == "warning"
    vague["target_text"] = "达到省级示范校标准"
    assert _with(world, target, vague) == set()


def test_weights_that_do_not_add_up_are_a_warning(world: World, target: PerformanceTarget) -> None:
    rows = _good_rows(target)
    rows[1]["weight"] = Decimal("20")
    findings = _findings(world, target, rows)
    assert [(f.code, f.message) for f in findings] == [("T-WEIGHT-SUM", "年度指标分值合计为70，应为100")]
    for row in rows:
        row["weight"] = None
    assert _codes(_findings(world, target, rows)) == set()


def test_cost_indicators_above_the_budget_are_flagged(world: World, target: PerformanceTarget) -> None:
    cost = _row(target, "成本指标", "设备购置成本", "≤120万元", operator="lte")
    assert _with(world, target, cost) == {"T-COST-OVER-BUDGET"}
    cost["target_text"] = "≤100万元"
    assert _with(world, target, cost) == set()


def _history(world: World, value: str, year: int = 2025) -> Any:
    item = IndicatorItemFactory(name="设备使用率", unit="%")
    IndicatorHistoricalValue.objects.create(item=item, fiscal_year=year, region=world.region, value=value)
    return item


def test_a_target_at_or_below_last_years_actual_is_too_low(world: World, target: PerformanceTarget) -> None:
    item = _history(world, "96%")
    rows = _good_rows(target)
    rows[1]["library_item"] = item
    findings = _findings(world, target, rows)
    assert [f.code for f in findings] == ["T-BELOW-HISTORY"]
    assert "2025年实际完成值96" in findings[0].message
    rows[1]["target_text"] = "≥97%"
    assert _codes(_findings(world, target, rows)) == set()


def test_history_of_another_region_is_not_used(world: World, target: PerformanceTarget) -> None:
    item = IndicatorItemFactory(name="设备使用率", unit="%")
    IndicatorHistoricalValue.objects.create(item=item, fiscal_year=2025, region=world.other_region, value="99%")
    rows = _good_rows(target)
    rows[1]["library_item"] = item
    assert _codes(_findings(world, target, rows)) == set()


def test_a_target_far_above_any_past_value_is_flagged(world: World, target: PerformanceTarget) -> None:
    item = IndicatorItemFactory(name="购置教学设备数量", unit="台")
    for year, value in [(2024, "100台"), (2025, "80")]:
        IndicatorHistoricalValue.objects.create(item=item, fiscal_year=year, region=world.region, value=value)
    rows = _good_rows(target)
    rows[0].update(library_item=item, target_text="≥201台")
    findings = _findings(world, target, rows)
    assert [f.code for f in findings] == ["T-FAR-ABOVE-HISTORY"]
    assert "历史最好水平100的2倍" in findings[0].message
    rows[0]["target_text"] = "≥200台"
    assert _codes(_findings(world, target, rows)) == set()


def test_last_years_target_of_the_same_project_is_the_fallback(world: World, target: PerformanceTarget) -> None:
    FiscalYearFactory(year=2025, is_current=False)  # last year's target was filed while 2025 was open
    last_project = ProjectFactory(unit=world.school, code="P-SCHOOL", name="一中教学设备购置", fiscal_year=2025)
    last = services.target_create_for_project(actor=world.users["unit_user"], project=last_project)
    last_rows = _good_rows(last)
    last_rows[1]["target_text"] = "≥90%"
    services.target_save_indicators(actor=world.users["unit_user"], target=last, rows=last_rows)
    rows = _good_rows(target)
    rows[0]["target_text"] = "≥100台"
    findings = _findings(world, target, rows)
    assert [f.code for f in findings] == ["T-BELOW-HISTORY"]
    assert "2025年目标值120" in findings[0].message
    rows[0]["target_text"] = "≥130台"
    assert _codes(_findings(world, target, rows)) == set()


def test_text_that_cannot_be_parsed_is_a_warning(world: World, target: PerformanceTarget) -> None:
    assert _with(world, target, _row(target, "质量指标", "验收合格率", "95%-90%")) == {"T-UNPARSED"}
    assert _with(world, target, _row(target, "质量指标", "验收合格率", "90%-95%")) == set()


def test_operator_column_disagreeing_with_the_text_is_a_warning(world: World, target: PerformanceTarget) -> None:
    assert _with(world, target, _row(target, "质量指标", "故障率", "≥2%", operator="lte")) == {"T-OP-CONFLICT"}
    assert _with(world, target, _row(target, "质量指标", "故障率", "≤2%", operator="lte")) == set()


def test_greater_or_equal_zero_is_a_warning(world: World, target: PerformanceTarget) -> None:
    assert _with(world, target, _row(target, "数量指标", "新增设备", "≥0台")) == {"T-GE-ZERO"}
    assert _with(world, target, _row(target, "数量指标", "新增设备", "≥1台")) == set()


def test_errors_come_before_warnings(world: World, target: PerformanceTarget) -> None:
    rows = [_row(target, "社会效益指标", "教学质量", "显著提升", operator="qual")]
    findings = _findings(world, target, rows)
    assert [f.severity for f in findings] == ["error", "warning", "warning"]
    assert checks.severity_counts(findings) == {"error": 1, "warning": 2}


# --- rule rows -----------------------------------------------------------------------------------------------


def test_the_migration_inserts_the_national_defaults(db: Any) -> None:
    rows = {r.code: r for r in SmartCheckRule.objects.filter(region=None, fiscal_year=None)}
    assert set(rows) == set(checks.DEFAULT_RULES) == set(checks.CHECKS) | {"T-EMPTY"}
    for code, (name, severity, params) in checks.DEFAULT_RULES.items():
        assert (rows[code].name, rows[code].severity, rows[code].params) == (name, severity, params)


def test_a_disabled_rule_produces_nothing(world: World, target: PerformanceTarget) -> None:
    SmartCheckRule.objects.filter(code="T-DUP-NAME").update(is_enabled=False)
    duplicate = _row(target, "质量指标", "购置教学设备数量", "≥100台", "台")
    assert _with(world, target, duplicate) == set()


def test_a_region_row_overrides_the_national_default_only_there(world: World, target: PerformanceTarget) -> None:
    # The 湖北/安徽 profiles switch check_duplicate_names off (DOMAIN.md §2.2).
    SmartCheckRule.objects.create(
        code="T-DUP-NAME", name="三级指标名称重复", severity="error", is_enabled=False, region=world.region
    )
    SmartCheckRule.objects.create(code="T-WEIGHT-SUM", name="分值合计", severity="error", region=world.region)
    rows = [*_good_rows(target), _row(target, "质量指标", "购置教学设备数量", "≥100台", "台")]
    rows[0]["weight"] = Decimal("10")
    assert [(f.code, f.severity) for f in _findings(world, target, rows)] == [("T-WEIGHT-SUM", "error")]
    elsewhere = checks.effective_rules(world.other_region, 2026)
    assert "T-DUP-NAME" in elsewhere and elsewhere["T-WEIGHT-SUM"].severity == "warning"


def test_override_params_layer_over_the_defaults(world: World, target: PerformanceTarget) -> None:
    SmartCheckRule.objects.create(
        code="T-WEIGHT-SUM", name="分值合计", severity="info", params={"total": "60"}, fiscal_year=2026
    )
    rule = checks.effective_rules(world.region, 2026)["T-WEIGHT-SUM"]
    assert rule.params == {"total": "60", "tolerance": "0"} and rule.severity == "info"
    assert checks.effective_rules(world.region, 2027)["T-WEIGHT-SUM"].params["total"] == "100"
    rows = _good_rows(target)
    rows[0]["weight"] = Decimal("10")
    assert _findings(world, target, rows) == []


def test_the_most_specific_row_wins(world: World) -> None:
    SmartCheckRule.objects.create(code="T-VAGUE", name="模糊", severity="info", fiscal_year=2026)
    SmartCheckRule.objects.create(code="T-VAGUE", name="模糊", severity="error", region=world.region)
    SmartCheckRule.objects.create(
        code="T-VAGUE",
        name="模糊",
        severity="warning",
        region=world.region,
        fiscal_year=2026,
        params={"words": ["力争"]},
    )
    assert checks.effective_rules(world.region, 2026)["T-VAGUE"].params == {"words": ["力争"]}
    assert checks.effective_rules(world.region, 2027)["T-VAGUE"].severity == "error"
    assert checks.effective_rules(world.other_region, 2026)["T-VAGUE"].severity == "info"


def test_submit_is_blocked_by_an_error_and_allowed_once_the_region_relaxes_it(
    world: World, target: PerformanceTarget
) -> None:
    rows = [*_good_rows(target), _row(target, "质量指标", "购置教学设备数量", "≥100台", "台")]
    services.target_save_indicators(actor=world.users["unit_user"], target=target, rows=rows)
    with pytest.raises(DomainError, match="三级指标名称“购置教学设备数量”重复"):
        services.target_transition(actor=world.users["unit_user"], target=target, action="submit")
    SmartCheckRule.objects.create(code="T-DUP-NAME", name="重复", severity="warning", region=world.region)
    submitted = services.target_transition(actor=world.users["unit_user"], target=target, action="submit")
    assert submitted.status == "unit_submitted"


def test_checks_use_a_fixed_number_of_queries(
    world: World, target: PerformanceTarget, django_assert_max_num_queries: Any
) -> None:
    rows = [_row(target, "数量指标", f"指标{i}", f"≥{i}台", "台") for i in range(1, 30)]
    services.target_save_indicators(actor=world.users["unit_user"], target=target, rows=[*_good_rows(target), *rows])
    fresh = PerformanceTarget.objects.select_related("region").get(pk=target.pk)
    with django_assert_max_num_queries(4):
        checks.run_checks(fresh)
