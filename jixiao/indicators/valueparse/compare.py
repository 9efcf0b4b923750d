"""Comparing a parsed target with a parsed actual (DOMAIN.md §4.2 "Comparing target and actual")."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, Inexact, InvalidOperation

from .values import Flag, FlagCode, Kind, LevelHint, ParsedValue, flag
from .vocab import SYMBOL, level_hint

_CTX = Context(prec=40, rounding=ROUND_HALF_UP, traps=[Inexact, InvalidOperation])
# Target > 1.5 % with a unit-less actual ≤ 1.5: the actual is probably a fraction (0.96 for 96 %).
PERCENT_SCALE_LIMIT = Decimal("1.5")


@dataclass(frozen=True)
class Alignment:
    """Target and actual in one unit. ``comparable`` is False when the pair must be scored by hand.

    ``target`` is the NUM target's base value; ``lo``/``hi`` a RANGE target's bounds; ``actual`` the actual's value.
    """

    comparable: bool
    target: Decimal | None = None
    lo: Decimal | None = None
    hi: Decimal | None = None
    actual: Decimal | None = None
    flags: tuple[Flag, ...] = ()


def _scaled(value: Decimal | None, factor: Decimal | None) -> Decimal | None:
    return None if value is None else _CTX.multiply(value, factor or Decimal(1))


def _same_unit(target: ParsedValue, actual_value: Decimal | None, flags: tuple[Flag, ...]) -> Alignment:
    return Alignment(True, target.base_value, target.lo, target.hi, actual_value, flags)


def _percent_scale_suspect(target: ParsedValue, actual: ParsedValue) -> bool:
    reference = target.base_value if target.kind is Kind.NUM else target.lo
    return (
        target.unit_canon == "%"
        and reference is not None
        and reference > PERCENT_SCALE_LIMIT
        and actual.num is not None
        and actual.num <= PERCENT_SCALE_LIMIT
    )


def align(target: ParsedValue, actual: ParsedValue) -> Alignment:
    """Put a NUM/RANGE target and a NUM actual in one unit, with the §4.2 flags; anything else is not comparable."""
    if target.kind not in (Kind.NUM, Kind.RANGE) or actual.kind is not Kind.NUM:
        return Alignment(False)
    flags: tuple[Flag, ...] = ()
    if actual.text_op is not None:
        message = f"实际值“{actual.normalized}”含运算符“{SYMBOL[actual.text_op]}”，仅取其数值"
        flags = (flag(FlagCode.P_ACTUAL_HAS_OPERATOR, message),)
    if target.dimension == actual.dimension:
        return _same_unit(target, actual.base_value, flags)
    if actual.dimension is None:
        if _percent_scale_suspect(target, actual):
            message = f"目标值为百分数，实际值“{actual.normalized}”可能是小数比例，未自动换算，需人工判定"
            return Alignment(False, flags=(*flags, flag(FlagCode.P_PERCENT_SCALE, message)))
        assumed = flag(FlagCode.P_UNIT_ASSUMED, f"实际值未写单位，按目标值的单位“{target.unit_raw}”理解")
        return _same_unit(target, _scaled(actual.num, target.factor), (*flags, assumed))
    if target.dimension is None:
        assumed = flag(FlagCode.P_UNIT_ASSUMED, f"目标值未写单位，按实际值的单位“{actual.unit_raw}”理解")
        t, lo, hi = (_scaled(v, actual.factor) for v in (target.num, target.lo, target.hi))
        return Alignment(True, t, lo, hi, actual.base_value, (*flags, assumed))
    message = f"目标值单位“{target.unit_raw}”与实际值单位“{actual.unit_raw}”量纲不同，需人工判定"
    return Alignment(False, flags=(*flags, flag(FlagCode.E_UNIT_MISMATCH, message)))


def suggest_level(actual: ParsedValue, target: ParsedValue | None = None) -> LevelHint | None:
    """The tone of a QUAL actual text; with the target known, 减少 is NEG when the target says 提升/增加."""
    if actual.kind is not Kind.QUAL:
        return None
    return level_hint(actual.normalized, target_text=target.normalized if target is not None else None)
