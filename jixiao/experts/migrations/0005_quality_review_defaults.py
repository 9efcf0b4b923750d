"""The national default of the quality review (DOMAIN.md §2.8): equal weights, 优秀 ≥ 90 / 良好 ≥ 80 / 合格 ≥ 60."""

from decimal import Decimal

from django.db import migrations

ASPECTS = ["basic_mgmt", "service_quality", "archives", "branch_mgmt", "completeness", "timeliness"]


def forwards(apps, schema_editor):
    Setting = apps.get_model("experts", "QualityReviewSetting")
    Setting.objects.get_or_create(
        region=None,
        fiscal_year=None,
        defaults={
            "weights": {code: 1 for code in ASPECTS},
            "excellent_min": Decimal(90),
            "good_min": Decimal(80),
            "pass_min": Decimal(60),
            "suspend_on_fail": True,
        },
    )


def backwards(apps, schema_editor):
    apps.get_model("experts", "QualityReviewSetting").objects.filter(region=None, fiscal_year=None).delete()


class Migration(migrations.Migration):
    dependencies = [("experts", "0004_engagements_quality_reviews")]

    operations = [migrations.RunPython(forwards, backwards)]
