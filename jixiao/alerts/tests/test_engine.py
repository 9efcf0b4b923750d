"""The pure engine on its boundaries (DOMAIN.md §5.1, §5.3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jixiao.alerts import engine
from jixiao.alerts.models import WarningRule
from jixiao.alerts.sweep import EVALUATORS, RECORD_METRICS, Context, Row, _pct

STANDARD = [
    {"color": "RED", "op": "<", "value": 60},
    {"color": "YELLOW", "op": "<", "value": 80},
    {"color": "GREEN", "op": ">=", "value": 80},
]
D = Decimal


@pytest.mark.parametrize(
    ("value", "color"),
    [
        (D("59.9999"), "RED"),
        (D(60), "YELLOW"),
        (D("79.99"), "YELLOW"),
        (D(80), "GREEN"),
        (D(250), "GREEN"),
        (D(-10), "RED"),
        (None, None),
    ],
)
def test_band_standard_boundaries(value: Decimal | None, color: str | None) -> None:
    assert engine.band(value, STANDARD) == color


def test_band_text_and_no_match() -> None:
    bands = [{"color": "RED", "op": "==", "value": "完全不可能"}, {"color": "GREEN", "op": "==", "value": "确定能"}]
    assert engine.band("完全不可能", bands) == "RED"
    assert engine.band("确定能", bands) == "GREEN"
    assert engine.band("有可能", bands) is None
    assert engine.band("x", []) is None


def test_exec_ratio_exactly_60_and_80_through_the_metrics() -> None:
    # June: time progress 50%; 30% executed → ratio 60 (YELLOW); 40% → 80 (GREEN).
    progress = engine.time_progress(date(2026, 6, 15), 2026)
    assert progress == D(50)
    ratio = engine.exec_ratio(engine.exec_rate_to_date(D("300000"), D("1000000")), progress)
    assert ratio == D(60)
    assert engine.band(ratio, STANDARD) == "YELLOW"
    ratio = engine.exec_ratio(engine.exec_rate_to_date(D("400000"), D("1000000")), progress)
    assert ratio == D(80)
    assert engine.band(ratio, STANDARD) == "GREEN"


def test_zero_budget_gives_zero_rate() -> None:
    assert engine.exec_rate_to_date(D(100), D(0)) == 0
    assert engine.band(engine.exec_ratio(D(0), D(50)), STANDARD) == "RED"


def test_zero_time_progress_is_undefined() -> None:
    assert engine.time_progress(date(2025, 12, 31), 2026) == 0
    assert engine.exec_ratio(D(10), D(0)) is None


def test_negative_net_payments_are_red() -> None:
    rate = engine.exec_rate_to_date(D("-5000"), D("100000"))
    assert rate == D(-5)
    assert engine.band(engine.exec_ratio(rate, D(50)), STANDARD) == "RED"


def test_time_progress_modes() -> None:
    assert engine.time_progress(date(2026, 8, 1), 2026) == D(8) * 100 / 12
    assert engine.time_progress(date(2027, 1, 5), 2026) == 100
    assert engine.time_progress(date(2026, 1, 1), 2026, "DAY") == D(100) / 365
    assert engine.time_progress(date(2024, 12, 31), 2024, "DAY") == 100


@pytest.mark.parametrize(
    ("as_of", "required"),
    [
        (date(2026, 4, 29), None),
        (date(2026, 4, 30), D(25)),
        (date(2026, 6, 30), D(40)),
        (date(2026, 8, 31), D(60)),
        (date(2026, 9, 30), D(60)),
        (date(2026, 10, 31), D(80)),
        (date(2026, 12, 31), D(80)),
    ],
)
def test_checkpoint_thresholds(as_of: date, required: Decimal | None) -> None:
    checkpoints = {"4": 25, "6": 40, "8": 60, "10": 80}
    assert engine.checkpoint_threshold(as_of, 2026, checkpoints) == required


def test_checkpoint_gap_boundary() -> None:
    bands = [{"color": "RED", "op": "<", "value": 0}, {"color": "GREEN", "op": ">=", "value": 0}]
    assert engine.band(engine.exec_checkpoint(D(60), D(60)), bands) == "GREEN"
    assert engine.band(engine.exec_checkpoint(D("59.99"), D(60)), bands) == "RED"
    assert engine.exec_checkpoint(D(10), None) is None


def test_indicator_progress_and_goal() -> None:
    assert engine.indicator_progress(D(50), D(100)) == D("0.5")
    assert engine.indicator_progress(D(150), D(100)) == 1
    assert engine.indicator_progress(D(0), D(5), reverse=True) == 1
    assert engine.indicator_progress(D(10), D(5), reverse=True) == D("0.5")
    assert engine.indicator_progress(D(1), D(0)) is None
    assert engine.indicator_progress_gap(D("0.5")) == D("0.5")
    assert engine.goal_progress([(D("0.5"), D(1)), (D(1), D(1)), (None, D(5))]) == D("0.75")
    assert engine.goal_progress([(None, D(1))]) is None
    assert engine.goal_gap(D(75), D(60)) == D(15)
    assert engine.goal_gap(None, D(60)) is None


def test_forecast_carryover_zero_target() -> None:
    assert engine.forecast_deviation(D(100), D(80)) == D("0.2")
    assert engine.forecast_deviation(D(100), D(120), reverse=True) == D("0.2")
    assert engine.forecast_deviation(D(0), D(1)) is None
    assert engine.carryover_share(D(100), D(70)) == D("0.3")
    assert engine.carryover_share(D(0), D(70)) is None
    assert engine.carryover_share(D(100), None) is None
    assert engine.zero_target(D(0), D(0)) == 0
    assert engine.zero_target(D(5), D(0)) is None


def test_labels_and_worst() -> None:
    assert engine.likelihood("impossible") == "完全不可能"
    assert engine.likelihood("") is None
    assert engine.qualitative_level("partial") == "部分达成年度指标并具有一定效果"
    assert engine.worst(["GREEN", None, "YELLOW"]) == "YELLOW"
    assert engine.worst(["RED", "GREEN"]) == "RED"
    assert engine.worst([]) == ""


def test_validate_bands() -> None:
    assert engine.validate_bands(STANDARD) == []
    assert engine.validate_bands([]) == ["分档应为非空列表"]
    assert engine.validate_bands([{"color": "BLUE", "op": "~", "value": "x"}]) == [
        "第1档颜色应为 RED、YELLOW 或 GREEN",
        "第1档比较符应为 < <= > >= == != 之一",
        "第1档文字阈值只能用 == 或 !=",
    ]
    assert engine.validate_bands([{"color": "RED", "op": "<", "value": "abc"}]) == ["第1档文字阈值只能用 == 或 !="]
    # Bounds beyond a warning value's column (a service called without the form) are refused, never expanded.
    huge = [{"color": "RED", "op": "<", "value": 10**5000}, {"color": "RED", "op": "<", "value": float("inf")}]
    assert engine.validate_bands(huge) == [f"第{i}档阈值超出范围，绝对值不能超过9999999999.9999" for i in (1, 2)]
    assert engine.validate_bands([{"color": "RED", "op": "<", "value": -9999999999.9999}]) == []


def test_stored_values_are_clamped_to_the_column() -> None:
    assert engine.q4(Decimal("1e15")) == Decimal("9999999999.9999")
    assert engine.q4(Decimal("-1e15")) == Decimal("-9999999999.9999")
    assert engine.q4(Decimal("60.00004")) == Decimal("60.0000")


BANDS_OF_EVERY_KIND = [
    STANDARD,
    [{"color": "RED", "op": "==", "value": "完全不可能"}, {"color": "GREEN", "op": "!=", "value": "完全不可能"}],
    [{"color": "RED", "op": ">", "value": 0.3}, {"color": "YELLOW", "op": ">=", "value": "0.1"}],
    [{"color": "GREEN", "op": "==", "value": 100}, {"color": "RED", "op": "!=", "value": 100}],
    [{"color": "YELLOW", "op": "<=", "value": -5.5}],
]


@given(
    st.one_of(
        st.none(),
        st.decimals(min_value=-1000, max_value=1000, places=4),
        st.integers(min_value=-200, max_value=200),
        st.floats(min_value=-500, max_value=500, allow_nan=False),
        st.sampled_from(["完全不可能", "确定能", "0.1", ""]),
    ),
    st.sampled_from(BANDS_OF_EVERY_KIND),
)
def test_compiled_bands_band_exactly_like_the_bands(value: object, bands: list[dict[str, object]]) -> None:
    """The sweep bands with bounds compiled once per rule; the colour must be `band`'s for any value."""
    assert engine.band_compiled(value, engine.compile_bands(bands)) == engine.band(value, bands)


