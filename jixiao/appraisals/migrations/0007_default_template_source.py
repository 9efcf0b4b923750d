"""The national default tables' 来源 as users should read it. 0002 stored an internal document reference
("全国默认（DOMAIN.md §2.7）"), shown as the table page's subtitle; this rewrites exactly those stored texts (0002
itself is left as it ran, so databases that have it and new ones end the same). Tables whose source was changed
since, and every local table, are untouched."""

from django.db import migrations

RENAMES = {
    "全国默认（DOMAIN.md §2.7）": "系统内置",
    "全国默认（评分内容未统一，DOMAIN.md §2.7）": "系统内置（评分内容未统一）",
}


def rename(apps, schema_editor, mapping=RENAMES):
    template = apps.get_model("appraisals", "AppraisalTemplate")
    for old, new in mapping.items():
        template.objects.filter(region=None, source=old).update(source=new)


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, {new: old for old, new in RENAMES.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("appraisals", "0006_task_unique_region_year_kind"),
    ]

    operations = [migrations.RunPython(rename, rename_back)]
