"""The payment staging table is scratch space: UNLOGGED on PostgreSQL (no WAL; emptied after every import anyway,
and truncated by crash recovery, which suits rows no committed state depends on). Nothing to do on SQLite."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def _set(logged: bool) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name(apps.get_model("execution", "PaymentStagingRow")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET {'LOGGED' if logged else 'UNLOGGED'}")

    return run


class Migration(migrations.Migration):
    dependencies = [("execution", "0002_imports_and_rollup")]

    operations = [migrations.RunPython(_set(logged=False), _set(logged=True))]
