"""Property tests of the scoring engine (issue 6, quality bar): a row's score is never above its weight nor negative;
the budget-execution score stays within its points; the total is within 0–100 when the weights add up to 100."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.evaluation.scoring import NATIONAL_DEFAULT, FundRow, IndicatorRow, SelfEvalSheet, evaluate
from jixiao.evaluation.scoring.rules import exec_score, q2, score_qualitative, score_quant
from jixiao.indicators.valueparse import Op

ZERO = Decimal(0)
amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
values = st.decimals(min_value=-1000, max_value=10**7, places=4, allow_nan=False, allow_infinity=False)
targets = st.decimals(min_value=0, max_value=10**7, places=4, allow_nan=False, allow_infinity=False)
weights = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
ops = st.sampled_from([Op.GE, Op.GT, Op.EQ, Op.LE, Op.LT])


@given(op=ops, t=targets, a=values, w=weights)
def test_quantitative_row_within_weight(op: Op, t: Decimal, a: Decimal, w: Decimal) -> None:
    score = score_quant(op, t, a, w)
    assert score.value is not None
    assert ZERO <= score.value <= q2(w)


@given(level=st.sampled_from(["ACHIEVED", "PARTIAL", "NOT_ACHIEVED"]), w=weights)
def test_qualitative_row_within_weight(level: str, w: Decimal) -> None:
    score = score_qualitative(level, w, NATIONAL_DEFAULT)
    assert score.value is not None and ZERO <= score.value <= q2(w)


@given(budget=amounts, executed=amounts, w=weights)
def test_exec_score_within_weight(budget: Decimal, executed: Decimal, w: Decimal) -> None:
    result = exec_score(budget, executed, NATIONAL_DEFAULT, w)
    assert result.score.value is not None and ZERO <= result.score.value <= q2(w)


def _split(points: Decimal, shares: list[int]) -> list[Decimal]:
    """Points spread over rows by integer shares, to the cent, the remainder on the last row (adds up exactly)."""
    total = sum(shares)
    parts = [q2(points * share / total) for share in shares[:-1]]
    return [*parts, points - sum(parts, ZERO)]


row_kind = st.tuples(st.sampled_from(["≥", "≤", "="]), targets.filter(lambda t: t > 0), values)
group_rows = st.lists(st.tuples(st.integers(min_value=1, max_value=9), row_kind), min_size=1, max_size=4)


@settings(max_examples=150, deadline=None)
@given(
    output=group_rows,
    benefit=group_rows,
    satisfaction=group_rows,
    budget=amounts,
    executed=amounts,
    qualitative=st.sampled_from(["ACHIEVED", "PARTIAL", "NOT_ACHIEVED"]),
)
def test_total_within_0_100_when_weights_sum_to_100(
    output: list, benefit: list, satisfaction: list, budget: Decimal, executed: Decimal, qualitative: str
) -> None:
    rows: list[IndicatorRow] = []
    for lv1, points, spec in (
        ("产出指标", Decimal(50), output),
        ("效益指标", Decimal(30), benefit),
        ("满意度指标", Decimal(10), satisfaction),
    ):
        for weight, (op, t, a) in zip(_split(points, [s for s, _ in spec]), [k for _, k in spec], strict=True):
            rows.append(
                IndicatorRow(
                    row=len(rows) + 1,
                    lv1=lv1,
                    lv2="",
                    name=f"指标{len(rows) + 1}",
                    target_text=f"{op}{t}个",
                    actual_text=f"{a}个",
                    weight=weight,
                    claimed=None,
                )
            )
    # One qualitative row in 效益 (its points taken from the group's first row).
    rows[len(output)] = IndicatorRow(
        row=len(output) + 1,
        lv1="效益指标",
        lv2="",
        name="定性指标",
        target_text="明显改善",
        actual_text="明显改善",
        weight=rows[len(output)].weight,
        claimed=None,
        level_claimed=qualitative,
    )
    assert sum((r.weight or ZERO for r in rows), ZERO) + NATIONAL_DEFAULT.exec_weight == 100
    sheet = SelfEvalSheet(
        fiscal_year=2026, funds={"TOTAL": FundRow(initial_yuan=budget, annual_yuan=budget, executed_yuan=executed)}
    )
    sheet.rows = rows
    result = evaluate(sheet)
    assert ZERO <= result.total_computed <= Decimal(100)
    for row in result.indicators:
        if row.computed.value is not None:
            assert ZERO <= row.computed.value <= (row.source.weight or ZERO)
    assert result.grade_computed in ("优", "良", "中", "差")
