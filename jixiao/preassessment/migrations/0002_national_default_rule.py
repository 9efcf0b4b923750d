"""The national default rule row (DOMAIN.md §2.1): new projects and policies from 30万元, revised and expiring ones."""

from decimal import Decimal

from django.db import migrations


def create_default(apps, schema_editor):
    RuleSet = apps.get_model("preassessment", "PreAssessmentRuleSet")
    RuleSet.objects.get_or_create(
        region=None,
        fiscal_year=None,
        defaults={
            "min_amount_wan": Decimal(30),
            "applies_to_new": True,
            "applies_to_revised": True,
            "applies_to_expiring_continuation": True,
            "applies_to_policy": True,
            "applies_to_special_bonds": True,
            "budget_books": [],
            "blocks_budget_if_missing": True,
            "support_min_score": Decimal(80),
            "adjust_min_score": Decimal(60),
        },
    )


def remove_default(apps, schema_editor):
    apps.get_model("preassessment", "PreAssessmentRuleSet").objects.filter(region=None, fiscal_year=None).delete()


class Migration(migrations.Migration):
    dependencies = [("preassessment", "0001_initial")]

    operations = [migrations.RunPython(create_default, remove_default)]
