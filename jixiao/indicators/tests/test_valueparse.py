"""Table-driven tests of the free-text target/actual parser (DOMAIN.md §4.2). No database."""

from __future__ import annotations

import ast
import dataclasses
import datetime
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from jixiao.indicators.valueparse import (
    SEVERITY,
    FlagCode,
    Hint,
    Kind,
    LevelHint,
    Op,
    ParsedValue,
    Severity,
    align,
    canonical_unit,
    classify,
    describe,
    format_number,
    normalize,
    parse_op,
    parse_value,
    suggest_level,
)
from jixiao.indicators.valueparse.numerals import chinese_to_int

FY = 2026
D = Decimal


def parse(text: str, **kwargs: object) -> ParsedValue:
    return parse_value(text, fiscal_year=FY, **kwargs)  # type: ignore[arg-type]


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


# ---------------------------------------------------------------------------------------------------------------
# Normalisation (§4.2 steps 1–5, in order)
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # 1. NFKC: full-width digits and signs become half-width.
        ("≥９５％", "≥95%"),
        ("＞３", ">3"),
        ("＜３", "<3"),
        ("＝０", "=0"),
        ("１．５", "1.5"),
        ("９０％～９５％", "90%~95%"),
        ("３（含）以上", "3(含)以上"),
        ("１００㎡", "100m2"),
        ("５０m²", "50m2"),
        # 2. Strip and remove internal whitespace of every kind.
        ("  ≥ 95 %  ", "≥95%"),
        ("9 月 前", "9月前"),
        ("≥\u300095%", "≥95%"),
        ("≥\t95\n%", "≥95%"),
        ("\ufeff≥95%\u200b", "≥95%"),
        # 3. Operator spellings.
        ("≧95%", "≥95%"),
        ("≦5", "≤5"),
        (">=95", "≥95"),
        ("=>95", "≥95"),
        ("<=5", "≤5"),
        ("=<5", "≤5"),
        ("＞＝95", "≥95"),
        ("> = 95", "≥95"),
        ("⩾95", "≥95"),
        ("⩽5", "≤5"),
        # 4. Thousands separators only between digit groups of three.
        ("1,200人", "1200人"),
        ("1,200,000元", "1200000元"),
        ("1，200人", "1200人"),
        ("1, 200", "1200"),
        ("1,200.5", "1200.5"),
        ("1,2345", "1,2345"),
        ("1,20", "1,20"),
        ("a,123", "a,123"),
        # 5. One trailing 。 is removed.
        ("达标。", "达标"),
        ("达标｡", "达标"),
        ("达标。。", "达标。"),
        ("。达标", "。达标"),
        ("", ""),
    ],
)
def test_normalisation_follows_the_five_steps_in_order(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_the_parser_keeps_the_normalised_text_for_comparing_target_versions() -> None:
    assert parse(" ≥ ９５ ％。").normalized == "≥95%"


def test_full_width_input_parses_like_half_width() -> None:
    assert parse("≥９５％") == parse("≥95%")


def test_thousands_separators_do_not_break_the_number() -> None:
    parsed = parse("1,200人")
    assert (parsed.kind, parsed.num, parsed.unit_canon, parsed.base_value) == (Kind.NUM, D(1200), "人", D(1200))


# ---------------------------------------------------------------------------------------------------------------
# Required examples (§4.2 test vectors)
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "op", "num", "unit_raw", "unit_canon", "base_value"),
    [
        ("≥95%", Kind.NUM, Op.GE, "95", "%", "%", "95"),
        ("≤5万元", Kind.NUM, Op.LE, "5", "万元", "元", "50000"),
        ("100%", Kind.NUM, Op.EQ, "100", "%", "%", "100"),
        ("≥3个", Kind.NUM, Op.GE, "3", "个", "个", "3"),
        ("1.2亿元", Kind.NUM, Op.EQ, "1.2", "亿元", "元", "120000000"),
        ("不低于90%", Kind.NUM, Op.GE, "90", "%", "%", "90"),
        ("500万元以内", Kind.NUM, Op.LE, "500", "万元", "元", "5000000"),
        ("三个", Kind.NUM, Op.EQ, "3", "个", "个", "3"),
        ("=0", Kind.NUM, Op.EQ, "0", None, None, "0"),
        ("0起", Kind.NUM, Op.EQ, "0", "起", "起", "0"),
    ],
)
def test_required_numeric_examples_parse_as_documented(
    text: str, kind: Kind, op: Op, num: str, unit_raw: str | None, unit_canon: str | None, base_value: str
) -> None:
    parsed = parse(text)
    assert (parsed.kind, parsed.op, parsed.num) == (kind, op, D(num))
    assert (parsed.unit_raw, parsed.unit_canon, parsed.base_value) == (unit_raw, unit_canon, D(base_value))
    assert parsed.flags == ()


@pytest.mark.parametrize(
    ("text", "inclusive", "deadline"),
    [
        ("9月前", False, f"{FY}-08-31"),
        ("9月前", True, f"{FY}-09-30"),
        ("12月底前", False, f"{FY}-12-31"),
        ("2024年6月30日前", False, "2024-06-30"),
        ("第三季度末", False, f"{FY}-09-30"),
    ],
)
def test_required_time_examples_parse_as_documented(text: str, inclusive: bool, deadline: str) -> None:
    parsed = parse(text, month_before_inclusive=inclusive)
    assert (parsed.kind, parsed.op, parsed.num, parsed.unit_raw) == (Kind.TIME, Op.LE, None, None)
    assert parsed.deadline == day(deadline)


@pytest.mark.parametrize(("text", "hint"), [("显著提升", Hint.IMPROVE), ("达标", Hint.PASS)])
def test_required_qualitative_examples_parse_as_documented(text: str, hint: Hint) -> None:
    parsed = parse(text)
    assert (parsed.kind, parsed.op, parsed.hint, parsed.num) == (Kind.QUAL, Op.QUAL, hint, None)


def test_required_range_example_parses_as_documented() -> None:
    parsed = parse("90%-95%")
    assert (parsed.kind, parsed.op, parsed.lo, parsed.hi, parsed.unit_canon) == (Kind.RANGE, None, 90, 95, "%")
    assert parsed.num is None and parsed.base_value is None


