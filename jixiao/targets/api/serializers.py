from __future__ import annotations

from rest_framework import serializers

from jixiao.indicators.models import Operator, ValueBasis
from jixiao.targets.models import REVIEW_ASPECTS, PerformanceTarget, TargetIndicator


class TargetIndicatorSerializer(serializers.ModelSerializer):
    lv1 = serializers.CharField(source="lv1.name", read_only=True)
    lv2 = serializers.CharField(source="lv2.name", read_only=True)

    class Meta:
        model = TargetIndicator
        fields = [
            "id",
            "seq",
            "year_flag",
            "lv1",
            "lv2",
            "name",
            "operator",
            "target_text",
            "midterm_text",
            "unit",
            "weight",
            "explanation",
            "scoring_standard",
            "value_basis",
            "data_source",
            "remark",
            "is_core",
            "parsed_kind",
            "parsed_op",
            "parsed_value",
            "parsed_unit",
        ]
        read_only_fields = fields


class TargetSerializer(serializers.ModelSerializer):
    mof_div_code = serializers.CharField(source="region.mof_div_code", read_only=True)
    department_code = serializers.CharField(source="department.dept_code", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    unit_code = serializers.CharField(source="unit.agency_code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    project_code = serializers.CharField(source="project.code", read_only=True, default="")
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = PerformanceTarget
        fields = [
            "id",
            "fiscal_year",
            "mof_div_code",
            "subject_type",
            "project_code",
            "name",
            "department_code",
            "department_name",
            "unit_code",
            "unit_name",
            "midterm_goal",
            "annual_goal",
            "mid_total_yuan",
            "mid_fiscal_yuan",
            "annual_total_yuan",
            "annual_fiscal_yuan",
            "basic_yuan",
            "project_spending_yuan",
            "status",
            "status_label",
            "goal_version",
            "review_grade",
            "review_score",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


class TargetDetailSerializer(TargetSerializer):
    indicators = TargetIndicatorSerializer(many=True, read_only=True)

    class Meta(TargetSerializer.Meta):
        fields = [*TargetSerializer.Meta.fields, "review_scores", "indicators"]
        read_only_fields = fields


class IndicatorInputSerializer(serializers.Serializer):
    """One grid row; 一级/二级 are given by name and resolved against the target's framework."""

    lv1 = serializers.CharField(max_length=50)
    lv2 = serializers.CharField(max_length=50)
    name = serializers.CharField(max_length=200)
    operator = serializers.ChoiceField(choices=Operator.choices, default=Operator.GTE)
    target_text = serializers.CharField(max_length=1000)
    midterm_text = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    weight = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True, default=None)
    explanation = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    scoring_standard = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    value_basis = serializers.ChoiceField(choices=ValueBasis.choices, required=False, allow_blank=True, default="")
    data_source = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    remark = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    year_flag = serializers.ChoiceField(choices=TargetIndicator.YearFlag.choices, required=False)
    is_core = serializers.BooleanField(required=False)


# The page's grid takes at most 200 rows (forms.IndicatorFormSet): the API the same.
MAX_GRID_ROWS = 200


def _version() -> serializers.IntegerField:
    """The target's `version` as read (detail): a write over a newer version is refused with 409. Optional."""
    return serializers.IntegerField(required=False, min_value=0, max_value=2**31 - 1)


class IndicatorGridSerializer(serializers.Serializer):
    indicators = IndicatorInputSerializer(many=True)
    version = _version()

    def validate_indicators(self, value: list[dict[str, object]]) -> list[dict[str, object]]:
        if len(value) > MAX_GRID_ROWS:
            raise serializers.ValidationError(f"每个绩效目标最多{MAX_GRID_ROWS}个指标（现有{len(value)}个）")
        return value


class TransitionSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=30)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    # Judging an adjustment (同意/不同意调整) from content older than the target's is refused (services).
    version = _version()
    # 评分审核: {"完整性": 22, …} for a grading step where the region scores its reviews (review_scoring).
    scores = serializers.DictField(
        child=serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100),
        required=False,
    )

    def validate_scores(self, value: dict[str, object]) -> dict[str, object]:
        unknown = sorted(set(value) - set(REVIEW_ASPECTS))
        if unknown:
            raise serializers.ValidationError(f"没有审核要点：{'、'.join(unknown)}（应为{'、'.join(REVIEW_ASPECTS)}）")
        return value
