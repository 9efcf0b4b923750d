"""The national default scoring row (财预〔2020〕10号 and DOMAIN.md §4/§6.11): every field takes its model default."""

from django.db import migrations


def create_default(apps, schema_editor):
    apps.get_model("evaluation", "ScoringSettings").objects.get_or_create(region=None, fiscal_year=None)


def remove_default(apps, schema_editor):
    apps.get_model("evaluation", "ScoringSettings").objects.filter(region=None, fiscal_year=None).delete()


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_scoring_settings")]

    operations = [migrations.RunPython(create_default, remove_default)]