# ---------------------------------------------------------------------------------------------------------------
# Operator vocabularies (OPW prefixes, SUF suffixes)
# ---------------------------------------------------------------------------------------------------------------

PREFIX_WORDS = [
    ("≥", Op.GE),
    ("≤", Op.LE),
    (">", Op.GT),
    ("<", Op.LT),
    ("=", Op.EQ),
    ("不低于", Op.GE),
    ("不少于", Op.GE),
    ("不小于", Op.GE),
    ("至少", Op.GE),
    ("达到", Op.GE),
    ("不高于", Op.LE),
    ("不超过", Op.LE),
    ("不多于", Op.LE),
    ("不大于", Op.LE),
    ("大于", Op.GT),
    ("高于", Op.GT),
    ("超过", Op.GT),
    ("多于", Op.GT),
    ("小于", Op.LT),
    ("低于", Op.LT),
    ("少于", Op.LT),
    ("等于", Op.EQ),
]
SUFFIX_WORDS = [
    ("及以上", Op.GE),
    ("以上", Op.GE),
    ("及以下", Op.LE),
    ("以下", Op.LE),
    ("以内", Op.LE),
    ("之内", Op.LE),
]


@pytest.mark.parametrize(("word", "op"), PREFIX_WORDS)
def test_every_prefix_operator_word_gives_its_operator(word: str, op: Op) -> None:
    parsed = parse(f"{word}95%")
    assert (parsed.kind, parsed.op, parsed.text_op, parsed.num, parsed.unit_canon) == (Kind.NUM, op, op, 95, "%")
    assert parsed.flags == ()


@pytest.mark.parametrize(("word", "op"), PREFIX_WORDS)
def test_every_prefix_operator_word_also_works_with_a_chinese_numeral(word: str, op: Op) -> None:
    parsed = parse(f"{word}三个")
    assert (parsed.kind, parsed.op, parsed.num, parsed.pattern) == (Kind.NUM, op, 3, "P9")


@pytest.mark.parametrize(("word", "op"), SUFFIX_WORDS)
@pytest.mark.parametrize(("number", "unit"), [("3", "个"), ("3", None), ("500", "万元")])
def test_every_suffix_operator_word_gives_its_operator(word: str, op: Op, number: str, unit: str | None) -> None:
    parsed = parse(f"{number}{unit or ''}{word}")
    assert (parsed.kind, parsed.op, parsed.num, parsed.unit_raw) == (Kind.NUM, op, D(number), unit)
    assert parsed.flags == ()


@pytest.mark.parametrize(("word", "op"), SUFFIX_WORDS)
def test_a_suffix_may_be_followed_by_wancheng(word: str, op: Op) -> None:
    assert parse(f"95%{word}完成").op == op


def test_a_number_without_operator_words_defaults_to_eq() -> None:
    parsed = parse("95%")
    assert (parsed.op, parsed.text_op) == (Op.EQ, None)


def test_prefix_and_suffix_that_agree_raise_no_flag() -> None:
    parsed = parse("≥3个以上")
    assert (parsed.op, parsed.flags) == (Op.GE, ())


@pytest.mark.parametrize(("text", "op"), [("≤5个以上", Op.LE), ("不低于90%以下", Op.GE), (">3个以内", Op.GT)])
def test_prefix_and_suffix_that_disagree_use_the_prefix_and_raise_p_op_conflict(text: str, op: Op) -> None:
    parsed = parse(text)
    assert parsed.op == op
    assert parsed.flag_codes == (FlagCode.P_OP_CONFLICT,)
    assert parsed.flags[0].severity == Severity.WARN


# ---------------------------------------------------------------------------------------------------------------
# Units: every row of the §4.2 table, with factor and dimension
# ---------------------------------------------------------------------------------------------------------------

COUNT_UNITS = "个项次所座家处台套件份批条场期篇册辆头株棵盏间宗笔张本类"
UNIT_ROWS = [
    ("亿元", "元", "100000000", "MONEY"),
    ("万元", "元", "10000", "MONEY"),
    ("千元", "元", "1000", "MONEY"),
    ("元", "元", "1", "MONEY"),
    ("%", "%", "1", "PERCENT"),
    ("‰", "%", "0.1", "PERCENT"),
    ("百分点", "%", "1", "PERCENT"),
    ("个百分点", "%", "1", "PERCENT"),
    ("万人次", "人次", "10000", "COUNT:人次"),
    ("人次", "人次", "1", "COUNT:人次"),
    ("万人", "人", "10000", "COUNT:人"),
    ("人", "人", "1", "COUNT:人"),
    ("名", "人", "1", "COUNT:人"),
    ("位", "人", "1", "COUNT:人"),
    ("万户", "户", "10000", "COUNT:户"),
    ("户", "户", "1", "COUNT:户"),
    ("万亩", "亩", "10000", "AREA:亩"),
    ("亩", "亩", "1", "AREA:亩"),
    ("万平方米", "平方米", "10000", "AREA:m2"),
    ("平方米", "平方米", "1", "AREA:m2"),
    ("㎡", "平方米", "1", "AREA:m2"),
    ("m2", "平方米", "1", "AREA:m2"),
    ("m²", "平方米", "1", "AREA:m2"),
    ("公里", "公里", "1", "LENGTH"),
    ("千米", "公里", "1", "LENGTH"),
    ("km", "公里", "1", "LENGTH"),
    ("米", "公里", "0.001", "LENGTH"),
    ("m", "公里", "0.001", "LENGTH"),
    ("万吨", "吨", "10000", "MASS"),
    ("吨", "吨", "1", "MASS"),
    ("千克", "吨", "0.001", "MASS"),
    ("kg", "吨", "0.001", "MASS"),
    ("个月", "个月", "1", "DURATION:个月"),
    ("天", "天", "1", "DURATION:天"),
    ("日", "日", "1", "DURATION:日"),
    ("小时", "小时", "1", "DURATION:小时"),
    ("分", "分", "1", "POINTS"),
    *((u, u, "1", f"COUNT:{u}") for u in COUNT_UNITS),
    *((f"万{u}", u, "10000", f"COUNT:{u}") for u in COUNT_UNITS),
]


@pytest.mark.parametrize(("unit", "canon", "factor", "dimension"), UNIT_ROWS)
def test_canonical_unit_knows_every_row_of_the_unit_table(unit: str, canon: str, factor: str, dimension: str) -> None:
    assert canonical_unit(unit) == (canon, D(factor), dimension)


