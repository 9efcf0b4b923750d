"""Helpers shared by the apps' page tests."""

from __future__ import annotations

from typing import Any

from django import forms


def shown_form_data(form: forms.BaseForm, **overrides: Any) -> dict[str, Any]:
    """What a browser posts back for `form` as a page showed it (unbound: its initial values, hidden `version` and
    `lock_token` included), with `overrides` by field name."""
    data: dict[str, Any] = {}
    for bound in form:
        value = bound.value()
        if isinstance(bound.field.widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [getattr(v, "pk", v) for v in value]
        elif value is not None:
            data[bound.html_name] = getattr(value, "pk", value)
    data.update(overrides)
    return data
