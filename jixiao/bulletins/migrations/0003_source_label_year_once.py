"""通报 generated from a 再评价批次 whose title already began with its year stored their 数据来源 as
“2026年度 2026年度部门自评财政再评价”, and a draft's default title as “关于2026年度 2026年度…结果的通报”
(`selectors.batch_label` now names such a batch once). This names the year once in the stored 数据来源 of every
通报, and in the title of drafts that still carry the generated one. An issued 通报's title is part of the issued
document and is left as it was issued."""

import re

from django.db import migrations

TWICE = re.compile(r"^(\d{4})年度 (?=\1年)")


def name_the_year_once(apps, schema_editor):
    Bulletin = apps.get_model("bulletins", "Bulletin")
    for bulletin in Bulletin.objects.filter(source_label__regex=r"^[0-9]{4}年度 [0-9]{4}年"):
        label = TWICE.sub("", bulletin.source_label)
        if label == bulletin.source_label:
            continue
        fields = ["source_label"]
        if bulletin.status == "draft" and bulletin.title == f"关于{bulletin.source_label}结果的通报":
            bulletin.title = f"关于{label}结果的通报"
            fields.append("title")
        bulletin.source_label = label
        bulletin.save(update_fields=fields)


class Migration(migrations.Migration):
    dependencies = [("bulletins", "0002_document_tables")]

    operations = [migrations.RunPython(name_the_year_once, migrations.RunPython.noop)]
