"""`core.lookups.IntegerFieldIn` (tested here, where there are rows to match): `__in` with numbers no integer column
can hold matches no row instead of failing (SQLite's driver refuses to bind them: a tampered id in a several-rows
form field was a 500)."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms

from jixiao.organizations.models import FiscalRegion
from jixiao.projects.models import Project

HUGE = ["99999999999999999999", "-99999999999999999999", "9223372036854775808"]


class RegionsForm(forms.Form):
    regions = forms.ModelMultipleChoiceField(queryset=FiscalRegion.objects.all(), required=False)


@pytest.mark.django_db
def test_in_drops_values_beyond_the_column_and_keeps_the_rest(world: Any) -> None:
    region = FiscalRegion.objects.order_by("pk").first()
    assert region is not None
    huge = [int(value) for value in HUGE]
    assert list(FiscalRegion.objects.filter(pk__in=[region.pk, *huge])) == [region]
    assert not FiscalRegion.objects.filter(pk__in=huge).exists()
    assert FiscalRegion.objects.exclude(pk__in=huge).count() == FiscalRegion.objects.count()
    # A smaller column has a smaller range (fiscal_year is a PositiveSmallIntegerField).
    years = list(Project.objects.values_list("fiscal_year", flat=True).distinct())
    assert years and Project.objects.filter(fiscal_year__in=[*years, 10**6, -1]).count() == Project.objects.count()


@pytest.mark.django_db
@pytest.mark.parametrize("value", HUGE)
def test_a_posted_id_beyond_the_key_column_is_the_fields_error(world: Any, value: str) -> None:
    region = FiscalRegion.objects.order_by("pk").first()
    assert region is not None
    form = RegionsForm({"regions": [str(region.pk), value]})
    assert not form.is_valid()
    assert form.errors["regions"][0] == f"选择一个有效的选项。 {value} 不在可用的选项中。"
    form = RegionsForm({"regions": [str(region.pk)]})
    assert form.is_valid() and list(form.cleaned_data["regions"]) == [region]
