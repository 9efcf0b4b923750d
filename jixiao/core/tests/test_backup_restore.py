"""backup_data / restore_data (SECURITY I03): restore into a fresh database, compare row counts and the audit chain."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from conftest import World
from jixiao.core import audit, backups

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _source_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor, include_views=False):
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - table names from introspection
            counts[table] = cursor.fetchone()[0]
    return counts


def _verify_in_fresh_process(database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "JIXIAO_TESTING": "1"}
    return subprocess.run(
        [sys.executable, "manage.py", "verify_audit_chain"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _seed(world: World) -> None:
    for i in range(5):
        audit.record(actor=world.users["performance"], event_type="test.backup", reason=f"备份前{i}", obj=world.school)


@pytest.fixture
def fresh_target(tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database of the same kind as the test database; dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump/pg_restore not installed (.ci/run installs postgresql)")
    db = connection.settings_dict
    name = f"jixiao_restore_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"], autocommit=True
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        host = db["HOST"] or "localhost"
        yield f"postgres://{quote(db['USER'])}:{quote(db['PASSWORD'])}@{host}:{db['PORT'] or 5432}/{name}"
    finally:
        _drop(admin, name)
        admin.close()


def _drop(admin: Any, name: str) -> None:
    """Drop the scratch database. An autovacuum worker that has just connected to it is not ours to terminate
    (InsufficientPrivilege without pg_signal_backend) and leaves within moments: try again, a bounded number of
    times, then let the error show."""
    for attempt in range(40):
        try:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectInUse):
            if attempt == 39:
                raise
            time.sleep(0.25)


def test_i03_backup_then_restore_into_a_fresh_database_keeps_every_row_and_the_audit_chain(
    fresh_world: World, tmp_path: Path, fresh_target: str
) -> None:
    _seed(fresh_world)
    expected = _source_counts()
    out = tmp_path / ("jixiao.sqlite3" if connection.vendor == "sqlite" else "jixiao.dump")
    call_command("backup_data", str(out), stdout=StringIO())
    manifest = json.loads(backups.manifest_path(out).read_text())
    assert manifest["counts"]["core_auditevent"] == expected["core_auditevent"] >= 5
    assert {t: manifest["counts"][t] for t in expected} == expected

    report = StringIO()
    call_command("restore_data", str(out), "--target-url", fresh_target, "--yes", stdout=report)
    assert "各表行数与备份清单一致" in report.getvalue() and "审计链完整" in report.getvalue()

    restored_counts, chain = backups.inspect(backups.settings_for_url(fresh_target))
    assert {t: restored_counts.get(t) for t in expected} == expected
    assert chain.ok and chain.count == expected["core_auditevent"]
    verified = _verify_in_fresh_process(fresh_target)
    assert verified.returncode == 0, verified.stderr
    assert f"共 {expected['core_auditevent']} 条记录" in verified.stdout


def test_i03_restore_refuses_without_confirmation_or_with_a_damaged_backup(
    fresh_world: World, tmp_path: Path, fresh_target: str
) -> None:
    out = tmp_path / "backup.bin"
    call_command("backup_data", str(out), stdout=StringIO())
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore_data", str(out), "--target-url", fresh_target)
    # A manifest that does not describe the restored data (e.g. a lost table) fails the check.
    manifest_file = backups.manifest_path(out)
    manifest: dict[str, Any] = json.loads(manifest_file.read_text())
    manifest["counts"]["core_auditevent"] += 1
    manifest_file.write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="表 core_auditevent"):
        call_command("restore_data", str(out), "--target-url", fresh_target, "--yes", stdout=StringIO())
    with out.open("ab") as damaged:
        damaged.write(b"\0")
    with pytest.raises(CommandError, match="SHA-256"):
        call_command("restore_data", str(out), "--target-url", fresh_target, "--yes")


def test_i03_missing_postgresql_client_tools_give_a_chinese_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backups.shutil, "which", lambda name: None)
    target = backups.settings_for_url("postgres://app:secret@db.invalid:5432/jixiao")
    with pytest.raises(backups.BackupError, match="未找到 PostgreSQL 客户端工具 pg_dump"):
        backups.pg_backup(target, tmp_path / "x.dump")
    with pytest.raises(backups.BackupError, match="pg_restore"):
        backups.pg_restore(tmp_path / "x.dump", target, privileges=True)
