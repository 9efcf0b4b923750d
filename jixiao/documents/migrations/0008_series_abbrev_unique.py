"""UNIQUE (region, abbrev) on 发文字号 series, once 0007 has merged or named the duplicates stored before it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0007_series_abbrev_merge"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="documentseries",
            constraint=models.UniqueConstraint(fields=["region", "abbrev"], name="uniq_doc_series_abbrev"),
        ),
    ]
