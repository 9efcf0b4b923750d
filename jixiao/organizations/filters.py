"""The 财政区划 filter of the lists a city or province user reads: a county, or a city with its counties, chosen
from the user's own subtree. `RegionFilter` in a FilterSet (projects, targets, payments, departments, units),
`add_region_field` in a list's filter form (warnings, monitoring records, self-evaluations, pre-assessments,
rectifications, result applications). `OwnRegionFilter`: 仅本区划, for the lists whose export re-imports (units,
experts): the importer's own rows only."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

from jixiao.core.filters import YesNoFilter
from jixiao.organizations import selectors
from jixiao.organizations.models import FiscalRegion


class RegionChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Regions below the user's own (`top`, set by `limit_region_field` or `RegionFilter`), each indented by its
    depth under it: a province user's counties under their cities, a city user's counties flush."""

    top: FiscalRegion | None = None

    def label_from_instance(self, obj: FiscalRegion) -> str:
        depth = obj.path.count("/") - (self.top.path.count("/") + 1 if self.top is not None else 1)
        return "\u3000" * max(depth, 0) + obj.name


def limit_region_field(field: RegionChoiceField, user: Any) -> None:
    """The choices of a multi-county user's region field: their own cities and counties, indented under their
    region."""
    field.queryset = selectors.region_filter_choices(user)
    field.top = user.active_membership.region


def add_region_field(form: forms.Form, user: Any, *, after: str) -> None:
    """A list filter form's 财政区划 field, placed after the field `after`, for a multi-county user (their own cities
    and counties; anything else is an invalid choice); nothing for anyone else. The list's selector narrows by
    `params["region"]` with `organizations.selectors.in_region`. Call it before the form is styled."""
    if not selectors.spans_counties(user):
        return
    field = RegionChoiceField(
        label="财政区划", required=False, empty_label="全部", queryset=FiscalRegion.objects.none()
    )
    limit_region_field(field, user)
    fields = list(form.fields.items())
    position = next(i for i, (name, _field) in enumerate(fields) if name == after) + 1
    form.fields = dict([*fields[:position], ("region", field), *fields[position:]])


class RegionFilter(django_filters.ModelChoiceFilter):
    """Rows of the chosen region and every region under it (`<path_field>__startswith`). Call
    `limit_region_filter(self, user)` in the FilterSet's __init__: the choices are the user's own cities and
    counties, so a region outside the scope is not a valid choice; for a county's users the filter is removed."""

    field_class = RegionChoiceField
    top: FiscalRegion | None = None  # the user's own region, set by `limit_region_filter`

    def __init__(self, *args: Any, path_field: str = "region__path", **kwargs: Any) -> None:
        kwargs.setdefault("label", "财政区划")
        kwargs.setdefault("empty_label", "全部")
        kwargs.setdefault("queryset", FiscalRegion.objects.none())
        super().__init__(*args, **kwargs)
        self.path_field = path_field

    @property
    def field(self) -> Any:
        field = super().field
        field.top = self.top
        return field

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        return selectors.in_region(qs, value or None, self.path_field)


def limit_region_filter(filterset: Any, user: Any, name: str = "region") -> None:
    """Offer `filterset.filters[name]` to multi-county users with their own regions; drop it for everyone else."""
    if selectors.spans_counties(user):
        region_filter = filterset.filters[name]
        region_filter.queryset = selectors.region_filter_choices(user)
        region_filter.top = user.active_membership.region
    else:
        del filterset.filters[name]


class OwnRegionFilter(YesNoFilter):
    """仅本区划: the rows of the user's own region, without those of the regions under it (an import takes both: each
    row goes to the region its 财政区划编码 names). Call `limit_own_region_filter(self, user)` in the FilterSet's
    __init__: the filter is offered only to a user whose region has regions under it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label", "范围")
        kwargs.setdefault("yes", "仅本区划")
        kwargs.setdefault("no", "含下级区划")
        super().__init__(*args, **kwargs)
        self.region: FiscalRegion | None = None

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        return qs.filter(region_id=self.region.pk) if value and self.region is not None else qs


def limit_own_region_filter(filterset: Any, user: Any, name: str = "own_region") -> None:
    """Offer `filterset.filters[name]` to a user whose region has regions under it; drop it for everyone else."""
    membership = getattr(user, "active_membership", None)
    if membership is not None and len(membership.region.subtree_ids) > 1:
        filterset.filters[name].region = membership.region
    else:
        del filterset.filters[name]
