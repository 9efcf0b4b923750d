"""`{% region_name row.region_id %}`: a row's 财政区划 on the lists of city and province users (the templates show
the column when `spans_counties`), from one dict of the user's regions per request instead of a join per list."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def region_name(context: template.Context, region_id: Any) -> str:
    names = context.get("region_names") or {}
    return str(names.get(region_id, ""))
