from __future__ import annotations

from rest_framework import serializers

from jixiao.execution.models import Payment


class PaymentSerializer(serializers.ModelSerializer[Payment]):
    region_code = serializers.CharField(source="region.mof_div_code", read_only=True)
    unit_code = serializers.CharField(source="unit.agency_code", read_only=True)
    project_code = serializers.CharField(source="project.code", read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "voucher_no",
            "pay_date",
            "fiscal_year",
            "region_code",
            "unit",
            "unit_code",
            "department",
            "project",
            "project_code",
            "amount_yuan",
            "reverses_voucher_no",
            "economic_code",
            "function_code",
            "fund_source",
        ]
        read_only_fields = fields


class PaymentRowSerializer(serializers.Serializer[dict[str, str]]):
    """One row to import (schema only: every row is validated by the import pipeline, errors per row/field)."""

    voucher_no = serializers.CharField(help_text="支付凭证号")
    pay_date = serializers.CharField(help_text="支付日期 YYYY-MM-DD")
    region_code = serializers.CharField(help_text="财政区划编码")
    unit_code = serializers.CharField(help_text="单位编码")
    project_code = serializers.CharField(help_text="项目编码")
    amount_yuan = serializers.CharField(help_text="金额（元），退款或冲销为负数")
    economic_code = serializers.CharField(required=False, help_text="经济分类")
    function_code = serializers.CharField(required=False, help_text="功能分类")
    fund_source = serializers.CharField(required=False, help_text="资金来源")
    reverses_voucher_no = serializers.CharField(required=False, help_text="冲销原凭证号（负数金额必填）")


class PaymentImportRequestSerializer(serializers.Serializer[dict[str, object]]):
    rows = PaymentRowSerializer(many=True)


class PaymentImportResultSerializer(serializers.Serializer[dict[str, object]]):
    import_id = serializers.IntegerField()
    rows_read = serializers.IntegerField()
    imported = serializers.IntegerField()
    skipped = serializers.IntegerField()
    refunds = serializers.IntegerField()
