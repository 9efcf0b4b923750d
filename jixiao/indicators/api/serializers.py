from __future__ import annotations

from rest_framework import serializers

from jixiao.indicators.models import FrameworkNode, IndicatorFramework, IndicatorLibraryItem


class IndicatorLibraryItemSerializer(serializers.ModelSerializer):
    framework = serializers.CharField(source="framework.code", read_only=True)
    category_code = serializers.CharField(source="category.code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    lv1 = serializers.CharField(source="lv1.name", read_only=True)
    lv2 = serializers.CharField(source="lv2.name", read_only=True)
    operator_label = serializers.CharField(source="get_operator_display", read_only=True)
    value_basis_label = serializers.CharField(source="get_value_basis_display", read_only=True)
    mof_div_code = serializers.CharField(source="region.mof_div_code", read_only=True, default=None)
    department_code = serializers.CharField(source="department.dept_code", read_only=True, default=None)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = IndicatorLibraryItem
        fields = [
            "id",
            "code",
            "framework",
            "category_code",
            "category_name",
            "lv1",
            "lv2",
            "name",
            "is_common",
            "operator",
            "operator_label",
            "unit",
            "typical_value",
            "explanation",
            "scoring_standard",
            "value_basis",
            "value_basis_label",
            "data_source",
            "is_core",
            "library_level",
            "mof_div_code",
            "department_code",
            "status",
            "status_label",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


class FrameworkNodeSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", read_only=True, default=None)

    class Meta:
        model = FrameworkNode
        fields = ["id", "level", "code", "name", "parent_code", "default_weight", "order"]
        read_only_fields = fields


class IndicatorFrameworkSerializer(serializers.ModelSerializer):
    nodes = FrameworkNodeSerializer(many=True, read_only=True)

    class Meta:
        model = IndicatorFramework
        fields = ["id", "code", "name", "basis", "is_active", "nodes"]
        read_only_fields = fields
