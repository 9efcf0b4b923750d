"""The national default disclosure deadline (DOMAIN.md §6.11): 20 days after approval (预算法 art. 14)."""

from django.db import migrations


def create_default(apps, schema_editor):
    Settings = apps.get_model("disclosure", "DisclosureSettings")
    Settings.objects.get_or_create(region=None, fiscal_year=None, defaults={"days_after_approval": 20})


def remove_default(apps, schema_editor):
    apps.get_model("disclosure", "DisclosureSettings").objects.filter(region=None, fiscal_year=None).delete()


class Migration(migrations.Migration):
    dependencies = [("disclosure", "0001_initial")]

    operations = [migrations.RunPython(create_default, remove_default)]