@pytest.mark.parametrize(("unit", "canon", "factor", "dimension"), UNIT_ROWS)
def test_a_number_with_each_unit_converts_to_the_canonical_unit(
    unit: str, canon: str, factor: str, dimension: str
) -> None:
    parsed = parse(f"≥2.5{unit}")
    assert (parsed.kind, parsed.op, parsed.num) == (Kind.NUM, Op.GE, D("2.5"))
    assert (parsed.unit_canon, parsed.dimension, parsed.factor) == (canon, dimension, D(factor))
    assert parsed.base_value == D("2.5") * D(factor)


@pytest.mark.parametrize(
    ("text", "unit_raw", "base_value"),
    [
        ("≤5万元", "万元", "50000"),
        ("5千元", "千元", "5000"),
        ("3万人次", "万人次", "30000"),
        ("1.5万人", "万人", "15000"),
        ("2万户", "万户", "20000"),
        ("10万亩", "万亩", "100000"),
        ("1.2万平方米", "万平方米", "12000"),
        ("500米", "米", "0.5"),
        ("2万吨", "万吨", "20000"),
        ("500千克", "千克", "0.5"),
        ("5‰", "‰", "0.5"),
        ("3万个", "万个", "30000"),
        ("1.5万册", "万册", "15000"),
    ],
)
def test_unit_prefixes_and_factors_give_the_base_value(text: str, unit_raw: str, base_value: str) -> None:
    parsed = parse(text)
    assert (parsed.unit_raw, parsed.base_value) == (unit_raw, D(base_value))


@pytest.mark.parametrize(
    ("text", "unit_raw"),
    [("3个月", "个月"), ("2万人次", "万人次"), ("5人次", "人次"), ("100m2", "m2"), ("5km", "km"), ("3kg", "kg")],
)
def test_the_longest_unit_wins(text: str, unit_raw: str) -> None:
    assert parse(text).unit_raw == unit_raw


@pytest.mark.parametrize(("unit", "normalised"), [("％", "%"), (" 万元 ", "万元"), ("㎏", "kg"), ("㎞", "km")])
def test_canonical_unit_normalises_its_input(unit: str, normalised: str) -> None:
    assert canonical_unit(unit) == canonical_unit(normalised) is not None


@pytest.mark.parametrize("unit", ["栋", "起", "万", "年", "KG", "", "元/人"])
def test_canonical_unit_returns_none_outside_the_table(unit: str) -> None:
    assert canonical_unit(unit) is None


@pytest.mark.parametrize(("text", "unit"), [("0起", "起"), ("5栋", "栋"), ("≥5年以上", "年"), ("5万", "万")])
def test_a_unit_outside_the_table_is_kept_with_an_other_dimension(text: str, unit: str) -> None:
    parsed = parse(text)
    assert (parsed.kind, parsed.unit_raw, parsed.unit_canon, parsed.dimension) == (
        Kind.NUM,
        unit,
        unit,
        f"OTHER:{unit}",
    )
    assert parsed.factor == 1 and parsed.base_value == parsed.num


def test_a_number_without_unit_has_no_dimension() -> None:
    parsed = parse("95")
    assert (parsed.unit_raw, parsed.unit_canon, parsed.dimension, parsed.factor, parsed.base_value) == (
        None,
        None,
        None,
        None,
        D(95),
    )


@pytest.mark.parametrize("text", ["≥2百分点", "≤2个百分点", "1-2个百分点"])
def test_percentage_points_count_as_percent_with_an_info_flag(text: str) -> None:
    parsed = parse(text)
    assert (parsed.unit_canon, parsed.dimension) == ("%", "PERCENT")
    assert parsed.flag_codes == (FlagCode.P_PERCENTAGE_POINTS,)
    assert parsed.flags[0].severity == Severity.INFO


def test_durations_are_not_converted_into_each_other() -> None:
    assert parse("30天").dimension != parse("1个月").dimension != parse("24小时").dimension


# ---------------------------------------------------------------------------------------------------------------
# Pattern rows P0–P10: each with matching examples and near misses
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "—", "——", "-", "－", "/", "／", "无", "不适用", "无。", " 不 适 用 "])
def test_p0_empty_markers_are_empty(text: str) -> None:
    parsed = parse(text)
    assert (parsed.kind, parsed.op, parsed.num, parsed.pattern, parsed.flags) == (Kind.EMPTY, None, None, "P0", ())


@pytest.mark.parametrize(
    ("text", "kind"), [("---", Kind.UNPARSED), ("//", Kind.UNPARSED), ("无效", Kind.QUAL), ("不适用于", Kind.QUAL)]
)
def test_p0_near_misses_are_not_empty(text: str, kind: Kind) -> None:
    assert parse(text).kind == kind


@pytest.mark.parametrize(
    ("text", "lo", "hi", "unit_raw"),
    [
        ("90%-95%", "90", "95", "%"),
        ("90-95%", "90", "95", "%"),
        ("90%-95", "90", "95", "%"),
        ("90～95%", "90", "95", "%"),
        ("3至5个", "3", "5", "个"),
        ("3到5个", "3", "5", "个"),
        ("5-5个", "5", "5", "个"),
        ("1.5-2.5万元", "15000", "25000", "万元"),
        ("5000元-1万元", "5000", "10000", "万元"),
        ("3-5", "3", "5", None),
    ],
)
def test_p1_ranges_give_lo_and_hi_in_the_canonical_unit(text: str, lo: str, hi: str, unit_raw: str | None) -> None:
    parsed = parse(text)
    assert (parsed.kind, parsed.pattern, parsed.op) == (Kind.RANGE, "P1", None)
    assert (parsed.lo, parsed.hi, parsed.unit_raw) == (D(lo), D(hi), unit_raw)


@pytest.mark.parametrize("text", ["95%-90%", "10万元-5万元", "5-3个", "1万元-5000元"])
def test_p1_ranges_with_lo_above_hi_fall_through_and_are_flagged_unparsed(text: str) -> None:
    parsed = parse(text)
    assert (parsed.kind, parsed.lo, parsed.hi, parsed.num) == (Kind.UNPARSED, None, None, None)
    assert parsed.flag_codes == (FlagCode.P_UNPARSED,)


