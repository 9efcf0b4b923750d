"""Template helpers of the department-overall target block."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def other_funds_yuan(target: Any) -> Decimal:
    """其他资金 = 资金总额 − 财政拨款 (not stored: DOMAIN.md §3.2)."""
    return Decimal(target.annual_total_yuan) - Decimal(target.annual_fiscal_yuan)
