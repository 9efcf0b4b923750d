"""Filters for snapshot values (stored as text so they stay exact in JSON)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from jixiao.core.money import format_wan

register = template.Library()


@register.filter
def wan_text(yuan: Any) -> str:
    """A yuan amount kept as text in a snapshot → 万元 with 2 places (“—” when empty)."""
    if yuan in (None, ""):
        return "—"
    try:
        return format_wan(Decimal(str(yuan)))
    except InvalidOperation:
        return "—"
