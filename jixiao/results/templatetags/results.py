"""The 结果应用 decision on next-year project pages (the project library imports nothing from this stage).

`{% result_decision_panel project %}` on a detail page; `{% result_decision_cell project page %}` in a table: the
first call looks up the whole page in two queries and keeps the result in the template's render context.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from jixiao.results.selectors import applications_for_next_year, gate_reason

register = template.Library()


@register.simple_tag(takes_context=True)
def result_decision_panel(context: template.Context, project: Any) -> SafeString:
    app = applications_for_next_year([project]).get(project.pk)
    if app is None:
        return SafeString("")
    membership = context.get("active_membership")
    can_view = membership is not None and membership.can("results.view")
    html = render_to_string(
        "results/_panel.html",
        {"app": app, "project": project, "blocked": gate_reason(project, app), "can_view": can_view},
    )
    return SafeString(html.strip())


@register.simple_tag(takes_context=True)
def result_decision_cell(context: template.Context, project: Any, page: Any) -> SafeString:
    cache = context.render_context
    key = f"result_decisions_{id(page)}"
    if key not in cache:
        cache[key] = applications_for_next_year(getattr(page, "object_list", page))
    app = cache[key].get(project.pk)
    if app is None:
        return SafeString("")
    return SafeString(render_to_string("results/_cell.html", {"app": app}).strip())