@pytest.mark.parametrize("text", ["90%-95个", "3-5栋", "3年至5年"])
def test_p1_near_misses_with_mixed_or_unknown_units_are_flagged_unparsed(text: str) -> None:
    parsed = parse(text)
    assert (parsed.kind, parsed.flag_codes) == (Kind.UNPARSED, (FlagCode.P_UNPARSED,))


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("2024年6月30日前", "2024-06-30"),
        ("2024年6月30日", "2024-06-30"),
        ("2024-06-30", "2024-06-30"),
        ("2024.6.30", "2024-06-30"),
        ("2024/6/30完成", "2024-06-30"),
        ("2024年6月30日之前完成", "2024-06-30"),
        ("2024年6月30以前", "2024-06-30"),
        ("2024-02-29", "2024-02-29"),
        ("6月30日前", f"{FY}-06-30"),
        ("6月30日", f"{FY}-06-30"),
        ("12月31日前完成", f"{FY}-12-31"),
    ],
)
def test_p2_dates_are_deadlines_and_a_missing_year_is_the_fiscal_year(text: str, deadline: str) -> None:
    parsed = parse(text)
    assert (parsed.kind, parsed.op, parsed.pattern, parsed.deadline) == (Kind.TIME, Op.LE, "P2", day(deadline))
    assert parsed.flags == ()


@pytest.mark.parametrize("text", ["2024-02-30", "2025-02-29", "2024年13月1日", "6月31日前", "2024-00-10"])
def test_p2_dates_that_do_not_exist_are_flagged_unparsed(text: str) -> None:
    parsed = parse(text)
    assert (parsed.kind, parsed.deadline, parsed.flag_codes) == (Kind.UNPARSED, None, (FlagCode.P_UNPARSED,))


@pytest.mark.parametrize(("text", "kind"), [("24-06-30", Kind.UNPARSED), ("2024年6月30号", Kind.QUAL)])
def test_p2_near_misses_are_not_dates(text: str, kind: Kind) -> None:
    assert parse(text).kind == kind


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("12月底前", f"{FY}-12-31"),
        ("12月底", f"{FY}-12-31"),
        ("12月末", f"{FY}-12-31"),
        ("12月底前完成", f"{FY}-12-31"),
        ("6月末之前", f"{FY}-06-30"),
        ("11月底以前", f"{FY}-11-30"),
        ("2025年6月底前完成", "2025-06-30"),
        ("2024年2月底", "2024-02-29"),
        ("2月底", f"{FY}-02-28"),
    ],
)
def test_p3_month_end_is_the_last_day_of_that_month(text: str, deadline: str) -> None:
    parsed = parse(text)
    assert (parsed.kind, parsed.op, parsed.pattern, parsed.deadline, parsed.flags) == (
        Kind.TIME,
        Op.LE,
        "P3",
        day(deadline),
        (),
    )


@pytest.mark.parametrize(
    ("text", "kind"), [("13月底", Kind.UNPARSED), ("0月底", Kind.UNPARSED), ("12月下旬", Kind.NUM), ("月底", Kind.QUAL)]
)
def test_p3_near_misses_are_not_month_ends(text: str, kind: Kind) -> None:
    parsed = parse(text)
    assert (parsed.kind, parsed.deadline) == (kind, None)


@pytest.mark.parametrize(
    ("text", "exclusive", "inclusive"),
    [
        ("9月前", f"{FY}-08-31", f"{FY}-09-30"),
        ("9月之前完成", f"{FY}-08-31", f"{FY}-09-30"),
        ("3月以前", f"{FY}-02-28", f"{FY}-03-31"),
        ("2024年3月前", "2024-02-29", "2024-03-31"),
        ("1月前", f"{FY - 1}-12-31", f"{FY}-01-31"),
        ("12月前", f"{FY}-11-30", f"{FY}-12-31"),
    ],
)
def test_p4_month_before_follows_the_setting_and_is_flagged_ambiguous(
    text: str, exclusive: str, inclusive: str
) -> None:
    default, literal = parse(text), parse(text, month_before_inclusive=False)
    assert default == literal
    assert (default.kind, default.op, default.pattern, default.deadline) == (Kind.TIME, Op.LE, "P4", day(exclusive))
    assert parse(text, month_before_inclusive=True).deadline == day(inclusive)
    for parsed in (default, parse(text, month_before_inclusive=True)):
        assert parsed.flag_codes == (FlagCode.P_MONTH_BEFORE_AMBIGUOUS,)
        assert parsed.flags[0].severity == Severity.INFO


@pytest.mark.parametrize(("text", "pattern"), [("9月底前", "P3"), ("9月", "P5")])
def test_p4_near_misses_are_other_month_patterns(text: str, pattern: str) -> None:
    parsed = parse(text)
    assert (parsed.pattern, parsed.deadline, parsed.flags) == (pattern, day(f"{FY}-09-30"), ())


def test_p4_with_an_impossible_month_is_flagged_unparsed() -> None:
    assert parse("13月前").flag_codes == (FlagCode.P_UNPARSED,)


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("9月", f"{FY}-09-30"),
        ("9月份", f"{FY}-09-30"),
        ("9月完成", f"{FY}-09-30"),
        ("9月份完成", f"{FY}-09-30"),
        ("≤9月", f"{FY}-09-30"),
        ("=9月", f"{FY}-09-30"),
        ("2025年9月", "2025-09-30"),
        ("2月", f"{FY}-02-28"),
        ("12月", f"{FY}-12-31"),
        ("1月", f"{FY}-01-31"),
    ],
)
def test_p5_a_month_is_the_last_day_of_that_month(text: str, deadline: str) -> None:
    parsed = parse(text)
    assert (parsed.kind, parsed.op, parsed.pattern, parsed.deadline, parsed.flags) == (
        Kind.TIME,
        Op.LE,
        "P5",
        day(deadline),
        (),
    )


def test_p5_with_a_less_than_sign_keeps_the_month_end_but_is_flagged_ambiguous() -> None:
    parsed = parse("<9月")
    assert (parsed.pattern, parsed.deadline) == ("P5", day(f"{FY}-09-30"))
    assert parsed.flag_codes == (FlagCode.P_MONTH_BEFORE_AMBIGUOUS,)


