"""Clear 表扬/约谈 thresholds that the settings form let through out of range (scores above 100, counts beyond
a small integer). On SQLite such a score was stored as written and then made every read of the row fail (settings
page, task pages); a cleared threshold means "decided by hand", as the page shows. Valid rows are untouched."""

from decimal import Decimal

from django.db import migrations
from django.db.models import Q


def clear_out_of_range(apps, schema_editor):
    settings = apps.get_model("appraisals", "AppraisalSettings")
    # Filters and updates only: reading such a value back is what fails.
    for field in ("commend_min_score", "interview_max_score"):
        bad = Q(**{f"{field}__gt": Decimal(100)}) | Q(**{f"{field}__lt": 0})
        settings.objects.filter(bad).update(**{field: None})
    for field in ("commend_top_k", "interview_bottom_k"):
        bad = Q(**{f"{field}__gt": 32767}) | Q(**{f"{field}__lt": 0})
        settings.objects.filter(bad).update(**{field: None})


class Migration(migrations.Migration):
    dependencies = [
        ("appraisals", "0003_score_version"),
    ]

    operations = [migrations.RunPython(clear_out_of_range, migrations.RunPython.noop)]
