"""`{% execution_panel project %}`: budget, executed to date, execution rate and the cumulative monthly line.

Loaded by the project page (a lower app) so that execution data shows there without projects importing execution.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from jixiao.execution.selectors import project_execution_panel

register = template.Library()


@register.simple_tag(takes_context=True)
def execution_panel(context: template.Context, project: Any) -> SafeString:
    membership = context.get("active_membership")
    if membership is None or not membership.can("execution.view"):
        return SafeString("")
    data = project_execution_panel(project, timezone.localdate())
    chart = {
        "months": [f"{m}月" for m in range(1, 13)],
        "series": data["series"],
        "budget": str(data["budget"]),
    }
    return SafeString(
        render_to_string(
            "execution/_panel.html",
            {"project": project, "data": data, "chart": chart, "can_view": True},
        ).strip()
    )
