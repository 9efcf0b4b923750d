"""The base of every FilterSet, and a scoped id filter that scales to any number of rows.

`ScopedIdFilter` replaces `ModelChoiceFilter` where the choices are many (80,000 预算单位 for a province user):
the page renders a hidden id plus a search box (`static/js/autocomplete.js` asks a JSON endpoint for the first
matches as the user types) instead of one `<option>` per row, and the id is checked against the user's own
scope inside the same SQL statement, so a tampered or foreign id matches nothing.

On forms, `AutocompleteModelChoiceField` and `AutocompleteModelMultipleChoiceField` do the same for one or several
rows (the chosen ones shown as removable badges); the ids are validated against the field's scoped queryset.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import django_filters
from django import forms
from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR, MAX_ID, id_or_none, is_digits


class FilterSet(django_filters.FilterSet):
    """django-filter caches a filter's form field on first use. Schema generation (drf-spectacular) builds those
    fields on the class-level filters, with the empty placeholder choices and querysets, and every later copy
    would inherit them; so each FilterSet drops cached fields before building its form, after its __init__ has
    filled the user's own choices and querysets."""

    @property
    def form(self) -> Any:
        if not hasattr(self, "_form"):
            for item in self.filters.values():
                item.__dict__.pop("_field", None)
        return super().form


class AutocompleteWidget(forms.TextInput):
    """A hidden input carrying the id and a search box showing the chosen row's name.

    Without JavaScript the chosen id still round-trips; with it, typing asks `url` (`?q=…`) for
    `{"results": [{"id", "text"}]}` and a click fills both inputs."""

    def __init__(
        self, url_name: str, attrs: dict[str, Any] | None = None, params: dict[str, str] | None = None
    ) -> None:
        super().__init__(attrs)
        self.url_name = url_name
        self.params = params or {}  # narrows the search (e.g. {"status": "in_library"})
        self.queryset: QuerySet[Any] | None = None
        self.describe: Any = str  # a chosen row's name in the box (a form may name its rows otherwise)

    def search_url(self) -> str:
        url = reverse(self.url_name)
        return f"{url}?{urlencode(self.params)}" if self.params else url

    def label_for(self, value: Any) -> str:
        pk = id_or_none(value)  # a tampered id beyond a bigint would overflow the query (SQLite): no row
        if pk is None or self.queryset is None:
            return ""
        row = self.queryset.filter(pk=pk).first()
        return self.describe(row) if row is not None else ""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> Any:
        value = "" if value in (None, "") else str(value)
        chosen = format_html('<input type="hidden" name="{}" value="{}" data-jx-ac-value>', name, value)
        return self._box(name, attrs, chosen, label=self.label_for(value), placeholder="输入名称或编码搜索")

    def _box(self, name: str, attrs: Any, chosen: Any, *, label: str, placeholder: str, multiple: bool = False) -> Any:
        """The search box and its suggestion list after `chosen` (the hidden id, or the badges of several rows)."""
        final = self.build_attrs(self.attrs, attrs)
        return format_html(
            '<div class="jx-autocomplete position-relative" data-jx-autocomplete="{url}"{multiple}>{chosen}'
            '<input type="search" id="{id}" class="{css}" value="{label}" placeholder="{placeholder}"'
            ' autocomplete="off" role="combobox" aria-autocomplete="list" aria-expanded="false" data-jx-ac-input>'
            '<div class="list-group position-absolute w-100 shadow-sm d-none z-3 overflow-auto jx-ac-list"'
            ' role="listbox" data-jx-ac-list></div></div>',
            url=self.search_url(),
            multiple=SafeString(" data-jx-ac-multiple") if multiple else "",
            chosen=chosen,
            id=final.get("id", f"id_{name}"),
            css=final.get("class", "form-control"),
            label=label,
            placeholder=placeholder,
        )


# A chosen row of a several-rows search box: its name, its id for the form, a button removing it.
CHIP = (
    '<span class="badge text-bg-light border fw-normal me-1 mb-1" data-jx-ac-chip>{}'
    '<input type="hidden" name="{}" value="{}">'
    '<button type="button" class="btn-close ms-1 align-middle" aria-label="移除" data-jx-ac-remove></button>'
    "</span>"
)


class AutocompleteMultipleWidget(AutocompleteWidget):
    """Several rows: each chosen row is a badge carrying a hidden id (a button removes it), and the search box adds
    more. Without JavaScript the chosen ids still round-trip."""

    allow_multiple_selected = True

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False  # no id at all is an empty choice, not a missing field

    def chosen(self, values: Any) -> list[tuple[int, str]]:
        ids = [int(v) for v in map(str, values) if is_digits(v) and int(v) <= MAX_ID]  # others name no row
        if not ids or self.queryset is None:
            return []
        names = {row.pk: self.describe(row) for row in self.queryset.filter(pk__in=ids)}
        return [(pk, names[pk]) for pk in dict.fromkeys(ids) if pk in names]

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> Any:
        values = value if isinstance(value, (list, tuple)) else ([] if value in (None, "") else [value])
        chips = format_html_join("", CHIP, ((label, name, pk) for pk, label in self.chosen(values)))
        # The script clones this empty badge for each row chosen in the page: the markup lives here only.
        blank = format_html("<template data-jx-ac-chip-template>{}</template>", format_html(CHIP, "", name, ""))
        chosen = format_html("<div data-jx-ac-chosen>{}</div>{}", chips, blank)
        return self._box(name, attrs, chosen, label="", placeholder="输入名称或编码搜索，可选多个", multiple=True)


