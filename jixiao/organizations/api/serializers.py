from rest_framework import serializers

from jixiao.organizations.models import BudgetUnit, Department, FiscalRegion


class FiscalRegionSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.mof_div_code", read_only=True, default=None)

    class Meta:
        model = FiscalRegion
        fields = ["id", "mof_div_code", "name", "level", "parent_code"]


class DepartmentSerializer(serializers.ModelSerializer):
    mof_div_code = serializers.CharField(source="region.mof_div_code", read_only=True)
    finance_section_name = serializers.CharField(source="finance_section.name", read_only=True, default=None)

    class Meta:
        model = Department
        fields = [
            "id",
            "mof_div_code",
            "dept_code",
            "name",
            "finance_section_name",
            "is_key_focus",
            "is_town",
            "is_active",
        ]


class BudgetUnitSerializer(serializers.ModelSerializer):
    mof_div_code = serializers.CharField(source="region.mof_div_code", read_only=True)
    dept_code = serializers.CharField(source="department.dept_code", read_only=True)
    parent_code = serializers.CharField(source="parent.agency_code", read_only=True, default=None)

    class Meta:
        model = BudgetUnit
        fields = ["id", "mof_div_code", "agency_code", "name", "dept_code", "parent_code", "level", "kind", "is_active"]
