"""The base of every FilterSet: choices and querysets set per request are never hidden by a cached field."""

from __future__ import annotations

from typing import Any

import django_filters


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
