from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from jixiao.core.money import wan_from_yuan
from jixiao.preassessment.models import SECTION_FIELDS, Conclusion, PreAssessment

MONEY = {"max_digits": 18, "decimal_places": 2}


class WanField(serializers.DecimalField):
    """A read-only amount in 万元 next to the stored yuan (6 decimals keep it exact)."""

    def __init__(self, source: str) -> None:
        super().__init__(max_digits=18, decimal_places=6, source=source, read_only=True)

    def to_representation(self, value: Any) -> Any:
        return None if value is None else super().to_representation(wan_from_yuan(Decimal(value)))


class PreAssessmentSerializer(serializers.ModelSerializer):
    project_code = serializers.CharField(source="project.code", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)
    department_code = serializers.CharField(source="department.dept_code", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    unit_code = serializers.CharField(source="unit.agency_code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    conclusion_label = serializers.CharField(source="get_conclusion_display", read_only=True)
    requested_amount_wan = WanField("requested_amount_yuan")
    supported_amount_wan = WanField("supported_amount_yuan")
    reduction_amount_wan = WanField("reduction_amount_yuan")
    is_supported = serializers.BooleanField(read_only=True)
    agency_name = serializers.CharField(read_only=True)

    class Meta:
        model = PreAssessment
        fields = [
            "id",
            "fiscal_year",
            "project",
            "project_code",
            "project_name",
            "department_code",
            "department_name",
            "unit_code",
            "unit_name",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "requested_amount_yuan",
            "requested_amount_wan",
            "score",
            "suggested_conclusion",
            "conclusion",
            "conclusion_label",
            "supported_amount_yuan",
            "supported_amount_wan",
            "reduction_amount_yuan",
            "reduction_amount_wan",
            "revision_accepted",
            "is_supported",
            "agency_name",
            "submitted_at",
            "concluded_at",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


class PanelMemberSerializer(serializers.Serializer):
    expert = serializers.CharField(source="member.expert.name")
    deadline = serializers.DateField(source="member.deadline")
    submitted_at = serializers.DateTimeField(source="member.submitted_at")
    total = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    flagged = serializers.BooleanField()


class PanelSummarySerializer(serializers.Serializer):
    members = PanelMemberSerializer(source="rows", many=True)
    submitted = serializers.IntegerField()
    average = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    outlier_points = serializers.DecimalField(source="threshold", max_digits=5, decimal_places=2)


class PreAssessmentDetailSerializer(PreAssessmentSerializer):
    panel = serializers.SerializerMethodField()

    class Meta(PreAssessmentSerializer.Meta):
        fields = [
            *PreAssessmentSerializer.Meta.fields,
            *SECTION_FIELDS,
            "override_reason",
            "conclusion_opinion",
            "panel",
        ]
        read_only_fields = fields

    def get_panel(self, obj: PreAssessment) -> dict[str, Any] | None:
        summary = self.context.get("panel")
        return None if summary is None else dict(PanelSummarySerializer(summary).data)


class FilingSerializer(serializers.Serializer):
    """The unit's filing: the project (create only), the kind, the requested amount in yuan and the sections."""

    project = serializers.IntegerField(required=False)
    kind = serializers.ChoiceField(choices=PreAssessment.Kind.choices, required=False)
    requested_amount_yuan = serializers.DecimalField(**MONEY, required=False, allow_null=True)  # type: ignore[arg-type]
    basic_situation = serializers.CharField(max_length=8000, required=False, allow_blank=True)
    necessity = serializers.CharField(max_length=8000, required=False, allow_blank=True)
    economy = serializers.CharField(max_length=8000, required=False, allow_blank=True)
    target_reasonableness = serializers.CharField(max_length=8000, required=False, allow_blank=True)
    implementation_feasibility = serializers.CharField(max_length=8000, required=False, allow_blank=True)
    funding_compliance = serializers.CharField(max_length=8000, required=False, allow_blank=True)
    other = serializers.CharField(max_length=8000, required=False, allow_blank=True)


class TransitionSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=30)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ConcludeSerializer(serializers.Serializer):
    conclusion = serializers.ChoiceField(choices=Conclusion.choices)
    supported_amount_yuan = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)  # type: ignore[arg-type]
    score = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True, default=None)
    override_reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    opinion = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
