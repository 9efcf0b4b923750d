"""Archive old audit records (SECURITY.md §1.2: ≥ 180 days online, then archived), checklist D05.

    manage.py archive_audit --older-than-days 365 [--output DIR_OR_FILE] [--delete]

Writes the oldest records (a contiguous run of the chain, all older than N days) to a gzip JSONL file with their
chain MACs, so the file verifies on its own (`verify_audit_chain --archive FILE`). Rows are removed only with
`--delete`, only after the written file verified against the table, and the chain head then remembers the last
archived record so the rest of the table still verifies. N below the retention minimum (180 days, setting
`JIXIAO_AUDIT_MIN_RETENTION_DAYS`, which cannot go lower) is refused. With `--delete` run it as the database owner:
the application's role may not delete audit rows (harden_db_privileges).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, transaction
from django.utils import timezone

from jixiao.core import audit, audit_chain
from jixiao.core.models import AuditChainHead, AuditEvent

LEGAL_MINIMUM_DAYS = 180  # 网络安全法 Art. 21: network logs are kept at least six months


def minimum_days() -> int:
    return max(LEGAL_MINIMUM_DAYS, int(getattr(settings, "JIXIAO_AUDIT_MIN_RETENTION_DAYS", LEGAL_MINIMUM_DAYS)))


class Command(BaseCommand):
    help = "将早于 N 天的审计记录归档为带链校验值的压缩文件（N 不少于 180 天），可选择在校验后删除"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than-days", type=int, required=True)
        parser.add_argument("--output", type=Path, default=Path(settings.BASE_DIR) / "var" / "audit-archive")
        parser.add_argument("--delete", action="store_true", help="delete the archived rows after verification")
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        days, using = options["older_than_days"], options["database"]
        if days < minimum_days():
            raise CommandError(f"审计记录至少保留 {minimum_days()} 天，不能归档 {days} 天以内的记录")
        cutoff = timezone.now() - dt.timedelta(days=days)
        events = AuditEvent.objects.using(using)
        newer = events.filter(occurred_at__gte=cutoff).order_by("seq").values_list("seq", flat=True).first()
        # A prefix of the chain: every record before the first one that is still too young.
        selected = events.order_by("seq")
        if newer is not None:
            selected = selected.filter(seq__lt=newer)
        rows = list(selected.values(*audit_chain.RECORD_FIELDS))
        if not rows:
            self.stdout.write(f"没有早于 {days} 天的审计记录，无需归档")
            return
        output: Path = options["output"]
        if output.suffix != ".gz":
            output.mkdir(parents=True, exist_ok=True)
            output = output / f"audit-{rows[0]['seq']:09d}-{rows[-1]['seq']:09d}.jsonl.gz"
        header = audit.write_archive(output, rows)
        _, result = audit.verify_archive(output)
        if not result.ok:
            assert result.broken is not None
            raise CommandError(f"归档文件已写入 {output}，但校验未通过，未删除任何记录：{result.broken.describe()}")
        self.stdout.write(
            f"已归档 {header['count']} 条记录（序号 {header['first_seq']}–{header['last_seq']}）到 {output}"
        )
        if options["delete"]:
            self._delete(using, header, output)

    def _delete(self, using: str, header: dict[str, Any], output: Path) -> None:
        first, last = header["first_seq"], header["last_seq"]
        try:
            with transaction.atomic(using=using):
                head = AuditChainHead.locked(using)
                if head.anchor_seq != first - 1 or head.anchor_mac != header["anchor_mac"]:
                    raise CommandError("归档范围与审计链的起点不符，未删除任何记录")
                in_table = AuditEvent.objects.using(using).filter(seq__gte=first, seq__lte=last)
                macs = dict(in_table.values_list("seq", "mac"))
                if len(macs) != header["count"] or macs.get(last) != header["last_mac"]:
                    raise CommandError("表中记录与归档文件不一致，未删除任何记录")
                # The ORM refuses to delete audit rows; this is the one sanctioned path, run by the owner.
                deleted = in_table._raw_delete(using)
                head.anchor_seq, head.anchor_mac = last, header["last_mac"]
                head.save(using=using, update_fields=["anchor_seq", "anchor_mac"])
                audit.record(
                    actor="manage.py archive_audit",
                    event_type="audit.archive",
                    object_type="core.auditevent",
                    object_repr=output.name,
                    changes={"first_seq": first, "last_seq": last, "count": deleted, "archive": output.name},
                    reason=f"归档并删除早于保留期的审计记录 {deleted} 条",
                )
        except DatabaseError as exc:
            raise CommandError(f"删除失败（应用数据库账号无权删除审计记录，请用数据库属主执行）：{exc}") from exc
        self.stdout.write(f"已删除 {deleted} 条已归档记录；审计链从序号 {last + 1} 继续")