class _SearchBoxField:
    """A model choice field over many rows (a province's 主管部门, 预算单位 or projects): the page renders a search box
    instead of one `<option>` per row, and the chosen ids are still validated against `queryset` (an id outside it
    is a form error, as with a select)."""

    widget_class: type[AutocompleteWidget] = AutocompleteWidget

    def __init__(self, *args: Any, url_name: str, params: dict[str, str] | None = None, **kwargs: Any) -> None:
        kwargs["widget"] = self.widget_class(url_name, params=params)
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]

    def _set_queryset(self, queryset: Any) -> None:
        forms.ModelChoiceField._set_queryset(self, queryset)  # type: ignore[attr-defined]
        self.widget.queryset = self.queryset  # type: ignore[attr-defined]  # the chosen rows' names on the page

    def _refuse_non_ids(self, values: Any) -> None:
        """A number that is no id (beyond a bigint: SQLite overflows on it, a 500; or a digit `int()` cannot read, ²)
        names no row: refused with the field's own invalid-choice message before any query. Text is left to Django,
        whose own lookup refuses it (the multiple choice's “abc”不是一个有效的值)."""
        if getattr(self, "to_field_name", None):
            return
        for value in values:
            text = str(value).strip()
            if text.lstrip("+-").isdigit() and id_or_none(text) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],  # type: ignore[attr-defined]
                    code="invalid_choice",
                    params={"value": value},
                )


class AutocompleteModelChoiceField(_SearchBoxField, forms.ModelChoiceField):  # type: ignore[type-arg]
    queryset = property(forms.ModelChoiceField._get_queryset, _SearchBoxField._set_queryset)  # type: ignore[attr-defined]

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and not isinstance(value, Model):  # a row given as initial is no input
            self._refuse_non_ids([value])
        return super().to_python(value)


class AutocompleteModelMultipleChoiceField(_SearchBoxField, forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    widget_class = AutocompleteMultipleWidget
    queryset = property(forms.ModelChoiceField._get_queryset, _SearchBoxField._set_queryset)  # type: ignore[attr-defined]

    def _check_values(self, value: Any) -> Any:
        self._refuse_non_ids(value)
        return super()._check_values(value)  # type: ignore[misc]  # a Django method the stubs leave out


class YearFilter(django_filters.NumberFilter):
    """年度 of a list's filter: a year from FIRST_YEAR to LAST_YEAR (2000–2100; `core.forms.YearField` is the plain
    forms' twin). 20266 typed for 2026 is an invalid filter value, named at its box (确保该值小于或等于2100) and left
    out, not a filter that silently lists nothing; the API answers 400."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label", "年度")
        kwargs.setdefault("min_value", FIRST_YEAR)
        kwargs.setdefault("max_value", LAST_YEAR)
        super().__init__(*args, **kwargs)


class _YesNoField(forms.NullBooleanField):
    """是/否 of a filter: true/false (or 1/0) and empty for 全部. Anything else is an invalid value named at its box
    (the API answers 400), not a filter that silently lists everything (NullBooleanField reads "maybe" as 全部)."""

    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]
        if value in (None, "", "unknown"):
            return None
        if value in (True, "True", "true", "1"):
            return True
        if value in (False, "False", "false", "0"):
            return False
        raise forms.ValidationError("请选择“是”或“否”（true 或 false）", code="invalid")


class YesNoFilter(django_filters.BooleanFilter):
    """A list's 是/否 filter, shown as a select of 全部 / `yes` / `no` (e.g. 启用 / 停用)."""

    field_class = _YesNoField

    def __init__(self, *args: Any, yes: str = "是", no: str = "否", **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.Select(choices=[("", "全部"), ("true", yes), ("false", no)]))
        super().__init__(*args, **kwargs)


class IdFilter(django_filters.NumberFilter):
    """Filter by a row's id carried in a link (`?project=<id>`): a whole number from 1 to MAX_ID; anything else is
    an invalid filter value and is left out, like any other filter's bad value."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class ScopedIdField(forms.IntegerField):
    widget = AutocompleteWidget


class ScopedIdFilter(django_filters.Filter):
    """Filter by the id of a row the user may see (a 主管部门 or 预算单位), chosen by search-as-you-type.

    Set `queryset` to the user's scoped rows in the FilterSet's __init__. The id is matched through
    `field_name__in=<scoped rows with that id>`, one subquery in the list's own statement: an id outside the
    scope matches nothing, and the page never loads the choices."""

    field_class = ScopedIdField

    def __init__(self, *args: Any, url_name: str, queryset: QuerySet[Any] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
        self.url_name = url_name
        self.queryset = queryset

    @property
    def field(self) -> Any:
        if not hasattr(self, "_field"):
            self.extra["widget"] = AutocompleteWidget(self.url_name)
            field = super().field
            field.widget.queryset = self.queryset
        return self._field

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value in (None, ""):
            return qs
        if self.queryset is None:
            return qs.none()
        return self.get_method(qs)(**{f"{self.field_name}__in": self.queryset.filter(pk=value).values("pk")})
