"""Chinese numerals (`三`, `十五`, `一百零五`, `两千`, `一万二千`, `二〇二四`) to integers (DOMAIN.md §4.2 P9)."""

from __future__ import annotations

NUMERAL_CHARS = "零〇一二两三四五六七八九十百千万"
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL = {"十": 10, "百": 100, "千": 1000}
_WAN = 10000


def chinese_to_int(text: str) -> int | None:
    """The value of a Chinese numeral, or None when it is not a well-formed one."""
    if not text or any(c not in NUMERAL_CHARS for c in text):
        return None
    if all(c in _DIGITS for c in text):
        return _digit_by_digit(text)
    head, wan, tail = text.partition("万")
    if "万" in tail:
        return None
    if not wan:
        return _section(head)
    high = _section(head)
    low = _section(tail, abbreviated_unit=_WAN) if tail else 0
    if not high or low is None:
        return None
    return high * _WAN + low


def _digit_by_digit(text: str) -> int | None:
    if len(text) == 1:
        return _DIGITS[text]
    if "两" in text:
        return None
    return int("".join(str(_DIGITS[c]) for c in text))


def _section(text: str, *, abbreviated_unit: int = 0) -> int | None:
    """A number below 10000 written with 十/百/千; `一百二` means 120 (the last unit, abbreviated)."""
    total, digit, last_unit, zero_seen = 0, None, abbreviated_unit, False
    for c in text:
        if c in _DIGITS:
            value = _DIGITS[c]
            if value == 0:
                if digit is not None:
                    return None
                zero_seen = True
            elif digit is not None:
                return None
            else:
                digit = value
            continue
        unit = _SMALL[c]
        if last_unit and unit >= last_unit and last_unit != abbreviated_unit:
            return None
        if digit is None and not (unit == 10 and total == 0 and not zero_seen):
            return None
        total += (digit or 1) * unit
        digit, last_unit, zero_seen = None, unit, False
    if digit is not None:
        total += digit * last_unit // 10 if last_unit >= 100 and not zero_seen else digit
    return total
