"""The national default scoring templates printed “（来源未确认）” at the end of the sub-items DOMAIN.md marks as not
confirmed by the source [U]: a note about provenance, shown to units and experts in the scoring form and the printed
report. Migration 0004 now installs the wording without it; this takes it off items of the national defaults that still
end with it (items a bureau renamed are left as they are)."""

from django.db import migrations

MARK = "（来源未确认）"


def strip_mark(apps, schema_editor):
    Item = apps.get_model("preassessment", "ScoringItem")
    items = Item.objects.filter(template__region=None, template__fiscal_year=None, name__endswith=MARK)
    for item in items:
        item.name = item.name[: -len(MARK)]
        item.save(update_fields=["name"])


class Migration(migrations.Migration):
    dependencies = [("preassessment", "0008_attachment_fill_sha256")]

    operations = [migrations.RunPython(strip_mark, migrations.RunPython.noop)]
