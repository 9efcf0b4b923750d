"""`core.forms.ModelMultipleChoiceField`: ids no key column can hold are the field's error, not a database error."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from django import forms

from jixiao.core.forms import ModelMultipleChoiceField
from jixiao.organizations.models import FiscalRegion


class RegionsForm(forms.Form):
    regions = ModelMultipleChoiceField(queryset=FiscalRegion.objects.all(), required=False)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["99999999999999999999", "-99999999999999999999", "9223372036854775808"])
def test_an_id_too_large_for_the_key_column_is_invalid(world: Any, value: str) -> None:
    region = FiscalRegion.objects.order_by("pk").first()
    assert region is not None
    form = RegionsForm({"regions": [str(region.pk), value]})
    assert not form.is_valid()
    assert form.errors["regions"][0] == f"“{value}”不是一个有效的值"


@pytest.mark.django_db
def test_real_ids_and_the_largest_id_still_go_through_the_query(world: Any) -> None:
    region = FiscalRegion.objects.order_by("pk").first()
    assert region is not None
    form = RegionsForm({"regions": [str(region.pk)]})
    assert form.is_valid() and list(form.cleaned_data["regions"]) == [region]
    largest = RegionsForm({"regions": ["9223372036854775807"]})  # fits: not found, the usual choice error
    assert not largest.is_valid() and "不在可用的选项中" in largest.errors["regions"][0]


@pytest.mark.parametrize(
    ("line", "refused"),
    [
        ("    units = forms.ModelMultipleChoiceField(queryset=None)", True),
        ("    units = ModelMultipleChoiceField(queryset=None)", False),
        ("    assert isinstance(field, forms.ModelMultipleChoiceField)", False),
    ],
)
def test_djangos_field_is_refused_by_the_house_checks(line: str, refused: bool) -> None:
    script = Path(__file__).resolve().parents[3] / "scripts" / "check_patterns.py"
    spec = importlib.util.spec_from_file_location("check_patterns", script)
    assert spec is not None and spec.loader is not None
    checker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checker)
    assert bool(checker.MULTI_CHOICE.search(line)) is refused
