"""Restore a backup made by `backup_data`: `manage.py restore_data IN --yes [--target-url URL]`.

Restores into the configured database, or into `--target-url` (e.g. a fresh database for a restore drill). Restore
into an empty database: SQLite copies the backup over the target file; PostgreSQL runs `pg_restore --clean
--single-transaction` (all or nothing). Afterwards the per-table row counts are compared with the backup's manifest
and the audit chain is verified; any difference exits non-zero.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from jixiao.core import backups


class Command(BaseCommand):
    help = "从 backup_data 的备份恢复数据库，并核对各表行数与审计链"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path, help="backup file written by backup_data")
        parser.add_argument("--target-url", help="database URL to restore into (default: the configured database)")
        parser.add_argument("--database", default="default")
        parser.add_argument("--yes", action="store_true", help="confirm that the target database is overwritten")
        parser.add_argument(
            "--no-privileges", action="store_true", help="PostgreSQL: skip GRANT/REVOKE (roles missing on the target)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["source"]
        if not source.is_file():
            raise CommandError(f"备份文件不存在：{source}")
        if not options["yes"]:
            raise CommandError("恢复会覆盖目标数据库中的数据。确认无误后请加 --yes 重新执行")
        manifest = backups.read_manifest(source)
        if manifest is not None and manifest.get("sha256") != backups.sha256_file(source):
            raise CommandError("备份文件的 SHA-256 与清单不符（文件损坏或被改动），已停止恢复")
        if options["target_url"]:
            target = backups.settings_for_url(options["target_url"])
        else:
            target = dict(connections[options["database"]].settings_dict)
            connections[options["database"]].close()
        vendor = "sqlite" if backups.is_sqlite(target) else "postgresql"
        if manifest is not None and manifest["vendor"] != vendor:
            raise CommandError(f"备份来自 {manifest['vendor']}，不能恢复到 {vendor}")
        try:
            backups.restore(source, target, privileges=not options["no_privileges"])
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts, chain = backups.inspect(target)
        problems = []
        if manifest is not None:
            expected = manifest["counts"]
            differ = sorted(t for t in set(expected) | set(counts) if expected.get(t) != counts.get(t))
            problems += [f"表 {t}：备份时 {expected.get(t)} 行，恢复后 {counts.get(t)} 行" for t in differ]
            if chain.ok and chain.last_seq != manifest["audit_head"]["seq"]:
                problems.append(f"审计链恢复至序号 {chain.last_seq}，备份时为 {manifest['audit_head']['seq']}")
        if not chain.ok:
            assert chain.broken is not None
            problems.append(chain.broken.describe())
        if problems:
            raise CommandError("恢复后核对不通过：\n" + "\n".join(problems))
        self.stdout.write(
            f"OK：已恢复 {len(counts)} 张表、{sum(counts.values())} 行，各表行数与备份清单一致"
            f"{'' if manifest else '（无清单，未比对行数）'}；审计链完整，共 {chain.count} 条记录"
        )
