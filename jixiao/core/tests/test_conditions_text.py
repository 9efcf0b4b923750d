"""The 说明 of a list's export or query in the audit trail: its conditions in words, never a raw query string."""

from __future__ import annotations

from django import forms
from django.http import QueryDict

from jixiao.core.forms import YearField, conditions_text


class _Filters(forms.Form):
    fiscal_year = YearField(label="年度", required=False)
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), ("in_library", "已入库"), ("draft", "草稿")]
    )
    grouped = forms.ChoiceField(label="类别", required=False, choices=[("", "全部"), ("组", [("a", "甲类")])])
    policy = forms.NullBooleanField(
        label="政策类", required=False, widget=forms.Select(choices=[("", "全部"), ("true", "是"), ("false", "否")])
    )
    q = forms.CharField(label="关键词", required=False)


def _text(query: str, with_form: bool = True) -> str:
    data = QueryDict(query)
    form = _Filters(data) if with_form else None
    if form is not None:
        form.is_valid()
    return conditions_text(data, form)


def test_each_filled_box_is_named_by_its_label_and_shown_value() -> None:
    text = _text("fiscal_year=2026&status=in_library&grouped=a&policy=true&q=%E4%B8%80%E4%B8%AD&page=3&format=csv")
    assert text == "年度=2026；状态=已入库；类别=甲类；政策类=是；关键词=一中"


def test_empty_boxes_are_left_out_and_nothing_asked_says_so() -> None:
    assert _text("fiscal_year=&status=&page=2") == "全部（无查询条件）"


def test_a_value_the_form_refused_and_an_unknown_parameter_are_named_as_typed() -> None:
    assert _text("fiscal_year=20266&sort=-code") == "年度=20266；sort=-code"


def test_without_a_form_the_query_is_decoded_not_percent_encoded() -> None:
    assert _text("q=%E4%B8%80%E4%B8%AD&status=draft", with_form=False) == "q=一中；status=draft"
