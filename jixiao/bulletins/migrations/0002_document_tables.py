"""Bulletins issued before documents kept their 附表: copy the snapshot's tables onto the issued document, so that the
departments opening it in 我收到的文书 (page, print, Word) read the lists as well."""

from django.db import migrations


def _clean(tables):
    result = []
    for table in tables or []:
        headers = [str(h) for h in table.get("headers", [])]
        rows = [["" if c is None else str(c) for c in row] for row in table.get("rows", [])]
        if headers and rows:
            result.append({"title": str(table.get("title", "")), "headers": headers, "rows": rows})
    return result


def copy_tables(apps, schema_editor):
    Bulletin = apps.get_model("bulletins", "Bulletin")
    Document = apps.get_model("documents", "OfficialDocument")
    for bulletin in Bulletin.objects.filter(document__isnull=False).iterator():
        tables = _clean((bulletin.snapshot or {}).get("tables", []))
        if tables:
            Document.objects.filter(pk=bulletin.document_id, tables=[]).update(tables=tables)


class Migration(migrations.Migration):
    dependencies = [("bulletins", "0001_initial"), ("documents", "0003_tables")]

    operations = [migrations.RunPython(copy_tables, migrations.RunPython.noop)]
