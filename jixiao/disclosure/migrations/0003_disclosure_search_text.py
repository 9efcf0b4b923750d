"""The public 关键词 search column: written at publish time; the items already published get it from their snapshot."""

from django.db import migrations, models

KEYS = ("name", "unit_name", "department_name", "project_code")
MAX = 700
CHUNK = 500


def fill(apps, schema_editor):
    # The same text as snapshots.search_text at the time of writing (a migration keeps its own copy of the rule).
    Disclosure = apps.get_model("disclosure", "Disclosure")
    ids = list(Disclosure.objects.filter(status="published").order_by("id").values_list("id", flat=True))
    for start in range(0, len(ids), CHUNK):
        items = list(Disclosure.objects.filter(id__in=ids[start : start + CHUNK]).only("id", "snapshot"))
        for item in items:
            data = item.snapshot if isinstance(item.snapshot, dict) else {}
            parts = [str(data.get(key) or "").strip() for key in KEYS]
            item.search_text = "\n".join(p for p in parts if p)[:MAX]
        Disclosure.objects.bulk_update(items, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [("disclosure", "0002_national_default_settings")]

    operations = [
        migrations.AddField(
            model_name="disclosure",
            name="search_text",
            field=models.CharField(blank=True, editable=False, max_length=700, verbose_name="公开检索文本"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
