"""Formatting used on every page: money in 万元, rates, dates, status badges."""

from __future__ import annotations

import html
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django_filters.widgets import BaseCSVWidget

from jixiao.core import audit_labels, once
from jixiao.core.money import format_wan, format_yuan
from jixiao.core.views_helpers import may_open

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
def wan_text(yuan: Any) -> str:
    """A yuan amount kept as text in a snapshot (JSON keeps it exact as text) → 万元 with 2 places (“—” when empty)."""
    if yuan in (None, ""):
        return "—"
    try:
        return format_wan(Decimal(str(yuan)))
    except InvalidOperation:
        return "—"


@register.filter
def yuan(amount: Decimal | None) -> str:
    """元 → “1,234.56” (元, to the cent)."""
    return format_yuan(amount)


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


@register.filter
def event_label(code: str) -> str:
    """An audit event code in Chinese ("项目库：提交审核"), `core.audit_labels`."""
    return audit_labels.event_label(code)


@register.filter
def action_label(action: str, module: str) -> str:
    """A workflow action of `module` in Chinese: `{{ e.action|action_label:"project" }}` → "提交审核"."""
    return audit_labels.action_label(module, action)


@register.filter
def object_label(object_type: str) -> str:
    return audit_labels.object_label(object_type)


@register.filter
def if_open(url: str, user: Any) -> str:
    """`url` when `user` may open it, else "": for `{% link_or_text %}` (`core.views_helpers.may_open`)."""
    return url if url and may_open(user, url) else ""


@register.simple_tag
def link_or_text(url: str, text: Any, css: str = "", testid: str = "") -> str:
    """A link to `url`, or the bare text when there is none (the page does not exist, or the viewer may not open it:
    `core.views_helpers.may_open`), so that a page never offers a link that answers 403."""
    attrs = format_html(
        "{}{}",
        format_html(' class="{}"', css) if css else "",
        format_html(' data-testid="{}"', testid) if testid else "",
    )
    if url:
        return format_html('<a href="{}"{}>{}</a>', url, attrs, text)
    return format_html("<span{}>{}</span>", attrs, text)


@register.simple_tag(takes_context=True)
def submit_once(context: dict[str, Any]) -> str:
    """A register form's one-time token (core.once): the one posted when the form is shown again after a refusal,
    else a fresh one."""
    request = context.get("request")
    token = (once.posted_token(request) if request is not None else None) or once.new_token()
    return format_html('<input type="hidden" name="{}" value="{}">', once.TOKEN_FIELD, token)


@register.simple_tag(takes_context=True)
def query_replace(context: dict[str, Any], **kwargs: Any) -> str:
    """Current querystring with some keys replaced (pagination links keep the filters)."""
    request = context["request"]
    params = request.GET.copy()
    for key, value in kwargs.items():
        params[key] = value
    return urlencode(list(params.lists()), doseq=True)


# The widget kinds filter forms use. Django renders every widget through its own template (a dozen template
# lookups and context builds per <select>), and format_html/flatatt pay for lazy-string checks on every option:
# together a fifth of a list page's time. These are rendered with plain string building and html.escape.
_FAST_INPUTS = (forms.TextInput, forms.NumberInput, forms.DateInput, forms.SearchInput)


def _is_fast_select(kind: type) -> bool:
    # django-filter's ordering field builds its "CSVSelect" class on the fly: (BaseCSVWidget, Select).
    return kind is forms.Select or kind.__bases__ == (BaseCSVWidget, forms.Select)


def _esc(value: Any) -> str:
    """conditional_escape without the lazy-object machinery: safe strings pass, the rest is escaped."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def _attrs(attrs: dict[str, Any]) -> str:
    """django.forms.utils.flatatt: True → bare attribute, False/None → left out."""
    out = []
    for key, value in attrs.items():
        if isinstance(value, bool):
            if value:
                out.append(f" {_esc(key)}")
        elif value is not None:
            out.append(f' {_esc(key)}="{_esc(value)}"')
    return "".join(out)


@register.simple_tag
def filter_field(field: BoundField) -> str:
    """`{{ field }}` for a filter form's selects and plain inputs, without the widget templates.

    Produces the same markup as Django's widgets (attributes, selected options, escaping; a test compares them);
    any other widget (custom ones, multiple selects, grouped choices) is rendered the usual way."""
    widget = field.field.widget
    kind = type(widget)
    if not _is_fast_select(kind) and kind not in _FAST_INPUTS:
        return str(field)
    # The attributes as BoundField.as_widget and Widget.get_context build them (required, disabled, aria-*, id).
    extra = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        extra.setdefault("id", field.auto_id)
    attrs = widget.build_attrs(widget.attrs, extra)
    if _is_fast_select(kind):
        return _fast_select(field, widget, attrs)
    value = widget.format_value(field.value())
    if value is not None:
        attrs["value"] = value
    return mark_safe(f'<input type="{_esc(widget.input_type)}" name="{_esc(field.html_name)}"{_attrs(attrs)}>')  # noqa: S308


def _fast_select(field: BoundField, widget: Any, attrs: dict[str, Any]) -> str:
    value = field.value()
    if isinstance(widget, BaseCSVWidget) and isinstance(value, (list, tuple)):
        value = ",".join(str(v) for v in value)
    chosen = set(widget.format_value(value))
    options = []
    for value, label in widget.choices:
        if isinstance(label, (list, tuple)):  # an <optgroup>: leave it to Django
            return str(field)
        text = "" if value is None else str(value)
        selected = " selected" if text in chosen else ""
        chosen.discard(text)  # a single select marks only the first match, as Django does
        options.append(f'<option value="{_esc(text)}"{selected}>{_esc(label)}</option>')
    body = "".join(options)
    return mark_safe(f'<select name="{_esc(field.html_name)}"{_attrs(attrs)}>{body}</select>')  # noqa: S308
