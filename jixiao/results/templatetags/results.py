"""The 结果应用 decision on next-year project pages (the project library imports nothing from this stage).

`{% result_decision_panel project %}` on a detail page; `{% result_decision_cell project page %}` in a table: the
first call looks up the whole page in two queries and keeps the result in the template's render context.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString

from jixiao.results.models import Action, ApplicationStatus
from jixiao.results.selectors import applications_for_next_year, gate_reason

register = template.Library()

# Badge colour by action: cuts and stops red or yellow, conditional arrangements grey, the rest green.
ACTION_CSS: dict[str, str] = {
    Action.CANCEL: "danger",
    Action.SUSPEND: "danger",
    Action.REDUCE_PCT: "warning",
    Action.REDUCE_UNSPENT: "warning",
    Action.RECOVER: "warning",
    Action.REARRANGE_AFTER_RECTIFY: "secondary",
    Action.STRICT: "secondary",
    Action.TIGHT: "secondary",
}


@register.simple_tag
def action_badge(action: str, label: str) -> SafeString:
    """`{% action_badge app.proposed_action app.get_proposed_action_display %}`."""
    return format_html(
        '<span class="badge text-bg-{}" data-action="{}">{}</span>', ACTION_CSS.get(action, "success"), action, label
    )


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
    return SafeString("") if app is None else decision_cell(app)


def decision_cell(app: Any) -> SafeString:
    """A table cell's badge: the decided action, or the proposed one marked （建议）."""
    decided = app.status == ApplicationStatus.DECIDED
    if decided:
        badge = action_badge(app.decided_action, app.get_decided_action_display())
    else:
        badge = action_badge(app.proposed_action, app.get_proposed_action_display())
    return format_html(
        '<span class="small" data-testid="result-cell" title="{}年度绩效结果应用{}">{}{}</span>',
        app.fiscal_year,
        "决定" if decided else "建议",
        badge,
        "" if decided else SafeString('<span class="text-muted">（建议）</span>'),
    )
