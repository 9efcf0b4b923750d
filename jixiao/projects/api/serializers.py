from __future__ import annotations

from typing import Any

from rest_framework import serializers

from jixiao.organizations.models import BudgetUnit
from jixiao.projects.models import Project


class ProjectSerializer(serializers.ModelSerializer):
    department_code = serializers.CharField(source="department.dept_code", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    unit_code = serializers.SlugRelatedField(
        source="unit", slug_field="agency_code", queryset=BudgetUnit.objects.none()
    )
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    mof_div_code = serializers.CharField(source="region.mof_div_code", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    total_amount_yuan = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "fiscal_year",
            "mof_div_code",
            "code",
            "name",
            "department_code",
            "department_name",
            "unit_code",
            "unit_name",
            "category",
            "is_new",
            "budget_book",
            "function_code",
            "fiscal_amount_yuan",
            "carryover_amount_yuan",
            "other_amount_yuan",
            "total_amount_yuan",
            "start_year",
            "end_year",
            "tier",
            "is_key",
            "is_policy",
            "is_revised",
            "is_special_bond",
            "is_rural_link",
            "is_agri_integrated",
            "description",
            "status",
            "status_label",
            "version",
            "updated_at",
        ]
        # Status and version move only through the workflow endpoints (no mass assignment).
        read_only_fields = ["id", "status", "version", "updated_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Unit codes are unique per region only: resolve them in the caller's own region.
            region = getattr(request.user.active_membership, "region", None)
            units = BudgetUnit.objects.visible_to(request.user).filter(region=region)
            self.fields["unit_code"].queryset = units  # type: ignore[attr-defined]


class TransitionSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=30)
    comment = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
