from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from jixiao.core.money import wan_from_yuan
from jixiao.results.models import ResultApplication


class WanField(serializers.DecimalField):
    """A read-only amount in 万元 next to the stored yuan (6 decimals keep it exact)."""

    def __init__(self, source: str) -> None:
        super().__init__(max_digits=18, decimal_places=6, source=source, read_only=True)

    def to_representation(self, value: Any) -> Any:
        return None if value is None else super().to_representation(wan_from_yuan(Decimal(value)))


class ResultApplicationSerializer(serializers.ModelSerializer):
    project_code = serializers.CharField(source="project.code", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    proposed_action_label = serializers.CharField(source="get_proposed_action_display", read_only=True)
    decided_action_label = serializers.CharField(source="get_decided_action_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    needs_pct = serializers.BooleanField(read_only=True)
    base_amount_wan = WanField("base_amount_yuan")
    proposed_amount_wan = WanField("proposed_amount_yuan")
    decided_amount_wan = WanField("decided_amount_yuan")

    class Meta:
        model = ResultApplication
        fields = [
            "id",
            "fiscal_year",
            "budget_year",
            "project",
            "project_code",
            "project_name",
            "department",
            "department_name",
            "unit",
            "unit_name",
            "grade",
            "reasons",
            "source",
            "proposed_action",
            "proposed_action_label",
            "proposed_pct",
            "needs_pct",
            "enforce",
            "base_amount_yuan",
            "base_amount_wan",
            "executed_yuan",
            "proposed_amount_yuan",
            "proposed_amount_wan",
            "status",
            "status_label",
            "decided_action",
            "decided_action_label",
            "decided_amount_yuan",
            "decided_amount_wan",
            "decision_reason",
            "decided_at",
            "next_year_project",
            "version",
        ]
        read_only_fields = fields
