"""Vocabularies of DOMAIN.md §4.2: operator words, suffixes, units, qualitative keywords."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from decimal import Decimal

from .values import Hint, LevelHint, Op

# Prefix operator words (OPW).
OPW: dict[str, Op] = {
    "≥": Op.GE,
    "≤": Op.LE,
    ">": Op.GT,
    "<": Op.LT,
    "=": Op.EQ,
    **dict.fromkeys(["不低于", "不少于", "不小于", "至少", "达到"], Op.GE),
    **dict.fromkeys(["不高于", "不超过", "不多于", "不大于"], Op.LE),
    **dict.fromkeys(["大于", "高于", "超过", "多于"], Op.GT),
    **dict.fromkeys(["小于", "低于", "少于"], Op.LT),
    "等于": Op.EQ,
}

# Suffix operator words (SUF).
SUF: dict[str, Op] = {
    **dict.fromkeys(["及以上", "以上"], Op.GE),
    **dict.fromkeys(["及以下", "以下", "以内", "之内"], Op.LE),
}

SYMBOL: dict[Op, str] = {Op.GE: "≥", Op.GT: ">", Op.EQ: "=", Op.LE: "≤", Op.LT: "<", Op.QUAL: "定性"}

_ONE = Decimal(1)
_WAN = Decimal(10000)
_MILLI = Decimal("0.001")

COUNT_UNITS = tuple("个项次所座家处台套件份批条场期篇册辆头株棵盏间宗笔张本类")
DURATION_UNITS = ("个月", "天", "日", "小时")
PERCENTAGE_POINT_UNITS = ("百分点", "个百分点")

UnitInfo = tuple[str, Decimal, str]


def _rows() -> Iterator[tuple[str, UnitInfo]]:
    money = {"亿元": Decimal(100000000), "万元": _WAN, "千元": Decimal(1000), "元": _ONE}
    yield from ((u, ("元", f, "MONEY")) for u, f in money.items())
    yield from (("%", ("%", _ONE, "PERCENT")), ("‰", ("%", Decimal("0.1"), "PERCENT")))
    # `个百分点` (the usual spoken form) is an addition to the §4.2 table.
    yield from ((u, ("%", _ONE, "PERCENT")) for u in PERCENTAGE_POINT_UNITS)
    yield from (("万人次", ("人次", _WAN, "COUNT:人次")), ("人次", ("人次", _ONE, "COUNT:人次")))
    yield from ((u, ("人", f, "COUNT:人")) for u, f in {"万人": _WAN, "人": _ONE, "名": _ONE, "位": _ONE}.items())
    yield from (("万户", ("户", _WAN, "COUNT:户")), ("户", ("户", _ONE, "COUNT:户")))
    yield from (("万亩", ("亩", _WAN, "AREA:亩")), ("亩", ("亩", _ONE, "AREA:亩")))
    yield ("万平方米", ("平方米", _WAN, "AREA:m2"))
    yield from ((u, ("平方米", _ONE, "AREA:m2")) for u in ("平方米", "㎡", "m2", "m²"))
    length = {"公里": _ONE, "千米": _ONE, "km": _ONE, "米": _MILLI, "m": _MILLI}
    yield from ((u, ("公里", f, "LENGTH")) for u, f in length.items())
    yield from ((u, ("吨", f, "MASS")) for u, f in {"万吨": _WAN, "吨": _ONE, "千克": _MILLI, "kg": _MILLI}.items())
    # No cross-conversion between durations: each unit is its own dimension.
    yield from ((u, (u, _ONE, f"DURATION:{u}")) for u in DURATION_UNITS)
    for u in COUNT_UNITS:
        yield u, (u, _ONE, f"COUNT:{u}")
        yield f"万{u}", (u, _WAN, f"COUNT:{u}")
    yield "分", ("分", _ONE, "POINTS")


UNITS: dict[str, UnitInfo] = dict(_rows())


def canonical_unit(unit: str) -> UnitInfo | None:
    """(canonical unit, factor to it, dimension) of a known unit, or None for a unit outside the §4.2 table."""
    key = "".join(unicodedata.normalize("NFKC", unit).split())
    return UNITS.get(key)


def alternation(words: Iterable[str]) -> str:
    """A regex alternation, longest word first."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


# Keyword lists, checked in this order (§4.2): 未完成 contains 完成.
NEG_WORDS = ("未", "没有", "尚未", "未能", "不达标", "不合格", "未完成", "否", "较差", "下降")
NEG_IF_TARGET_RISES = "减少"
RISING_TARGET_WORDS = ("提升", "增加")
PARTIAL_WORDS = ("部分", "基本", "大部分", "初步", "一定")
POS_WORDS = (
    *("达标", "合格", "完成", "已完成", "达到", "实现", "是", "显著"),
    *("明显", "有效", "提升", "提高", "改善", "良好", "满意"),
)
TARGET_HINT_WORDS: tuple[tuple[Hint, tuple[str, ...]], ...] = (
    (Hint.PASS, ("达标", "合格", "是")),
    (Hint.IMPROVE, ("提升", "提高", "改善", "增强")),
    (Hint.MAINTAIN, ("保持", "稳定")),
    (Hint.TIMELY, ("及时", "按时", "按期", "如期")),
)


def target_hint(text: str) -> Hint | None:
    for hint, words in TARGET_HINT_WORDS:
        if any(w in text for w in words):
            return hint
    return None


def level_hint(text: str, *, target_text: str | None = None) -> LevelHint | None:
    """NEG, PARTIAL or POS by the keyword lists; 减少 counts as NEG only when the target says 提升/增加."""
    rising = target_text is not None and any(w in target_text for w in RISING_TARGET_WORDS)
    if any(w in text for w in NEG_WORDS) or (rising and NEG_IF_TARGET_RISES in text):
        return LevelHint.NEG
    if any(w in text for w in PARTIAL_WORDS):
        return LevelHint.PARTIAL
    if any(w in text for w in POS_WORDS):
        return LevelHint.POS
    return None