@pytest.mark.parametrize("text", ["13月", "0月", "24月"])
def test_p5_months_outside_1_to_12_are_flagged_unparsed_not_read_as_numbers(text: str) -> None:
    parsed = parse(text)
    assert (parsed.kind, parsed.num, parsed.flag_codes) == (Kind.UNPARSED, None, (FlagCode.P_UNPARSED,))


def test_p5_near_miss_with_a_greater_than_sign_is_a_number_of_an_unknown_unit() -> None:
    parsed = parse("≥9月")
    assert (parsed.kind, parsed.op, parsed.num, parsed.dimension) == (Kind.NUM, Op.GE, 9, "OTHER:月")


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("年底前", FY),
        ("年末前", FY),
        ("年底", FY),
        ("年末", FY),
        ("年内", FY),
        ("当年", FY),
        ("本年度内", FY),
        ("年度内", FY),
        ("年底前完成", FY),
        ("年内完成", FY),
        ("2025年", 2025),
        ("2025年底", 2025),
        ("2025年末前", 2025),
        ("2025年内完成", 2025),
        ("2025年前", 2025),
    ],
)
def test_p6_year_end_words_are_31_december(text: str, year: int) -> None:
    parsed = parse(text)
    assert (parsed.kind, parsed.op, parsed.pattern, parsed.deadline) == (
        Kind.TIME,
        Op.LE,
        "P6",
        datetime.date(year, 12, 31),
    )


@pytest.mark.parametrize(("text", "kind"), [("本年度", Kind.QUAL), ("25年底", Kind.NUM), ("年底前后", Kind.QUAL)])
def test_p6_near_misses_are_not_year_ends(text: str, kind: Kind) -> None:
    parsed = parse(text)
    assert (parsed.kind, parsed.deadline) == (kind, None)


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("上半年", f"{FY}-06-30"),
        ("上半年完成", f"{FY}-06-30"),
        ("下半年", f"{FY}-12-31"),
        ("第一季度", f"{FY}-03-31"),
        ("一季度末", f"{FY}-03-31"),
        ("第2季度底", f"{FY}-06-30"),
        ("第三季度内", f"{FY}-09-30"),
        ("第三季度末完成", f"{FY}-09-30"),
        ("四季度", f"{FY}-12-31"),
        ("第4季度", f"{FY}-12-31"),
        ("2025年上半年", "2025-06-30"),
        ("2025年第一季度末", "2025-03-31"),
    ],
)
def test_p7_halves_and_quarters_end_on_their_last_day(text: str, deadline: str) -> None:
    parsed = parse(text)
    assert (parsed.kind, parsed.op, parsed.pattern, parsed.deadline, parsed.flags) == (
        Kind.TIME,
        Op.LE,
        "P7",
        day(deadline),
        (),
    )


def test_p7_quarter_before_is_the_quarter_end_flagged_ambiguous() -> None:
    parsed = parse("第三季度前")
    assert (parsed.deadline, parsed.flag_codes) == (day(f"{FY}-09-30"), (FlagCode.P_MONTH_BEFORE_AMBIGUOUS,))


@pytest.mark.parametrize("text", ["第五季度", "前三季度", "季度末", "上半年度"])
def test_p7_near_misses_are_qualitative(text: str) -> None:
    assert parse(text).kind == Kind.QUAL


@pytest.mark.parametrize(
    ("text", "op", "num", "unit_raw"),
    [
        ("95", Op.EQ, "95", None),
        ("95.5%", Op.EQ, "95.5", "%"),
        ("-5%", Op.EQ, "-5", "%"),
        ("+5%", Op.EQ, "5", "%"),
        ("≥-5%", Op.GE, "-5", "%"),
        ("100%完成", Op.EQ, "100", "%"),
        ("3以上", Op.GE, "3", None),
        ("5完成", Op.EQ, "5", None),
        ("0起", Op.EQ, "0", "起"),
        ("5年以上", Op.GE, "5", "年"),
        ("3个乡镇", Op.EQ, "3", "个乡镇"),
        ("≥95%完成率", Op.GE, "95", "%完成率"),
        ("3项(含)以上", Op.GE, "3", "项(含)"),
    ],
)
def test_p8_numbers_take_an_operator_a_unit_or_free_tail_and_a_suffix(
    text: str, op: Op, num: str, unit_raw: str | None
) -> None:
    parsed = parse(text)
    assert (parsed.kind, parsed.pattern, parsed.op, parsed.num, parsed.unit_raw) == (
        Kind.NUM,
        "P8",
        op,
        D(num),
        unit_raw,
    )


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("100%完成年度任务", Kind.QUAL),
        ("较上年提高5%", Kind.QUAL),
        (".5", Kind.UNPARSED),
        ("1.2.3", Kind.UNPARSED),
        ("5%~", Kind.NUM),
        ("≥", Kind.UNPARSED),
        ("%", Kind.UNPARSED),
    ],
)
def test_p8_near_misses(text: str, kind: Kind) -> None:
    assert parse(text).kind == kind


def test_p8_a_number_with_too_many_digits_is_flagged_not_rounded() -> None:
    parsed = parse("1" * 29)
    assert (parsed.kind, parsed.num, parsed.flag_codes) == (Kind.UNPARSED, None, (FlagCode.P_UNPARSED,))
    assert parse("1" * 28).num == D("1" * 28)


@pytest.mark.parametrize(
    ("text", "op", "num", "unit_raw"),
    [
        ("三个", Op.EQ, 3, "个"),
        ("两项", Op.EQ, 2, "项"),
        ("不少于三个", Op.GE, 3, "个"),
        ("三个以上", Op.GE, 3, "个"),
        ("十五人", Op.EQ, 15, "人"),
        ("一百零五户", Op.EQ, 105, "户"),
        ("一万二千人", Op.EQ, 12000, "人"),
        ("十万元", Op.EQ, 100000, "元"),
        ("三千克", Op.EQ, 3, "千克"),
        ("一个月", Op.EQ, 1, "个月"),
        ("零", Op.EQ, 0, None),
        ("十", Op.EQ, 10, None),
        ("三", Op.EQ, 3, None),
    ],
)
def test_p9_chinese_numerals_are_converted(text: str, op: Op, num: int, unit_raw: str | None) -> None:
    parsed = parse(text)
    assert (parsed.kind, parsed.pattern, parsed.op, parsed.num, parsed.unit_raw) == (
        Kind.NUM,
        "P9",
        op,
        D(num),
        unit_raw,
    )


