"""Load the national frameworks and the starter indicator library on every fresh database."""

from django.db import migrations

from jixiao.indicators.library_data import load_starter_library


def load(apps, schema_editor):
    load_starter_library(apps.get_model)


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
