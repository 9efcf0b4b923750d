"""DOMAIN.md §4.3–§4.7 rules on their boundaries (pure functions, no database)."""

from __future__ import annotations

import datetime
from decimal import Decimal as D  # noqa: N817

import pytest

from jixiao.evaluation.scoring import NATIONAL_DEFAULT as CFG
from jixiao.evaluation.scoring import FundRow, IndicatorRow, ScoringConfig, SelfEvalSheet, evaluate, rules
from jixiao.evaluation.scoring.check import IndicatorResult
from jixiao.indicators.valueparse import Op, parse_value


def test_exec_score_caps_at_full_and_flags_over_budget() -> None:
    result = rules.exec_score(D(1_000_000), D(955_000), CFG)
    assert result.rate == D("0.955000") and result.score.value == D("9.55")
    over = rules.exec_score(D(100), D(120), CFG)
    assert over.score.value == D("10.00") and [i.code for i in over.score.issues] == ["E_EXEC_OVER_BUDGET"]
    uncapped = rules.exec_score(D(100), D(120), ScoringConfig(cap_exec_rate=False))
    assert uncapped.score.value == D("12.00")


def test_exec_score_zero_budget_is_zero_points_with_flag() -> None:
    result = rules.exec_score(D(0), D(50), CFG)
    assert result.rate is None and result.score.value == D("0.00")
    assert result.score.issues[0].code == "E_ZERO_BUDGET"


@pytest.mark.parametrize(
    ("op", "t", "a", "w", "expected"),
    [
        (Op.GE, D(95), D(95), D(20), D("20.00")),
        (Op.GE, D(95), D(90), D(20), D("18.95")),  # 90/95*20 = 18.947… → 18.95
        (Op.GT, D(500), D(480), D(20), D("19.20")),
        (Op.EQ, D(100), D(100), D(10), D("10.00")),
        (Op.GE, D(10), D(-3), D(10), D("0.00")),  # negative actual clamped
        (Op.GE, D(0), D(0), D(5), D("5.00")),  # zero target, zero actual
        (Op.GE, D(0), D(1), D(5), D("0.00")),  # "≥0": any positive actual scores 0 (production rule)
        (Op.LE, D(500), D(500), D(10), D("10.00")),
        (Op.LE, D(500), D(520), D(10), D("9.60")),
        (Op.LT, D(500), D(999), D(10), D("0.02")),
        (Op.LE, D(500), D(1000), D(10), D("0.00")),  # exactly 2t
        (Op.LE, D(0), D(0), D(4), D("4.00")),
        (Op.LE, D(0), D(1), D(4), D("0.00")),
    ],
)
def test_quantitative_by_operator(op: Op, t: D, a: D, w: D, expected: D) -> None:
    assert rules.score_quant(op, t, a, w).value == expected


def test_negative_target_needs_a_person() -> None:
    score = rules.score_quant(Op.GE, D(-1), D(3), D(10))
    assert score.manual and score.issues[0].code == "E_NEG_TARGET"


def test_range_inside_full_outside_manual() -> None:
    assert rules.score_range(D(90), D(95), D(92), D(10)).value == D("10.00")
    assert rules.score_range(D(90), D(95), D(96), D(10)).issues[0].code == "E_RANGE_MISS"


def test_time_on_time_late_and_undated() -> None:
    deadline = datetime.date(2026, 9, 30)
    on_time = parse_value("2026年9月20日", fiscal_year=2026)
    late = parse_value("11月完成", fiscal_year=2026)
    undated = parse_value("已完成", fiscal_year=2026)
    assert rules.score_time(deadline, on_time, D(5), CFG).value == D("5.00")
    assert rules.score_time(deadline, late, D(5), CFG).issues[0].code == "W_TIME_LATE"
    assert rules.score_time(deadline, late, D(5), ScoringConfig(time_late_mode="ZERO")).value == D("0.00")
    assert rules.score_time(deadline, late, D(5), ScoringConfig(time_late_mode="PER_MONTH")).value == D("4.00")
    assert rules.score_time(deadline, undated, D(5), CFG).issues[0].code == "E_TIME_NO_DATE"