def test_p9_base_value_uses_the_unit_factor() -> None:
    assert parse("三千克").base_value == D("0.003")
    assert parse("五万元").base_value == D(50000)


@pytest.mark.parametrize("text", ["一般", "一定效果", "十分满意", "一次性", "三栋", "万", "一流", "百分之九十"])
def test_p9_near_misses_are_qualitative_not_numbers(text: str) -> None:
    parsed = parse(text)
    assert (parsed.kind, parsed.num, parsed.pattern) == (Kind.QUAL, None, "P10")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("零", 0),
        ("〇", 0),
        ("一", 1),
        ("两", 2),
        ("十", 10),
        ("十五", 15),
        ("二十", 20),
        ("三十五", 35),
        ("一百", 100),
        ("一百零五", 105),
        ("一百一十", 110),
        ("一百二", 120),
        ("二百五十", 250),
        ("一千二百", 1200),
        ("一千零一十", 1010),
        ("两千", 2000),
        ("三万", 30000),
        ("十万", 100000),
        ("一万二", 12000),
        ("一万二千", 12000),
        ("一万零五", 10005),
        ("一万零五百", 10500),
        ("二〇二四", 2024),
    ],
)
def test_chinese_numerals_convert_to_integers(text: str, value: int) -> None:
    assert chinese_to_int(text) == value


@pytest.mark.parametrize(
    "text", ["", "万", "百", "十十", "一二十", "五零十", "万万", "一万万", "一百十", "两两", "三x"]
)
def test_malformed_chinese_numerals_are_rejected(text: str) -> None:
    assert chinese_to_int(text) is None


# ---------------------------------------------------------------------------------------------------------------
# P10: qualitative text and its hints; UNPARSED
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("达标", Hint.PASS),
        ("合格", Hint.PASS),
        ("是", Hint.PASS),
        ("显著提升", Hint.IMPROVE),
        ("有所提高", Hint.IMPROVE),
        ("明显改善", Hint.IMPROVE),
        ("能力增强", Hint.IMPROVE),
        ("保持", Hint.MAINTAIN),
        ("稳定运行", Hint.MAINTAIN),
        ("及时", Hint.TIMELY),
        ("按时完成", Hint.TIMELY),
        ("按期", Hint.TIMELY),
        ("如期", Hint.TIMELY),
        ("群众满意", None),
    ],
)
def test_p10_qualitative_targets_get_a_hint(text: str, hint: Hint | None) -> None:
    parsed = parse(text)
    assert (parsed.kind, parsed.op, parsed.text_op, parsed.pattern, parsed.hint) == (
        Kind.QUAL,
        Op.QUAL,
        Op.QUAL,
        "P10",
        hint,
    )
    assert parsed.flags == ()


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("未完成", LevelHint.NEG),
        ("尚未开工", LevelHint.NEG),
        ("没有达到", LevelHint.NEG),
        ("未能实现", LevelHint.NEG),
        ("不达标", LevelHint.NEG),
        ("不合格", LevelHint.NEG),
        ("否", LevelHint.NEG),
        ("效果较差", LevelHint.NEG),
        ("满意度下降", LevelHint.NEG),
        ("部分完成", LevelHint.PARTIAL),
        ("基本达标", LevelHint.PARTIAL),
        ("大部分完成", LevelHint.PARTIAL),
        ("初步实现", LevelHint.PARTIAL),
        ("取得一定效果", LevelHint.PARTIAL),
        ("已完成", LevelHint.POS),
        ("达标", LevelHint.POS),
        ("合格", LevelHint.POS),
        ("达到预期", LevelHint.POS),
        ("实现目标", LevelHint.POS),
        ("是", LevelHint.POS),
        ("显著", LevelHint.POS),
        ("明显改善", LevelHint.POS),
        ("有效", LevelHint.POS),
        ("提升", LevelHint.POS),
        ("提高", LevelHint.POS),
        ("良好", LevelHint.POS),
        ("满意", LevelHint.POS),
        ("正在推进", None),
        ("人数减少", None),
    ],
)
def test_p10_actual_texts_get_a_level_hint_with_neg_checked_before_partial_before_pos(
    text: str, level: LevelHint | None
) -> None:
    assert parse(text).level_hint == level


def test_jianshao_is_negative_only_when_the_target_says_tisheng_or_zengjia() -> None:
    actual = parse("人数减少")
    assert suggest_level(actual) is None
    assert suggest_level(actual, parse("服务人数增加")) == LevelHint.NEG
    assert suggest_level(actual, parse("显著提升")) == LevelHint.NEG
    assert suggest_level(actual, parse("保持稳定")) is None


def test_suggest_level_is_none_for_non_qualitative_actuals() -> None:
    assert suggest_level(parse("95%")) is None


@pytest.mark.parametrize("text", ["abc", "N/A", "≥", "%", "???", "1.2.3", "95%-90%"])
def test_text_without_cjk_that_matches_no_pattern_is_unparsed_with_a_warning(text: str) -> None:
    parsed = parse(text)
    assert (parsed.kind, parsed.op, parsed.num, parsed.base_value, parsed.pattern) == (
        Kind.UNPARSED,
        None,
        None,
        None,
        None,
    )
    assert parsed.flag_codes == (FlagCode.P_UNPARSED,)
    assert parsed.flags[0].severity == Severity.WARN
    assert text in parsed.flags[0].message or parsed.normalized in parsed.flags[0].message


# ---------------------------------------------------------------------------------------------------------------
# The operator column (computesign) and the unit column (meterunit)
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "op"),
    [
        ("≥", Op.GE),
        (">=", Op.GE),
        ("≧", Op.GE),
        (">", Op.GT),
        ("＞", Op.GT),
        ("=", Op.EQ),
        ("≤", Op.LE),
        ("<", Op.LT),
        ("定性", Op.QUAL),
        ("GE", Op.GE),
        ("le", Op.LE),
        ("QUAL", Op.QUAL),
        (None, None),
        ("", None),
        ("  ", None),
    ],
)
def test_parse_op_reads_the_operator_column(value: str | None, op: Op | None) -> None:
    assert parse_op(value) == op


