"""Rendering a parsed value back as Chinese text for display."""

from __future__ import annotations

from decimal import Decimal

from .values import Kind, Op, ParsedValue
from .vocab import SYMBOL


def format_number(value: Decimal) -> str:
    """Plain notation without exponent or trailing zeros: 1.2E+8 → 120000000, 0.50 → 0.5."""
    if value.is_zero():
        return "0"
    return format(value.normalize(), "f")


def _with_unit(text: str, unit: str | None) -> str:
    return f"{text} {unit}" if unit else text


def describe(parsed: ParsedValue) -> str:
    """E.g. "≥ 95 %", "≤ 50000 元", "90 至 95 %", "2026-09-30 前", "定性：显著提升"."""
    if parsed.kind is Kind.EMPTY:
        return "—"
    if parsed.kind is Kind.UNPARSED:
        return f"无法解析：{parsed.normalized}"
    if parsed.kind is Kind.QUAL:
        return f"定性：{parsed.normalized}"
    if parsed.kind is Kind.TIME and parsed.deadline is not None:
        if parsed.op is None or parsed.op is Op.LE:
            return f"{parsed.deadline.isoformat()} 前"
        return f"{SYMBOL[parsed.op]} {parsed.deadline.isoformat()}"
    if parsed.kind is Kind.RANGE and parsed.lo is not None and parsed.hi is not None:
        return _with_unit(f"{format_number(parsed.lo)} 至 {format_number(parsed.hi)}", parsed.unit_canon)
    if parsed.base_value is not None:
        prefix = f"{SYMBOL[parsed.op]} " if parsed.op is not None else ""
        return _with_unit(prefix + format_number(parsed.base_value), parsed.unit_canon)
    return parsed.normalized