def test_qualitative_bands_are_exact_decimals() -> None:
    w = D("3.33")  # 0.8·w = 2.664: 2.66 is PARTIAL, 2.67 ACHIEVED (DOMAIN.md §4.6 example)
    assert rules.level_of_score(D("2.66"), w, CFG) == "PARTIAL"
    assert rules.level_of_score(D("2.67"), w, CFG) == "ACHIEVED"
    assert rules.in_band(D("2.67"), "ACHIEVED", w, CFG) and not rules.in_band(D("2.66"), "ACHIEVED", w, CFG)
    assert rules.score_qualitative("PARTIAL", D(10), CFG).value == D("7.00")
    assert rules.score_qualitative(None, D(10), CFG).manual


def test_weights_move_missing_satisfaction_to_benefit() -> None:
    rows = [("OUTPUT", D(50)), ("BENEFIT", D(40))]
    assert rules.check_weights(rows, D(10), CFG) == []
    wrong = rules.check_weights([("OUTPUT", D(50)), ("BENEFIT", D(30))], D(10), CFG)
    assert {i.code for i in wrong} == {"E_WEIGHT_SUM"}
    missing = rules.check_weights([("OUTPUT", D(90))], D(10), CFG)
    assert "E_LV1_MISSING" in {i.code for i in missing}


def test_cost_shares_output_weight_under_2021_framework() -> None:
    rows = [("COST", D(10)), ("OUTPUT", D(40)), ("BENEFIT", D(30)), ("SATISFACTION", D(10))]
    assert rules.check_weights(rows, D(10), CFG) == []


@pytest.mark.parametrize(
    ("total", "grade"), [(D(90), "优"), (D("89.99"), "良"), (D(80), "良"), (D(60), "中"), (D("59.99"), "差")]
)
def test_grade_band_edges_are_inclusive_lower_bounds(total: D, grade: str) -> None:
    assert rules.grade(total, CFG) == grade


def test_target_weights_become_self_evaluation_points_per_group() -> None:
    rows = [("OUTPUT", D(30)), ("OUTPUT", D(20)), ("OUTPUT", D(10)), ("BENEFIT", D(30)), ("SATISFACTION", D(10))]
    assert rules.allocate_weights(rows, CFG) == [D(25), D("16.67"), D("8.33"), D(30), D(10)]
    no_satisfaction = [("OUTPUT", D(60)), ("BENEFIT", D(20)), ("BENEFIT", D(20))]
    assert rules.allocate_weights(no_satisfaction, CFG) == [D(50), D(20), D(20)]
    unweighted = [("OUTPUT", None), ("OUTPUT", None), ("OUTPUT", None), ("BENEFIT", None)]
    assert rules.allocate_weights(unweighted, CFG) == [D("16.67"), D("16.67"), D("16.66"), D(40)]
    cost = [("COST", D(10)), ("OUTPUT", D(40)), ("BENEFIT", D(40)), ("SATISFACTION", D(10))]
    assert rules.allocate_weights(cost, CFG) == [D(10), D(40), D(30), D(10)]
    assert (
        rules.check_weights(list(zip([g for g, _ in rows], rules.allocate_weights(rows, CFG), strict=True)), D(10), CFG)
        == []
    )  # type: ignore[arg-type]


def _qualitative_row(actual_text: str, level: str | None) -> IndicatorRow:
    return IndicatorRow(
        row=1,
        lv1="效益指标",
        lv2="社会效益指标",
        name="义务教育优质均衡发展水平",
        target_text="持续提升",
        actual_text=actual_text,
        weight=D(30),
        claimed=D(30),
        level_claimed=level,
    )


def _scored(row: IndicatorRow) -> IndicatorResult:
    sheet = SelfEvalSheet(fiscal_year=2026, funds={"TOTAL": FundRow(initial_yuan=D(100), annual_yuan=D(100))})
    sheet.rows = [row]
    return evaluate(sheet).indicators[0]


def test_qualitative_row_takes_the_chosen_level_when_the_text_names_none() -> None:
    """“已达成” with 定性完成档次 达成年度指标 chosen: scored from that level, not “需人工评分：无法判断等级”."""
    result = _scored(_qualitative_row("已达成", "ACHIEVED"))
    assert (
        result.computed.value == D("30.00") and result.level_suggested is None
    )  # the claim is scored, not suggested back
    assert "E_ACTUAL_NOT_NUMERIC" not in [i.code for i in result.issues]
    # Without a chosen level the row still needs a person; wording that names a level still wins.
    assert _scored(_qualitative_row("已达成", None)).computed.value is None
    worded = _scored(_qualitative_row("部分完成", "ACHIEVED"))
    assert worded.level_suggested == "PARTIAL" and "D_QUAL_LEVEL_TEXT" in [i.code for i in worded.issues]
