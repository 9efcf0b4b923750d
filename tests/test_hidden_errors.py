"""A broken or tampered hidden field (the page's `version`) answers 400 with a message the user can act on
(`core.forms.HiddenErrorsMixin`), not a silent 400, and saves nothing."""

from __future__ import annotations

from django import forms

from conftest import World
from jixiao.core.forms import HiddenErrorsMixin

MESSAGE = "页面信息已失效，请刷新页面后重新填写"


class _Form(HiddenErrorsMixin, forms.Form):
    name = forms.CharField()
    version = forms.IntegerField(widget=forms.HiddenInput)


def test_a_hidden_fields_error_becomes_the_forms_own() -> None:
    form = _Form({"name": "x", "version": "abc"})
    assert not form.is_valid() and form.non_field_errors() == [MESSAGE]
    assert _Form({"name": "x", "version": "3"}).is_valid()
    visible_only = _Form({"name": "", "version": "3"})
    assert not visible_only.is_valid() and visible_only.non_field_errors() == []


def test_the_project_page_says_why_a_tampered_version_is_refused(world: World) -> None:
    project = world.school_project
    client = world.login("unit_user")
    page = client.get(f"/projects/{project.pk}/edit/")
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data.update({"name": "不应保存", "version": "abc"})
    data = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items()}
    response = client.post(f"/projects/{project.pk}/edit/", data)
    assert response.status_code == 400 and MESSAGE in response.content.decode()
    project.refresh_from_db()
    assert project.name != "不应保存"