@pytest.mark.parametrize("value", ["abc", "定量", "≥≤"])
def test_parse_op_rejects_unknown_operator_column_values(value: str) -> None:
    with pytest.raises(ValueError, match="指标性质"):
        parse_op(value)


def test_an_unknown_declared_operator_is_rejected() -> None:
    with pytest.raises(ValueError):
        parse("≥95%", declared_op="大约")


@pytest.mark.parametrize(
    ("text", "declared", "op", "conflict"),
    [
        ("≥95%", "≥", Op.GE, False),
        ("≥95%", "GE", Op.GE, False),
        ("≥95%", "=", Op.EQ, True),
        ("≥95%", ">", Op.GT, True),
        ("≥95%", "定性", Op.QUAL, True),
        ("500万元以内", "≤", Op.LE, False),
        ("500万元以内", "≥", Op.GE, True),
        ("95%", "≥", Op.GE, False),
        ("95%", "≤", Op.LE, False),
        ("三个", "≥", Op.GE, False),
        ("90%-95%", "≥", Op.GE, False),
        ("9月前", "≤", Op.LE, False),
        ("9月前", "=", Op.EQ, True),
        ("显著提升", "定性", Op.QUAL, False),
        ("显著提升", "≥", Op.GE, True),
        ("≥95%", None, Op.GE, False),
        ("≥95%", "", Op.GE, False),
    ],
)
def test_the_declared_operator_wins_and_a_disagreement_raises_p_op_conflict(
    text: str, declared: str | None, op: Op, conflict: bool
) -> None:
    parsed = parse(text, declared_op=declared)
    assert parsed.op == op
    assert parsed.has_flag(FlagCode.P_OP_CONFLICT) is conflict
    assert parsed.text_op == parse(text).text_op


def test_a_declared_operator_conflict_is_a_warning_naming_both_operators() -> None:
    flag = parse("≥95%", declared_op="≤").flags[0]
    assert (flag.code, flag.severity) == (FlagCode.P_OP_CONFLICT, Severity.WARN)
    assert "≤" in flag.message and "≥" in flag.message


def test_a_conflicting_prefix_suffix_and_declared_operator_raise_two_flags() -> None:
    parsed = parse("≤5个以上", declared_op="=")
    assert parsed.op == Op.EQ
    assert parsed.flag_codes == (FlagCode.P_OP_CONFLICT, FlagCode.P_OP_CONFLICT)


@pytest.mark.parametrize(
    ("text", "unit", "unit_canon", "base_value", "lo", "hi"),
    [
        ("95", "%", "%", "95", None, None),
        ("95", "％", "%", "95", None, None),
        ("5", "万元", "元", "50000", None, None),
        ("≥3", "个", "个", "3", None, None),
        ("3-5", "万元", "元", None, "30000", "50000"),
        ("12", "栋", "栋", "12", None, None),
    ],
)
def test_the_declared_unit_fills_a_missing_unit(
    text: str, unit: str, unit_canon: str, base_value: str | None, lo: str | None, hi: str | None
) -> None:
    parsed = parse(text, declared_unit=unit)
    assert parsed.unit_canon == unit_canon
    assert parsed.base_value == (D(base_value) if base_value else None)
    assert (parsed.lo, parsed.hi) == (D(lo) if lo else None, D(hi) if hi else None)
    assert parsed.flags == ()


@pytest.mark.parametrize(("text", "unit"), [("5万元", "元"), ("5万元", "万元"), ("95%", "％"), ("3万人", "人")])
def test_a_declared_unit_of_the_same_dimension_leaves_the_written_unit_alone(text: str, unit: str) -> None:
    assert parse(text, declared_unit=unit) == parse(text)


@pytest.mark.parametrize(("text", "unit"), [("3项", "个"), ("95%", "万元"), ("3个乡镇", "个")])
def test_a_declared_unit_of_another_dimension_is_flagged_and_the_text_wins(text: str, unit: str) -> None:
    parsed = parse(text, declared_unit=unit)
    assert parsed.unit_raw == parse(text).unit_raw
    assert parsed.flag_codes == (FlagCode.E_UNIT_MISMATCH,)


def test_a_declared_percentage_point_unit_raises_the_info_flag() -> None:
    assert parse("2", declared_unit="百分点").flag_codes == (FlagCode.P_PERCENTAGE_POINTS,)


@pytest.mark.parametrize("text", ["显著提升", "9月前", "", "abc"])
def test_the_declared_unit_does_not_touch_non_numeric_values(text: str) -> None:
    assert parse(text, declared_unit="%") == parse(text)


# ---------------------------------------------------------------------------------------------------------------
# Fiscal year, types, purity
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["9月", "9月前", "9月底", "年底前", "第三季度末", "上半年", "6月30日前"])
def test_a_year_less_deadline_takes_the_fiscal_year(text: str) -> None:
    assert parse_value(text, fiscal_year=2025).deadline.year == 2025  # type: ignore[union-attr]
    assert parse_value(text, fiscal_year=2030).deadline.year == 2030  # type: ignore[union-attr]


@pytest.mark.parametrize("text", ["2024年9月", "2024年9月前", "2024年9月底", "2024年底", "2024年上半年", "2024-09-01"])
def test_a_year_in_the_text_overrides_the_fiscal_year(text: str) -> None:
    assert parse_value(text, fiscal_year=2030).deadline.year == 2024  # type: ignore[union-attr]


@pytest.mark.parametrize("year", [0, 999, 10000, -2026])
def test_an_impossible_fiscal_year_is_rejected(year: int) -> None:
    with pytest.raises(ValueError):
        parse_value("9月", fiscal_year=year)


@pytest.mark.parametrize("text", ["≥95%", "1.2亿元", "5‰", "500米", "三千克", "90%-95%", "1.5-2.5万元"])
def test_numbers_are_decimals_never_floats(text: str) -> None:
    parsed = parse(text)
    for value in (parsed.num, parsed.base_value, parsed.lo, parsed.hi, parsed.factor):
        assert value is None or isinstance(value, Decimal)


def test_parsed_values_are_frozen() -> None:
    parsed = parse("≥95%")
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.num = D(1)  # type: ignore[misc]


def test_classify_applies_the_patterns_to_already_normalised_text() -> None:
    assert classify("≥95%", fiscal_year=FY) == parse("≥95%")


