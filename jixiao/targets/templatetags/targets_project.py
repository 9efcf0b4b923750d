"""The 绩效目标 card on the project page: where the project's target stands and the way to it.

`{% target_panel project %}`: the target the user may open, or, for a project (not cancelled) without one, 填报绩效目标
to whoever fills targets, so that the unit's next step after 入库 is on the page it is looking at.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from jixiao.projects.models import Project
from jixiao.targets.selectors import project_has_target, target_of_project

register = template.Library()


@register.simple_tag(takes_context=True)
def target_panel(context: template.Context, project: Any) -> SafeString:
    if project.status == Project.Status.CANCELLED:
        return SafeString("")
    target = target_of_project(context.get("user"), project)
    membership = context.get("active_membership")
    can_start = (
        target is None and membership is not None and membership.can("target.edit") and not project_has_target(project)
    )
    if target is None and not can_start:
        return SafeString("")
    values = {"target": target, "project": project, "can_start": can_start, "user": context.get("user")}
    return SafeString(render_to_string("targets/_project_panel.html", values, request=context.get("request")).strip())
