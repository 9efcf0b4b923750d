"""One FilterSet serves the list page and the export: the same rows everywhere."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from jixiao.core.filters import FilterSet, YesNoFilter
from jixiao.core.forms import bootstrapify
from jixiao.experts import selectors
from jixiao.experts.models import Expert, expert_index
from jixiao.organizations.filters import OwnRegionFilter, limit_own_region_filter


class ExpertFilterSet(FilterSet):
    q = django_filters.CharFilter(label="关键字", method="filter_q")
    field = django_filters.ChoiceFilter(label="专业领域", choices=[], empty_label="全部")
    kind = django_filters.ChoiceFilter(label="类别", choices=Expert.Kind.choices, empty_label="全部")
    is_active = YesNoFilter(label="状态", yes="在库", no="已出库")
    own_region = OwnRegionFilter()  # users whose region has regions under it: the export that re-imports

    class Meta:
        model = Expert
        fields: list[str] = []

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["field"].extra["choices"] = [(f, f) for f in selectors.expert_fields(user)]
        limit_own_region_filter(self, user)
        self.form.fields["q"].widget.attrs["placeholder"] = "姓名、职称、工作单位，或完整手机号/身份证号"
        bootstrapify(self.form)

    def filter_q(self, queryset: QuerySet[Expert], name: str, value: str) -> QuerySet[Expert]:
        value = value.strip()
        if not value:
            return queryset
        text = Q(name__icontains=value) | Q(title__icontains=value) | Q(affiliation__icontains=value)
        # Phone and ID number are encrypted: an exact full number is found through the HMAC-SM3 blind index.
        exact = Q(phone_index=expert_index("phone", value)) | Q(id_number_index=expert_index("id_number", value))
        return queryset.filter(text | exact)
