"""Backup and restore of the database (SECURITY.md §1.1 备份恢复, checklist I03): `backup_data` / `restore_data`.

- SQLite: the online backup API (a consistent copy while the application runs).
- PostgreSQL: `pg_dump --format=custom` / `pg_restore`, with the credentials of DATABASE_URL passed in the
  environment (never on the command line). The row counts in the manifest are taken in the same snapshot as the dump.

Each backup `OUT` gets a manifest `OUT.manifest.json` (per-table row counts, audit chain head, SHA-256 of the file);
`restore_data` compares the restored database with it and verifies the audit chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dj_database_url
import psycopg
from django.db import connections
from psycopg import sql

from jixiao.core import audit_chain
from jixiao.core.models import AuditChainHead, AuditEvent

MANIFEST_SUFFIX = ".manifest.json"


class BackupError(Exception):
    """A backup or restore step failed; the message is Chinese and shown to the operator."""


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + MANIFEST_SUFFIX)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as src:
        for block in iter(lambda: src.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def settings_for_url(url: str) -> dict[str, Any]:
    return dict(dj_database_url.parse(url))


def is_sqlite(db: dict[str, Any]) -> bool:
    return str(db["ENGINE"]).endswith("sqlite3")


# --- SQLite -------------------------------------------------------------------------------------------------------


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {name: conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names}  # noqa: S608


def _sqlite_head(conn: sqlite3.Connection) -> dict[str, Any]:
    row = conn.execute(f"SELECT seq, mac FROM {AuditChainHead._meta.db_table} WHERE id = 1").fetchone()  # noqa: S608
    return {"seq": row[0], "mac": row[1]} if row else {"seq": 0, "mac": ""}


def sqlite_backup(using: str, out: Path) -> dict[str, Any]:
    connection = connections[using]
    connection.ensure_connection()
    tmp = out.with_name(out.name + ".part")
    tmp.unlink(missing_ok=True)
    dst = sqlite3.connect(tmp)
    try:
        connection.connection.backup(dst)
        counts, head = _sqlite_counts(dst), _sqlite_head(dst)
    finally:
        dst.close()
    tmp.replace(out)
    return {"counts": counts, "audit_head": head}


def sqlite_restore(src_path: Path, target: dict[str, Any]) -> None:
    target_path = Path(str(target["NAME"]))
    src = sqlite3.connect(f"file:{src_path}?mode=ro", uri=True)
    dst = sqlite3.connect(target_path)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


# --- PostgreSQL ---------------------------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"未找到 PostgreSQL 客户端工具 {name}：请安装与数据库服务器同一主版本的 postgresql-client 后重试"
        )
    return path


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    values = {
        "PGHOST": db.get("HOST") or "",
        "PGPORT": str(db.get("PORT") or ""),
        "PGUSER": db.get("USER") or "",
        "PGPASSWORD": db.get("PASSWORD") or "",
        "PGDATABASE": db.get("NAME") or "",
        "PGSSLMODE": (db.get("OPTIONS") or {}).get("sslmode", ""),
    }
    env.update({k: v for k, v in values.items() if v})
    return env


def _pg_connect(db: dict[str, Any]) -> psycopg.Connection[Any]:
    params = {
        "dbname": db.get("NAME"),
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v})


def _pg_counts(conn: psycopg.Connection[Any]) -> dict[str, int]:
    rows = conn.execute(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
        " AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
    ).fetchall()
    counts: dict[str, int] = {}
    for schema, name in rows:
        query = sql.SQL("SELECT COUNT(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(name))
        counts[name if schema == "public" else f"{schema}.{name}"] = conn.execute(query).fetchone()[0]  # type: ignore[index]
    return counts


def _pg_head(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    query = sql.SQL("SELECT seq, mac FROM {} WHERE id = 1").format(sql.Identifier(AuditChainHead._meta.db_table))
    row = conn.execute(query).fetchone()
    return {"seq": row[0], "mac": row[1]} if row else {"seq": 0, "mac": ""}


def pg_backup(db: dict[str, Any], out: Path) -> dict[str, Any]:
    pg_dump = _pg_tool("pg_dump")
    tmp = out.with_name(out.name + ".part")
    with _pg_connect(db) as conn:
        # One snapshot for the counts and the dump, so the manifest describes exactly what was dumped.
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
        counts, head = _pg_counts(conn), _pg_head(conn)
        done = subprocess.run(  # noqa: S603 - fixed tool path, arguments are not shell-parsed
            [pg_dump, "--format=custom", f"--snapshot={snapshot}", "--file", str(tmp)],
            env=_pg_env(db),
            capture_output=True,
            text=True,
            check=False,
        )
        conn.rollback()
    if done.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise BackupError(f"pg_dump 执行失败：{done.stderr.strip()}")
    tmp.replace(out)
    return {"counts": counts, "audit_head": head}


def pg_restore(src_path: Path, target: dict[str, Any], *, privileges: bool) -> None:
    tool = _pg_tool("pg_restore")
    args = [tool, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error"]
    if not privileges:
        args.append("--no-privileges")
    args += ["--dbname", str(target["NAME"]), str(src_path)]
    done = subprocess.run(args, env=_pg_env(target), capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"pg_restore 执行失败（已整体回滚）：{done.stderr.strip()}")


# --- both ---------------------------------------------------------------------------------------------------------


def backup(using: str, out: Path) -> dict[str, Any]:
    db = connections[using].settings_dict
    out.parent.mkdir(parents=True, exist_ok=True)
    info = sqlite_backup(using, out) if is_sqlite(db) else pg_backup(db, out)
    manifest = {
        "vendor": "sqlite" if is_sqlite(db) else "postgresql",
        "created_at": audit_chain.utc_iso(dt.datetime.now(dt.UTC)),
        "file": out.name,
        "sha256": sha256_file(out),
        **info,
    }
    manifest_path(out).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True))
    return manifest


def read_manifest(path: Path) -> dict[str, Any] | None:
    mpath = manifest_path(path)
    return json.loads(mpath.read_text()) if mpath.exists() else None


def restore(src_path: Path, target: dict[str, Any], *, privileges: bool = True) -> None:
    if is_sqlite(target):
        sqlite_restore(src_path, target)
    else:
        pg_restore(src_path, target, privileges=privileges)


def inspect(target: dict[str, Any]) -> tuple[dict[str, int], audit_chain.VerifyResult]:
    """Row counts and audit-chain verification of the database `target` (not necessarily Django's own).

    Read with plain driver connections, so it works on a database Django is not configured for.
    """
    table, head_table = AuditEvent._meta.db_table, AuditChainHead._meta.db_table
    head_sql = f"SELECT seq, mac, anchor_seq, anchor_mac FROM {head_table} WHERE id = 1"  # noqa: S608
    if is_sqlite(target):
        conn = sqlite3.connect(f"file:{target['NAME']}?mode=ro", uri=True)
        try:
            counts = _sqlite_counts(conn)
            head = conn.execute(head_sql).fetchone()
            present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
            fields = _record_fields(present)
            rows = conn.execute(_rows_sql(table, fields))
            result = _verify_rows((_sqlite_record(fields, r) for r in rows), head)
        finally:
            conn.close()
    else:
        with _pg_connect(target) as pg:
            counts = _pg_counts(pg)
            head = pg.execute(head_sql).fetchone()
            columns_sql = "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
            fields = _record_fields({row[0] for row in pg.execute(columns_sql, [table])})
            with pg.cursor(name="audit_rows") as cursor:
                cursor.execute(_rows_sql(table, fields))
                result = _verify_rows((dict(zip(fields, r, strict=True)) for r in cursor), head)
    return counts, result


def _record_fields(present: set[str]) -> tuple[str, ...]:
    """The chained fields a database holds: a backup taken before a field signed only when set
    (`audit_chain.SIGNED_IF_SET`) existed verifies without it."""
    return tuple(name for name in audit_chain.RECORD_FIELDS if name in present or name not in audit_chain.SIGNED_IF_SET)


def _rows_sql(table: str, fields: tuple[str, ...]) -> str:
    return f"SELECT {', '.join(fields)} FROM {table} ORDER BY seq"  # noqa: S608 - fixed names


def _sqlite_record(fields: tuple[str, ...], row: tuple[Any, ...]) -> dict[str, Any]:
    record = dict(zip(fields, row, strict=True))
    # Django keeps SQLite timestamps as naive UTC text and JSON as text.
    record["occurred_at"] = dt.datetime.fromisoformat(record["occurred_at"]).replace(tzinfo=dt.UTC)
    record["changes"] = json.loads(record["changes"]) if record["changes"] else {}
    return record


def _verify_rows(rows: Iterator[dict[str, Any]], head: tuple[Any, ...] | None) -> audit_chain.VerifyResult:
    seq, mac, anchor_seq, anchor_mac = head if head else (0, "", 0, "")
    return audit_chain.verify(rows, anchor_seq=anchor_seq, anchor_mac=anchor_mac, head_seq=seq, head_mac=mac)
