"""The HMAC-SM3 audit chain (SECURITY D03/D04/D05): verification, tampering, fail-closed writes, archiving."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from jixiao.core import audit, audit_chain, backups
from jixiao.core.models import AuditChainHead, AuditEvent


def _events(n: int, **extra: Any) -> list[AuditEvent]:
    return [
        audit.record(actor=None, event_type="test.event", object_repr=f"对象{i}", changes={"n": [i, i + 1]}, **extra)
        for i in range(n)
    ]


def _verify(*args: str) -> str:
    out = StringIO()
    call_command("verify_audit_chain", *args, stdout=out)
    return out.getvalue()


def _broken(*args: str) -> str:
    with pytest.raises(CommandError) as caught:
        _verify(*args)
    assert caught.value.returncode == 1
    return str(caught.value)


def _sql(statement: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement.replace("{t}", AuditEvent._meta.db_table), params)


def _where(event: AuditEvent) -> str:
    return f"序号 {event.seq}，ID {event.pk}，时间 {audit_chain.utc_iso(event.occurred_at)}"


@pytest.mark.django_db
def test_d03_records_are_chained_and_the_chain_verifies() -> None:
    first, second, third = _events(3)
    assert [e.seq for e in (first, second, third)] == [first.seq, first.seq + 1, first.seq + 2]
    assert second.prev_mac == first.mac and third.prev_mac == second.mac and len(third.mac) == 64
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.mac) == (third.seq, third.mac)
    total = AuditEvent.objects.count()
    assert _verify().startswith(f"OK：审计链完整，共 {total} 条记录")
    # Stored values are exactly what was signed (a JSON round trip cannot break the MAC).
    stored = AuditEvent.objects.values(*audit_chain.RECORD_FIELDS).get(pk=third.pk)
    key = dict(audit_chain.audit_keys())[stored["key_id"]]
    assert audit_chain.compute_mac(key, stored, stored["prev_mac"]) == stored["mac"]


@pytest.mark.django_db
def test_d03_tampered_changes_are_named_exactly() -> None:
    _, victim, _ = _events(3)
    _sql("UPDATE {t} SET changes = %s WHERE id = %s", [json.dumps({"n": [0, 999]}), victim.pk])
    message = _broken()
    assert _where(victim) in message and "被篡改" in message


@pytest.mark.django_db
def test_d03_tampered_reason_is_named_exactly() -> None:
    _, victim, _ = _events(3)
    _sql("UPDATE {t} SET reason = %s WHERE id = %s", ["改过的说明", victim.pk])
    assert _where(victim) in _broken()


@pytest.mark.django_db
def test_d03_a_deleted_record_is_named_by_its_successor() -> None:
    _, victim, successor = _events(3)
    _sql("DELETE FROM {t} WHERE id = %s", [victim.pk])
    message = _broken()
    assert _where(successor) in message and f"缺少序号 {victim.seq}" in message


@pytest.mark.django_db
def test_d03_deleting_the_last_record_is_caught_by_the_chain_head() -> None:
    *_, last = _events(3)
    _sql("DELETE FROM {t} WHERE id = %s", [last.pk])
    message = _broken()
    assert "链尾" in message and f"链头记录为序号 {last.seq}" in message


@pytest.mark.django_db
def test_d03_swapped_order_is_named_exactly() -> None:
    _, a, b, _ = _events(4)
    _sql("UPDATE {t} SET seq = %s WHERE id = %s", [-1, a.pk])
    _sql("UPDATE {t} SET seq = %s WHERE id = %s", [a.seq, b.pk])
    _sql("UPDATE {t} SET seq = %s WHERE id = %s", [b.seq, a.pk])
    message = _broken()
    # b now sits at a's place: it is the first record that no longer fits.
    assert f"序号 {a.seq}，ID {b.pk}" in message


@pytest.mark.django_db
def test_d03_a_forged_record_without_the_key_is_caught() -> None:
    first, second = _events(2)
    forged_mac = audit_chain.compute_mac(b"0" * 32, second.chain_fields(), first.mac)
    _sql("UPDATE {t} SET mac = %s, reason = %s WHERE id = %s", [forged_mac, "伪造", second.pk])
    assert _where(second) in _broken()


@pytest.mark.django_db
def test_d02_the_orm_refuses_to_change_or_bulk_write_audit_rows() -> None:
    (event,) = _events(1)
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.bulk_create([AuditEvent(event_type="x")])


@pytest.mark.django_db
def test_a_batch_is_chained_in_order_between_single_records() -> None:
    _events(2)
    batch = [audit.event_for(actor=None, event_type="test.batch", object_repr=f"批量{i}") for i in range(3)]
    audit.record_all(batch)
    (last,) = _events(1)
    rows = list(AuditEvent.objects.order_by("seq").values_list("seq", "prev_mac", "mac", "event_type"))
    assert [row[0] for row in rows] == list(range(rows[0][0], rows[0][0] + 6))
    assert [row[3] for row in rows[2:5]] == ["test.batch"] * 3
    assert all(rows[i][1] == rows[i - 1][2] for i in range(1, len(rows)))  # each record signs after the one before
    assert last.seq == rows[-1][0] and AuditChainHead.objects.get().mac == last.mac
    assert _verify().startswith("OK")
    with pytest.raises(PermissionError):
        audit.record_all(batch)  # records are added once


@pytest.mark.django_db
def test_d06_hostile_text_is_signed_verbatim() -> None:
    audit.record(actor="evil\n\x1b[31m<script>alert(1)</script>", event_type="test.event", reason="a\r\nb")
    assert _verify().startswith("OK")


@pytest.mark.django_db
def test_d03_a_lost_chain_head_row_continues_from_the_last_record() -> None:
    *_, last = _events(2)
    AuditChainHead.objects.all().delete()
    (after,) = _events(1)
    assert after.seq == last.seq + 1 and after.prev_mac == last.mac
    assert _verify().startswith("OK")


# --- concurrency ----------------------------------------------------------------------------------------------------


WRITER = """
from jixiao.core import audit
for i in range(25):
    audit.record(actor="writer{n}", event_type="test.concurrent", reason=str(i))
