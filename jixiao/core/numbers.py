"""Safe checks on numeric text from users and files."""

from __future__ import annotations


def is_digits(text: str) -> bool:
    """True only for ASCII digits: str.isdigit() also accepts "²" and "①", which int() then rejects (a 500)."""
    return text.isascii() and text.isdigit()
