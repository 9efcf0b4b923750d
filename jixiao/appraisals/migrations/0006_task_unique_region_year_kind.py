"""One appraisal task per region, year and kind among live tasks (duplicates were retired by 0005; a separate
migration so the data change and the index are not in one transaction on PostgreSQL)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("appraisals", "0005_retire_duplicate_tasks"),
        ("organizations", "0002_calendar_day"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="appraisaltask",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_deleted", False)),
                fields=("region", "fiscal_year", "kind"),
                name="uniq_appraisal_task_region_year_kind",
            ),
        ),
    ]
