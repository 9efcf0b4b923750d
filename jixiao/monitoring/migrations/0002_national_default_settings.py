"""The national default monitoring settings row (DOMAIN.md §6.11): time progress by month (N/12), red below 60%."""

from decimal import Decimal

from django.db import migrations


def create_default(apps, schema_editor):
    Settings = apps.get_model("monitoring", "MonitoringSettings")
    Settings.objects.get_or_create(
        region=None,
        fiscal_year=None,
        defaults={"time_progress_mode": "month", "red_ratio_pct": Decimal(60), "default_warn_days": 3},
    )


def remove_default(apps, schema_editor):
    apps.get_model("monitoring", "MonitoringSettings").objects.filter(region=None, fiscal_year=None).delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]

    operations = [migrations.RunPython(create_default, remove_default)]
