"""One 代字 per 发文字号 series of a region, in the database too (UNIQUE (region, abbrev), added by 0008). Until now only
`services.series_save` refused a 代字 another series of the region used: series saved before that check, or two
first saves at once, could share one, and both series then counted 1, 2, 3… and handed out the same 文号.

Existing duplicates are merged where that changes nothing a user relies on: a per-type series with the same 代字 as
the region's shared series (各类文书共用) is folded into it — its documents point at the shared series (their 文号 text
is the same), the row is deleted, and that type numbers on in the shared series with the same 代字. Any other
duplicate (two per-type series, or documents of both series with the same year and 序号, i.e. a 文号 already handed
out twice) needs a person to choose a new 代字: the migration stops and names them. Change one 代字 of each pair on the
发文字号 page, then migrate again. Nothing is renamed automatically — a 代字 is the bureau's official designation.
"""

from django.db import migrations


def merge_duplicate_abbrevs(apps, schema_editor):
    DocumentSeries = apps.get_model("documents", "DocumentSeries")
    OfficialDocument = apps.get_model("documents", "OfficialDocument")
    groups: dict[tuple[int, str], list] = {}
    for series in DocumentSeries.objects.order_by("region_id", "abbrev", "pk"):
        groups.setdefault((series.region_id, series.abbrev), []).append(series)
    left: list[str] = []
    for (_region, abbrev), rows in groups.items():
        if len(rows) < 2:
            continue
        shared = next((row for row in rows if row.doc_type == ""), None)
        for row in rows:
            if row is shared:
                continue
            if shared is None:
                left.append(f"{abbrev}（区划{row.region_id}，{row.doc_type}）")
                continue
            numbers = OfficialDocument.objects.filter(series=row, doc_seq__isnull=False).values_list(
                "doc_year", "doc_seq"
            )
            taken = set(
                OfficialDocument.objects.filter(series=shared, doc_seq__isnull=False).values_list("doc_year", "doc_seq")
            )
            if taken & set(numbers):
                left.append(f"{abbrev}（区划{row.region_id}，{row.doc_type}，已有重复文号）")
                continue
            OfficialDocument.objects.filter(series=row).update(series=shared)
            row.delete()
    if left:
        raise RuntimeError(
            "无法建立“同一区划一个机关代字只用于一个发文字号”约束：以下发文字号与本区划的其他字号使用相同的机关代字："
            + "、".join(left[:20])
            + "。请在“发文字号”页面为其中一个改用其他代字，再重新运行 migrate。"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0006_series_version"),
    ]

    # The constraint comes in 0008, in its own transaction: PostgreSQL refuses to ALTER a table whose rows this
    # transaction has just updated while their deferred foreign-key checks are pending.
    operations = [
        migrations.RunPython(merge_duplicate_abbrevs, migrations.RunPython.noop),
    ]
