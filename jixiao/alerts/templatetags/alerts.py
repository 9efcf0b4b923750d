"""Traffic lights on lower-stage pages (the project library) without the projects app knowing about warnings.

`{% warning_light project %}`: a coloured dot with the reasons as its tooltip. In a table pass the page too —
`{% warning_light project page %}` — and the first call reads the lights of the whole page in three queries.
`{% warning_panel project %}`: the project page's card (light, tier, open cases, 暂停拨付, budget adjustments).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString

from jixiao.alerts.engine import OP_LABELS
from jixiao.alerts.models import Color
from jixiao.alerts.selectors import Light, lights_for, project_alerts

register = template.Library()


_LIGHT_CSS = {"RED": "text-danger", "YELLOW": "text-warning"}


@register.filter
def band_text(band: dict[str, Any]) -> str:
    """A stored band in words: {"color": "RED", "op": "<", "value": 60} → 红灯：小于60."""
    color = dict(Color.choices).get(band.get("color", ""), band.get("color", ""))
    return f"{color}：{OP_LABELS.get(band.get('op', ''), band.get('op', ''))}{band.get('value', '')}"


@register.simple_tag
def light_dot(light: Light | None) -> SafeString:
    """The coloured dot, its reasons as the tooltip (one line each). Built in Python, not by a template include: a
    list page draws twenty of them."""
    if light is None or not light.color:
        return SafeString('<span class="text-muted small" title="尚未计算预警">—</span>')
    title = "&#10;".join([escape(light.label), *(escape(reason) for reason in light.reasons)])
    if light.suspended:
        title += "&#10;已暂停拨付"
    return format_html(
        '<span class="jx-light text-nowrap {}" title="{}" data-testid="warning-light" data-color="{}">'
        '<i class="bi bi-circle-fill"></i><span class="visually-hidden">{}</span>{}</span>',
        _LIGHT_CSS.get(light.color, "text-success"),
        SafeString(title),
        light.color,
        light.label,
        SafeString(' <span class="badge text-bg-dark">停拨</span>') if light.suspended else "",
    )


@register.simple_tag(takes_context=True)
def warning_light(context: template.Context, project: Any, page: Any = None) -> SafeString:
    if page is None:
        return light_dot(lights_for([project]).get(project.pk))
    cache = context.render_context
    key = f"alerts_lights_{id(page)}"
    if key not in cache:
        cache[key] = lights_for(getattr(page, "object_list", page))
    return light_dot(cache[key].get(project.pk))


@register.simple_tag(takes_context=True)
def warning_panel(context: template.Context, project: Any) -> SafeString:
    membership = context.get("active_membership")
    if membership is None or not membership.can("alerts.view"):
        return SafeString("")
    info = project_alerts(project)
    if not any([info["light"], info["tier"], info["cases"], info["adjustments"], info["flag"], info["opinion"]]):
        return SafeString("")
    return SafeString(render_to_string("alerts/_panel.html", {"project": project, **info}).strip())