"""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_d03_two_processes_writing_at_once_do_not_fork_the_chain(tmp_path: Path) -> None:
    _events(1)
    if connection.vendor == "sqlite":
        # The in-memory test database is private to this process: give the writers a file copy of it.
        database = tmp_path / "shared.sqlite3"
        call_command("backup_data", str(database), stdout=StringIO())
        # As in a running deployment, the file is in WAL mode before the writers start: switching to it needs the
        # file to itself, and three processes switching at once could find it locked (seen once in CI).
        with closing(sqlite3.connect(database)) as handle:
            handle.execute("PRAGMA journal_mode=WAL")
        url = f"sqlite:///{database}"
    else:
        db = connection.settings_dict
        host = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
        url = f"postgres://{quote(db['USER'])}:{quote(db['PASSWORD'])}@{host}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "JIXIAO_TESTING": "1"}
    writers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", WRITER.format(n=n)],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(3)
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
    check = subprocess.run(
        [sys.executable, "manage.py", "verify_audit_chain"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    counts = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", COUNT],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert counts[-1] == "75"


COUNT = """
from jixiao.core.models import AuditEvent
print(AuditEvent.objects.filter(event_type="test.concurrent").count())
"""


# --- D05: retention and archives ------------------------------------------------------------------------------------


def _aged(days: int, n: int) -> list[AuditEvent]:
    when = timezone.now() - dt.timedelta(days=days)
    events = []
    for i in range(n):
        event = AuditEvent(event_type="test.old", reason=f"{days}天前{i}", occurred_at=when + dt.timedelta(seconds=i))
        event.save()
        events.append(event)
    return events


@pytest.mark.django_db
def test_d05_archive_refuses_less_than_180_days(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="至少保留 180 天"):
        call_command("archive_audit", "--older-than-days", "179", "--output", str(tmp_path))


@pytest.mark.django_db
def test_d05_archive_writes_a_self_verifying_file_and_keeps_rows_without_delete(tmp_path: Path) -> None:
    old = _aged(400, 3)
    young = _aged(100, 2)
    total = AuditEvent.objects.count()
    call_command("archive_audit", "--older-than-days", "365", "--output", str(tmp_path))
    (archive,) = tmp_path.glob("audit-*.jsonl.gz")
    assert AuditEvent.objects.count() == total  # nothing deleted without --delete
    with gzip.open(archive, "rt", encoding="utf-8") as src:
        header, *lines = [json.loads(line) for line in src]
    archived = {line["id"] for line in lines}
    assert {e.pk for e in old} <= archived and not ({e.pk for e in young} & archived)
    assert header["count"] == len(lines) and header["last_mac"] == lines[-1]["mac"]
    assert "OK：归档文件" in _verify("--archive", str(archive))
    # Records older than 180 days are still queryable online (D05).
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in old]).count() == 3


@pytest.mark.django_db
def test_d05_a_tampered_archive_fails_verification(tmp_path: Path) -> None:
    _aged(400, 3)
    _aged(10, 1)
    call_command("archive_audit", "--older-than-days", "365", "--output", str(tmp_path))
    (archive,) = tmp_path.glob("audit-*.jsonl.gz")
    with gzip.open(archive, "rt", encoding="utf-8") as src:
        header, *lines = src.read().splitlines()
    record = json.loads(lines[1])
    record["reason"] = "改过"
    lines[1] = json.dumps(record, ensure_ascii=False)
    with gzip.open(archive, "wt", encoding="utf-8") as out:
        out.write("\n".join([header, *lines]) + "\n")
    message = _broken("--archive", str(archive))
    assert f"序号 {record['seq']}，ID {record['id']}" in message
    # A dropped last line is caught by the header.
    with gzip.open(archive, "wt", encoding="utf-8") as out:
        out.write("\n".join([header, *lines[:1]]) + "\n")
    assert "链尾" in _broken("--archive", str(archive))


@pytest.mark.django_db
def test_d05_archive_with_delete_removes_only_verified_old_rows_and_the_rest_still_verifies(tmp_path: Path) -> None:
    old = _aged(400, 3)
    young = _aged(30, 2)
    out = tmp_path / "first.jsonl.gz"
    call_command("archive_audit", "--older-than-days", "200", "--output", str(out), "--delete")
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in young]).count() == 2
    head = AuditChainHead.objects.get(pk=1)
    assert head.anchor_seq == old[-1].seq and head.anchor_mac == old[-1].mac
    archived = AuditEvent.objects.get(event_type="audit.archive")
    assert archived.changes["count"] == archived.changes["last_seq"] - archived.changes["first_seq"] + 1
    assert _verify().startswith("OK")
    assert "OK：归档文件" in _verify("--archive", str(out))
    # A second archive run continues the chain where the first stopped.
    call_command("archive_audit", "--older-than-days", "365", "--output", str(tmp_path))
    assert _verify().startswith("OK")


@pytest.mark.django_db
def test_d05_an_archive_written_before_records_carried_a_region_still_verifies(tmp_path: Path) -> None:
    _aged(400, 3)
    call_command("archive_audit", "--older-than-days", "365", "--output", str(tmp_path))
    (archive,) = tmp_path.glob("audit-*.jsonl.gz")
    with gzip.open(archive, "rt", encoding="utf-8") as src:
        header, *lines = [json.loads(line) for line in src]
    assert all(line["region_path"] == "" for line in lines)
    with gzip.open(archive, "wt", encoding="utf-8") as out:  # the earlier format had no such key
        for line in [header, *({k: v for k, v in line.items() if k != "region_path"} for line in lines)]:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    assert "OK：归档文件" in _verify("--archive", str(archive))


def test_a_backup_taken_before_records_carried_a_region_is_read_without_the_column() -> None:
    earlier = set(audit_chain.RECORD_FIELDS) - {"region_path"}
    assert "region_path" not in backups._record_fields(earlier)
    assert backups._record_fields(set(audit_chain.RECORD_FIELDS)) == audit_chain.RECORD_FIELDS