def test_flag_severities_match_the_discrepancy_table() -> None:
    assert {code: SEVERITY[code] for code in FlagCode} == {
        FlagCode.P_UNPARSED: Severity.WARN,
        FlagCode.P_OP_CONFLICT: Severity.WARN,
        FlagCode.P_PERCENT_SCALE: Severity.WARN,
        FlagCode.P_ACTUAL_HAS_OPERATOR: Severity.WARN,
        FlagCode.E_UNIT_MISMATCH: Severity.WARN,
        FlagCode.P_UNIT_ASSUMED: Severity.INFO,
        FlagCode.P_MONTH_BEFORE_AMBIGUOUS: Severity.INFO,
        FlagCode.P_PERCENTAGE_POINTS: Severity.INFO,
    }


def test_the_parser_package_imports_only_the_standard_library() -> None:
    package = Path(__file__).resolve().parent.parent / "valueparse"
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            assert roots <= set(sys.stdlib_module_names) | {"__future__"}, (source.name, roots)


# ---------------------------------------------------------------------------------------------------------------
# describe
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kwargs", "shown"),
    [
        ("≥95%", {}, "≥ 95 %"),
        ("≤5万元", {}, "≤ 50000 元"),
        ("1.2亿元", {}, "= 120000000 元"),
        ("5‰", {}, "= 0.5 %"),
        ("95", {}, "= 95"),
        ("0起", {}, "= 0 起"),
        ("95.50%", {}, "= 95.5 %"),
        ("≥95%", {"declared_op": "定性"}, "定性 95 %"),
        ("90%-95%", {}, "90 至 95 %"),
        ("1.5-2.5万元", {}, "15000 至 25000 元"),
        ("9月底前", {}, f"{FY}-09-30 前"),
        ("9月前", {"month_before_inclusive": True}, f"{FY}-09-30 前"),
        ("9月前", {"declared_op": "="}, f"= {FY}-08-31"),
        ("显著提升", {}, "定性：显著提升"),
        ("—", {}, "—"),
        ("abc", {}, "无法解析：abc"),
    ],
)
def test_describe_renders_a_parsed_value_as_chinese_text(text: str, kwargs: dict[str, object], shown: str) -> None:
    assert describe(parse(text, **kwargs)) == shown


@pytest.mark.parametrize(
    ("value", "shown"), [("1.2E+8", "120000000"), ("0.50", "0.5"), ("-0", "0"), ("0.000", "0"), ("-5", "-5")]
)
def test_format_number_never_shows_an_exponent(value: str, shown: str) -> None:
    assert format_number(D(value)) == shown


# ---------------------------------------------------------------------------------------------------------------
# Comparing a target with an actual (§4.2 "Comparing target and actual")
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "actual", "t", "a"),
    [
        ("≥95%", "96%", "95", "96"),
        ("≤5万元", "48000元", "50000", "48000"),
        ("≥3个", "5个", "3", "5"),
        ("≥1万人", "12000人", "10000", "12000"),
        ("≥5‰", "0.6%", "0.5", "0.6"),
    ],
)
def test_same_dimension_values_compare_by_base_value(target: str, actual: str, t: str, a: str) -> None:
    result = align(parse(target), parse(actual))
    assert (result.comparable, result.target, result.actual, result.flags) == (True, D(t), D(a), ())


@pytest.mark.parametrize(
    ("target", "actual", "t", "a"),
    [("≥95%", "96", "95", "96"), ("≤5万元", "4", "50000", "40000"), ("≥95", "96%", "95", "96")],
)
def test_a_side_without_unit_takes_the_other_sides_unit_with_an_info_flag(
    target: str, actual: str, t: str, a: str
) -> None:
    result = align(parse(target), parse(actual))
    assert (result.comparable, result.target, result.actual) == (True, D(t), D(a))
    assert tuple(f.code for f in result.flags) == (FlagCode.P_UNIT_ASSUMED,)
    assert result.flags[0].severity == Severity.INFO


@pytest.mark.parametrize(("target", "actual"), [("≥95%", "0.96"), ("≥95%", "1.5"), ("90%-95%", "0.92")])
def test_a_fraction_against_a_percent_target_is_not_converted_and_is_flagged(target: str, actual: str) -> None:
    result = align(parse(target), parse(actual))
    assert (result.comparable, result.actual) == (False, None)
    assert tuple(f.code for f in result.flags) == (FlagCode.P_PERCENT_SCALE,)


def test_a_small_percent_target_accepts_a_small_unit_less_actual() -> None:
    result = align(parse("≤1%"), parse("0.8"))
    assert (result.comparable, result.actual) == (True, D("0.8"))


@pytest.mark.parametrize(
    ("target", "actual"), [("≥95%", "96个"), ("≤5万元", "3人"), ("≥3个", "3项"), ("30天", "1个月")]
)
def test_different_dimensions_are_not_comparable_and_flag_e_unit_mismatch(target: str, actual: str) -> None:
    result = align(parse(target), parse(actual))
    assert result.comparable is False
    assert tuple(f.code for f in result.flags) == (FlagCode.E_UNIT_MISMATCH,)


def test_an_actual_with_an_operator_uses_the_number_and_is_flagged() -> None:
    result = align(parse("≥95%"), parse("≥96%"))
    assert (result.comparable, result.actual) == (True, D(96))
    assert tuple(f.code for f in result.flags) == (FlagCode.P_ACTUAL_HAS_OPERATOR,)


def test_a_range_target_aligns_its_bounds() -> None:
    result = align(parse("1-2万元"), parse("15000元"))
    assert (result.comparable, result.lo, result.hi, result.actual) == (True, D(10000), D(20000), D(15000))
    unit_less = align(parse("1-2"), parse("1.5万元"))
    assert (unit_less.lo, unit_less.hi, unit_less.actual) == (D(10000), D(20000), D(15000))


@pytest.mark.parametrize(
    ("target", "actual"), [("9月前", "8月"), ("显著提升", "已完成"), ("≥95%", "已完成"), ("≥95%", ""), ("abc", "95")]
)
def test_pairs_that_are_not_both_numeric_are_not_comparable(target: str, actual: str) -> None:
    result = align(parse(target), parse(actual))
    assert (result.comparable, result.flags) == (False, ())
