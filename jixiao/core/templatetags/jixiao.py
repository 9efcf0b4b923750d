"""Formatting used on every page: money in 万元, rates, dates, status badges."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import template
from django.utils import timezone
from django.utils.html import format_html

from jixiao.core.money import format_wan

register = template.Library()

BADGE_CLASSES = {
    "draft": "secondary",
    "submitted": "info",
    "dept_approved": "primary",
    "in_library": "success",
    "returned": "warning",
    "cancelled": "dark",
    "approved": "success",
    "reviewed": "primary",
    "disabled": "dark",
    "unit_submitted": "info",
    "section_review": "primary",
    "perf_review": "primary",
    "panel_review": "primary",
    "ready_for_budget": "success",
    "rejected": "danger",
    "adjusting": "warning",
}


@register.filter
def wan(yuan: Decimal | None, places: int = 2) -> str:
    """元 → “1,234.56” (万元)."""
    return format_wan(yuan, int(places))


@register.filter
def percent(rate: Decimal | float | None, places: int = 2) -> str:
    if rate is None:
        return "—"
    return f"{Decimal(str(rate)) * 100:.{int(places)}f}%"


@register.filter
def cn_date(value: Any) -> str:
    if not value:
        return "—"
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    return value.strftime("%Y-%m-%d")


@register.simple_tag
def status_badge(value: str, label: str) -> str:
    css = BADGE_CLASSES.get(value, "secondary")
    return format_html('<span class="badge text-bg-{}">{}</span>', css, label)


@register.simple_tag(takes_context=True)
def query_replace(context: dict[str, Any], **kwargs: Any) -> str:
    """Current querystring with some keys replaced (pagination links keep the filters)."""
    request = context["request"]
    params = request.GET.copy()
    for key, value in kwargs.items():
        params[key] = value
    return urlencode(list(params.lists()), doseq=True)
