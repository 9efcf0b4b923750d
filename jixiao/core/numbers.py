"""Safe checks on numeric text from users and files."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for the checker only: the annotation is never evaluated at run time
    from typing_extensions import TypeIs


# int() refuses text of more digits than this (Python's default `sys.get_int_max_str_digits()`): a ValueError, a 500.
INT_DIGITS = 4300


def is_digits(text: str) -> bool:
    """True only for ASCII digits that int() reads: str.isdigit() also accepts "²" and "①", which int() then
    rejects (a 500), as it does text of more than INT_DIGITS digits."""
    return text.isascii() and text.isdigit() and len(text) <= INT_DIGITS


# The largest id a BigAutoField holds (PostgreSQL bigint, SQLite INTEGER). A larger number from a form or a link is
# not an id, and SQLite's driver refuses to bind it where Django does not screen it (an `__in` lookup, a foreign
# key compared with `exact`): an OverflowError, a 500.
MAX_ID = 2**63 - 1


def id_or_none(text: object) -> int | None:
    """An id typed into a form or a link ("42"), or None when it cannot be one (not digits, beyond a bigint)."""
    raw = str(text if text is not None else "").strip()
    return int(raw) if is_digits(raw) and len(raw) <= 19 and int(raw) <= MAX_ID else None


# The years a fiscal year may be (organizations.services refuses others when a year is created).
FIRST_YEAR, LAST_YEAR = 2000, 2100


def year_or_none(text: object) -> int | None:
    """A year typed into a filter or a link ("2026"), or None when it is not one: not digits, or outside
    FIRST_YEAR–LAST_YEAR (a year such as 999999 would fail later in date arithmetic, a 500)."""
    raw = str(text or "").strip()
    if not is_digits(raw) or len(raw) > 4:
        return None
    year = int(raw)
    return year if FIRST_YEAR <= year <= LAST_YEAR else None


def is_year(value: object) -> TypeIs[int]:
    """A year a service accepts: an int (not a bool) from FIRST_YEAR to LAST_YEAR."""
    return isinstance(value, int) and not isinstance(value, bool) and FIRST_YEAR <= value <= LAST_YEAR
