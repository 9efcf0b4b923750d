from typing import Any

from django.db import migrations, models


def keep_one_current_year(apps: Any, schema_editor: Any) -> None:
    """Two current years (left by two simultaneous 设为当前年度) would fail the constraint: the latest stays current."""
    FiscalYear = apps.get_model("organizations", "FiscalYear")
    current = list(FiscalYear.objects.filter(is_current=True).order_by("-year").values_list("year", flat=True))
    if len(current) > 1:
        FiscalYear.objects.filter(year__in=current[1:]).update(is_current=False)


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0003_department_is_town"),
    ]

    operations = [
        migrations.RunPython(keep_one_current_year, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="fiscalyear",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_current", True)), fields=("is_current",), name="uniq_current_fiscal_year"
            ),
        ),
    ]
