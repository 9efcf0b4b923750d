"""parse_value: the pattern rows P0–P10 of DOMAIN.md §4.2, first match wins."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Context, Decimal, Inexact, InvalidOperation

from .normalize import has_cjk, normalize
from .numerals import NUMERAL_CHARS, chinese_to_int
from .timepatterns import TimeHit, match_time
from .values import Flag, FlagCode, Kind, Op, ParsedValue, flag
from .vocab import OPW, PERCENTAGE_POINT_UNITS, SUF, SYMBOL, UNITS, alternation, canonical_unit, level_hint, target_hint

# Exact arithmetic whatever the thread's context: 28 digits × a 9-digit factor fit in 40; anything else raises.
_CTX = Context(prec=40, rounding=ROUND_HALF_UP, traps=[Inexact, InvalidOperation])
_MAX_DIGITS = 28
_ONE = Decimal(1)

_OPW = alternation(OPW)
_UNIT = alternation(UNITS)
_SUF = alternation(SUF)
_NUMBER = r"\d+(?:\.\d+)?"
# `——` (the Chinese dash as usually typed) is an addition to the §4.2 row.
P0 = re.compile(r"^(?:—{1,2}|-|/|无|不适用)?$")
P1 = re.compile(rf"^(?P<lo>{_NUMBER})(?P<lu>{_UNIT})?[-~至到](?P<hi>{_NUMBER})(?P<hu>{_UNIT})?$")
# Not a §4.2 row: a range whose units are outside the table (`3-5栋`) becomes UNPARSED, not QUAL.
_RANGE_SHAPED = re.compile(rf"^{_NUMBER}\D{{0,6}}[-~至到]{_NUMBER}\D{{0,6}}$")
# A free unit of 1–6 characters; it may not swallow a suffix word or 完成 that ends the text (`3以上` → 以上 is SUF).
_TAIL = rf"(?:(?!(?:{_SUF})(?:完成)?$|完成$)\D){{1,6}}?"
P8 = re.compile(rf"^(?P<op>{_OPW})?(?P<num>[+-]?{_NUMBER})(?P<unit>{_UNIT}|{_TAIL})?(?P<suf>{_SUF})?(?:完成)?$")
# P9 takes known units only: a free tail would read `一般` as 1 般 and `十分满意` as 10 分满意.
P9 = re.compile(rf"^(?P<op>{_OPW})?(?P<num>[{NUMERAL_CHARS}]+)(?P<unit>{_UNIT})?(?P<suf>{_SUF})?(?:完成)?$")


@dataclass(frozen=True)
class _Unit:
    raw: str | None = None
    canon: str | None = None
    factor: Decimal | None = None
    dimension: str | None = None

    def apply(self, p: ParsedValue) -> ParsedValue:
        return replace(p, unit_raw=self.raw, unit_canon=self.canon, factor=self.factor, dimension=self.dimension)

    def flags(self) -> tuple[Flag, ...]:
        if self.raw in PERCENTAGE_POINT_UNITS:
            return (flag(FlagCode.P_PERCENTAGE_POINTS, f"“{self.raw}”按百分数（%）处理"),)
        return ()


def _resolve(raw: str | None) -> _Unit:
    if not raw:
        return _Unit()
    info = canonical_unit(raw)
    if info is None:
        return _Unit(raw, raw, _ONE, f"OTHER:{raw}")
    return _Unit(raw, *info)


def _scale(value: Decimal | None, factor: Decimal | None) -> Decimal | None:
    if value is None or factor is None:
        return value
    return _CTX.multiply(value, factor)


def _decimal(text: str) -> Decimal | None:
    if sum(c.isdigit() for c in text) > _MAX_DIGITS:
        return None
    return Decimal(text)


def _unparsed(s: str, reason: str = "无法识别") -> ParsedValue:
    message = f"指标值“{s}”{reason}，需人工判定"
    return ParsedValue(kind=Kind.UNPARSED, flags=(flag(FlagCode.P_UNPARSED, message),), normalized=s)


def _range(s: str) -> ParsedValue | None:
    """P1. None when the text is no range or lo > hi (fall through)."""
    m = P1.match(s)
    if not m:
        return None
    lo, hi = _decimal(m["lo"]), _decimal(m["hi"])
    if lo is None or hi is None:
        return None
    left, right = _resolve(m["lu"] or m["hu"]), _resolve(m["hu"] or m["lu"])
    if left.dimension != right.dimension:
        return _unparsed(s, "区间两端的计量单位不一致")
    lo_base, hi_base = _scale(lo, left.factor), _scale(hi, right.factor)
    if lo_base is None or hi_base is None or lo_base > hi_base:
        return None
    flags = right.flags() or left.flags()
    return right.apply(ParsedValue(kind=Kind.RANGE, lo=lo_base, hi=hi_base, flags=flags, pattern="P1", normalized=s))


def _time(hit: TimeHit, s: str) -> ParsedValue:
    if hit.deadline is None:
        return _unparsed(s, "中的日期不存在")
    deadline, flags = hit.deadline, hit.flags
    return ParsedValue(
        kind=Kind.TIME, op=Op.LE, text_op=Op.LE, deadline=deadline, flags=flags, pattern=hit.pattern, normalized=s
    )


def _number(m: re.Match[str], num: Decimal, pattern: str, s: str) -> ParsedValue:
    prefix, suffix = OPW.get(m["op"] or ""), SUF.get(m["suf"] or "")
    flags: tuple[Flag, ...] = ()
    if prefix and suffix and prefix != suffix:
        reason = f"“{s}”的前缀“{m['op']}”与后缀“{m['suf']}”含义不一致，已采用前缀"
        flags = (flag(FlagCode.P_OP_CONFLICT, reason),)
    text_op = prefix or suffix
    unit = _resolve(m["unit"])
    parsed = ParsedValue(
        kind=Kind.NUM,
        op=text_op or Op.EQ,
        num=num,
        base_value=_scale(num, unit.factor),
        flags=flags + unit.flags(),
        text_op=text_op,
        pattern=pattern,
        normalized=s,
    )
    return unit.apply(parsed)


def _numeric(s: str) -> ParsedValue | None:
    """P8 (digits), then P9 (Chinese numerals)."""
    m = P8.match(s)
    if m:
        num = _decimal(m["num"])
        return _number(m, num, "P8", s) if num is not None else _unparsed(s, "的数值位数过多")
    m = P9.match(s)
    if m:
        value = chinese_to_int(m["num"])
        if value is not None:
            return _number(m, Decimal(value), "P9", s)
    return None


def _qualitative_or_unparsed(s: str) -> ParsedValue:
    """P10, else UNPARSED."""
    if not has_cjk(s):
        return _unparsed(s)
    return ParsedValue(
        kind=Kind.QUAL,
        op=Op.QUAL,
        text_op=Op.QUAL,
        hint=target_hint(s),
        level_hint=level_hint(s),
        pattern="P10",
        normalized=s,
    )


def classify(s: str, *, fiscal_year: int, month_before_inclusive: bool = False) -> ParsedValue:
    """Apply P0–P10 to an already normalised text; the declared operator and unit columns are not applied."""
    if P0.match(s):
        return ParsedValue(kind=Kind.EMPTY, pattern="P0", normalized=s)
    ranged = _range(s)
    if ranged is not None:
        return ranged
    hit = match_time(s, fiscal_year=fiscal_year, month_before_inclusive=month_before_inclusive)
    if hit is not None:
        return _time(hit, s)
    numeric = _numeric(s)
    if numeric is not None:
        return numeric
    # Range-shaped text that fell through P2–P9 is flagged rather than read as qualitative text.
    if P1.match(s):
        return _unparsed(s, "的区间下限大于上限")
    if _RANGE_SHAPED.match(s):
        return _unparsed(s, "的区间计量单位无法识别")
    return _qualitative_or_unparsed(s)


_DECLARED_OPS = {"≥": Op.GE, ">": Op.GT, "=": Op.EQ, "≤": Op.LE, "<": Op.LT, "定性": Op.QUAL}


def parse_op(value: str | None) -> Op | None:
    """The operator column (`computesign`, 指标性质): GE/GT/EQ/LE/LT/QUAL or ≥ > = ≤ < 定性; blank is None."""
    if value is None:
        return None
    s = normalize(value)
    if not s:
        return None
    if s.upper() in Op.__members__:
        return Op[s.upper()]
    if s in _DECLARED_OPS:
        return _DECLARED_OPS[s]
    raise ValueError(f"无法识别的指标性质“{value}”，应为 ≥、≤、=、>、< 或 定性")


def _with_declared_unit(p: ParsedValue, declared_unit: str | None) -> ParsedValue:
    """A unit column fills a missing unit; a unit of another dimension in the text is flagged (the text wins)."""
    written = normalize(declared_unit or "")
    if not written or p.kind not in (Kind.NUM, Kind.RANGE):
        return p
    unit = _resolve(written)
    if p.unit_raw is None:
        scaled = replace(
            p,
            base_value=_scale(p.num, unit.factor),
            lo=_scale(p.lo, unit.factor),
            hi=_scale(p.hi, unit.factor),
            flags=p.flags + unit.flags(),
        )
        return unit.apply(scaled)
    if unit.dimension != p.dimension:
        reason = f"计量单位“{written}”与指标值中的单位“{p.unit_raw}”不一致，已按指标值中的单位解析"
        return replace(p, flags=(*p.flags, flag(FlagCode.E_UNIT_MISMATCH, reason)))
    return p


def _with_declared_op(p: ParsedValue, declared: Op | None) -> ParsedValue:
    """The operator column wins; disagreeing with the text raises P_OP_CONFLICT."""
    if declared is None:
        return p
    flags = p.flags
    if p.text_op is not None and p.text_op != declared:
        reason = f"指标性质“{SYMBOL[declared]}”与指标值“{p.normalized}”（{SYMBOL[p.text_op]}）不一致，以指标性质为准"
        flags = (*flags, flag(FlagCode.P_OP_CONFLICT, reason))
    return replace(p, op=declared, flags=flags)


def parse_value(
    text: str,
    *,
    fiscal_year: int,
    declared_op: str | None = None,
    declared_unit: str | None = None,
    month_before_inclusive: bool = False,
) -> ParsedValue:
    """Parse a free-text target or actual value (DOMAIN.md §4.2).

    ``declared_op`` is the operator column (`computesign`), ``declared_unit`` the unit column (`meterunit`);
    ``month_before_inclusive`` is the setting of the same name (DOMAIN.md §6.11, default false).
    Raises ValueError for a fiscal year outside 1000–9999 or an unknown operator column value.
    """
    if not 1000 <= fiscal_year <= 9999:
        raise ValueError(f"无效的年度：{fiscal_year}")
    declared = parse_op(declared_op)
    parsed = classify(normalize(text), fiscal_year=fiscal_year, month_before_inclusive=month_before_inclusive)
    return _with_declared_op(_with_declared_unit(parsed, declared_unit), declared)