def test_compiled_bands_at_the_boundaries() -> None:
    compiled = engine.compile_bands(STANDARD)
    for value in (D("59.9999"), D(60), D("79.99"), D(80), D(250), D(-10), None, 60, 80.0):
        assert engine.band_compiled(value, compiled) == engine.band(value, STANDARD)
    with pytest.raises(ValueError, match="unknown operator"):
        engine.compile_bands([{"color": "RED", "op": "=>", "value": 1}])


@given(
    st.decimals(allow_nan=False, allow_infinity=False, min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=8)
    | st.sampled_from([Decimal("0.00005"), Decimal("-0.00005"), Decimal("0.0050"), Decimal("9999999999.99995")])
)
def test_the_sweeps_percentage_text_is_q4_then_two_places(value: Decimal) -> None:
    assert _pct(value) == f"{engine.q4(value).quantize(Decimal('0.01'))}%"


def test_the_record_metrics_say_nothing_without_a_monitoring_record() -> None:
    """The sweep skips RECORD_METRICS for projects without a record: each must indeed give no value then."""
    row = Row(project_id=1, budget=Decimal(100), executed=Decimal(30), indicators=[])
    ctx = Context(date(2026, 8, 31), 2026, Decimal("66.67"))
    rule = WarningRule(metric="", bands=[{"op": ">=", "value": 0, "color": "GREEN"}], params={})
    for metric in RECORD_METRICS:
        assert EVALUATORS[metric](rule, row, ctx)[0] is None, metric
    assert set(EVALUATORS) > RECORD_METRICS and "exec_ratio" not in RECORD_METRICS
