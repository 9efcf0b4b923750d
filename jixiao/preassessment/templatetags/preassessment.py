"""The 事前绩效评估 badge on project library pages.

`{% preassessment_badge project %}` on a detail page (a few queries for one project);
`{% preassessment_cell project page %}` in a table: the first call computes the overviews of the whole page in two
queries and keeps them in the template's render context, so a page of any size costs the same.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString

from jixiao.preassessment.selectors import Overview, assessment_overview, assessment_overviews

register = template.Library()


def _cell(overview: Overview | None) -> SafeString:
    """The table cell's badge, built in Python (twenty per list page, no template include)."""
    if overview is None:
        return SafeString("")
    return format_html(
        '<span class="badge text-bg-{}" title="{}" data-testid="pa-badge">{}</span>',
        overview.css,
        overview.reason,
        overview.label,
    )


@register.simple_tag(takes_context=True)
def preassessment_badge(context: template.Context, project: Any) -> SafeString:
    membership = context.get("active_membership")
    can_file = membership is not None and membership.can("preassessment.file")
    values = {"overview": assessment_overview(project), "project": project, "can_file": can_file}
    return SafeString(render_to_string("preassessment/_badge.html", values).strip())


@register.simple_tag(takes_context=True)
def preassessment_cell(context: template.Context, project: Any, page: Any) -> SafeString:
    cache = context.render_context
    key = f"preassessment_overviews_{id(page)}"
    if key not in cache:
        rows = getattr(page, "object_list", page)
        cache[key] = assessment_overviews(rows)
    return _cell(cache[key].get(project.pk))
