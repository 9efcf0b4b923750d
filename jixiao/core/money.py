"""Money is Decimal yuan with 2 places end to end; 万元 is a display and input unit only (DOMAIN.md §0.3)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
TEN_THOUSAND = Decimal(10000)
# DecimalField(max_digits=18, decimal_places=2)
MAX_YUAN = Decimal("9999999999999999.99")
# No amount, in 元 or 万元, has more integer digits than this.
MAX_DIGITS = 20


class MoneyError(ValueError):
    pass


def to_decimal(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        # Spreadsheet cells arrive as floats; repr gives the shortest exact decimal text.
        value = repr(value)
    text = str(value).strip().replace(",", "").replace("，", "")
    if not text:
        raise MoneyError("金额不能为空")
    try:
        result = Decimal(text)
    except InvalidOperation as exc:
        raise MoneyError(f"“{text}”不是有效的金额") from exc
    if not result.is_finite():
        raise MoneyError(f"“{text}”不是有效的金额")
    if result.adjusted() > MAX_DIGITS:  # "1e999999999": any arithmetic on it overflows (decimal.Overflow, a 500)
        raise MoneyError("金额超出允许范围")
    return result


def yuan_from_wan(value: object) -> Decimal:
    """万元 → 元, quantised to the cent with ROUND_HALF_UP. Rejects precision finer than one cent."""
    wan = to_decimal(value)
    yuan = wan * TEN_THOUSAND
    if abs(yuan) > MAX_YUAN:
        raise MoneyError("金额超出允许范围")
    rounded = yuan.quantize(CENT, rounding=ROUND_HALF_UP)
    if rounded != yuan:
        raise MoneyError("金额（万元）最多保留6位小数（精确到分）")
    return rounded


def wan_from_yuan(yuan: Decimal | None) -> Decimal:
    """元 → 万元 by exact division (display only)."""
    return (yuan or Decimal(0)) / TEN_THOUSAND


def format_wan(yuan: Decimal | None, places: int = 2) -> str:
    if yuan is None:
        return "—"
    quant = Decimal(1).scaleb(-places)
    wan = wan_from_yuan(yuan).quantize(quant, rounding=ROUND_HALF_UP)
    return f"{wan:,.{places}f}"


def format_yuan(yuan: Decimal | None) -> str:
    """元 to the cent with thousands separators (“-1,234.50”): single payments, as on the treasury voucher."""
    if yuan is None:
        return "—"
    return f"{yuan.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"
