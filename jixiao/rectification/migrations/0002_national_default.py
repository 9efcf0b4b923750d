"""The national default deadline and escalation rule (DOMAIN.md §2.5; every value is a county setting)."""

from typing import Any

from django.db import migrations


def create_default(apps: Any, schema_editor: Any) -> None:
    settings = apps.get_model("rectification", "RectificationSettings")
    settings.objects.get_or_create(
        region=None,
        fiscal_year=None,
        defaults={
            "deadline_days": 20,
            "working_days": True,
            "remind_days_before": 3,
            "escalate_after_days": 5,
            "second_escalate_after_days": 10,
        },
    )


def remove_default(apps: Any, schema_editor: Any) -> None:
    apps.get_model("rectification", "RectificationSettings").objects.filter(region=None, fiscal_year=None).delete()


class Migration(migrations.Migration):
    dependencies = [("rectification", "0001_initial")]

    operations = [migrations.RunPython(create_default, remove_default)]
