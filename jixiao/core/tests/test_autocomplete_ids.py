"""A search-box choice field (one row or several) refuses a value that is no id — a number beyond a bigint that
SQLite cannot even compare (OverflowError, a 500), a digit int() cannot read — with the field's own invalid-choice
message; letters are refused by Django's own lookup (the multiple choice's “abc”不是一个有效的值)."""

from __future__ import annotations

import pytest
from django import forms

from jixiao.core.filters import AutocompleteModelChoiceField, AutocompleteModelMultipleChoiceField
from jixiao.core.models import Job

pytestmark = pytest.mark.django_db

TOO_BIG = ["99999999999999999999", "9223372036854775808", "-99999999999999999999", "²", "abc", "-1"]


class _Form(forms.Form):
    one = AutocompleteModelChoiceField(queryset=Job.objects.all(), url_name="jobs:list", required=False)
    many = AutocompleteModelMultipleChoiceField(queryset=Job.objects.all(), url_name="jobs:list", required=False)


@pytest.mark.parametrize("value", TOO_BIG)
def test_a_value_that_is_no_id_is_an_invalid_choice_not_a_crash(value: str) -> None:
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    data.setlist("many", ["1", value])
    data["one"] = value
    form = _Form(data)
    assert not form.is_valid()
    assert [e.code for e in form.errors.as_data()["one"]] == ["invalid_choice"]
    if value == "abc":
        assert [e.code for e in form.errors.as_data()["many"]] == ["invalid_pk_value"]
        assert "不是一个有效的值" in form.errors["many"][0]
    else:
        assert [e.code for e in form.errors.as_data()["many"]] == ["invalid_choice"]
        assert "选择一个有效的选项" in form.errors["many"][0]
