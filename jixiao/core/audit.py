"""Writing and verifying the audit trail.

Every service calls `record` inside its transaction, so a failed audit write fails the action (SECURITY D04): the
record is appended to the HMAC chain (AuditEvent.save, core.audit_chain) in the same transaction as the business
rows, and an exception there rolls both back.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, ParamSpec

from django.db import models
from django.utils import timezone

from jixiao.core import audit_chain, context
from jixiao.core.crypto import hmac_sm3
from jixiao.core.models import AuditChainHead, AuditEvent

P = ParamSpec("P")

REDACTED_FIELDS = {"password", "secret", "token", "otp"}


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value.pk)
    return value


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of a row, for before/after diffs."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if getattr(field, "generated", False):
            continue
        data[field.name] = jsonable(getattr(instance, field.attname))
    return data


# NULL and "" are the same nothing to a reader: a field going from one to the other is no change.
EMPTY = (None, "")


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        if key in {"updated_at", "created_at", "version"}:
            continue
        if before.get(key) != after.get(key) and not (before.get(key) in EMPTY and after.get(key) in EMPTY):
            # A yes/no flag is never a secret: 涉密 (`is_secret`) of a unit must read 否 → 是 to the auditor.
            flag = all(isinstance(value, bool) or value is None for value in (before.get(key), after.get(key)))
            redact = any(word in key for word in REDACTED_FIELDS) and not flag
            changed[key] = ["***", "***"] if redact else [before.get(key), after.get(key)]
    return changed


def event_for(
    *,
    actor: Any,
    event_type: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes: dict[str, Any] | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    reason: str = "",
    region_path: str = "",
) -> AuditEvent:
    """The unsaved record of an event: `record` appends one at once, `record_all` several together.

    The record's region is, in this order: `region_path` if given, the region the request acts in, the region of the
    actor's identity (a background job's), and for a step of the system the region of its object."""
    ctx = context.current()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:300]
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent(
        actor_id=actor.pk if is_user else None,
        actor_name=(actor.get_username() if is_user else str(actor or ""))[:150],
        role=ctx.role,
        organization=ctx.organization[:200],
        region_path=region_path or ctx.region_path or _region_path_of(actor if is_user else None, obj),
        ip=ctx.ip,
        request_id=ctx.request_id,
        event_type=event_type,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:300],
        changes=changes or {},
        outcome=outcome,
        reason=reason[:500],
    )


def _region_path_of(actor: Any, obj: models.Model | None) -> str:
    """The region path of the actor's active identity, or else of the object's `region` (a system step), or ""."""
    membership = getattr(actor, "active_membership", None) if actor is not None else None
    holder = membership if membership is not None else (obj if actor is None else None)
    try:
        region = getattr(holder, "region", None)
    except models.ObjectDoesNotExist:
        return ""
    path = getattr(region, "path", "")
    return path if isinstance(path, str) else ""


def _saved(build: Callable[P, AuditEvent]) -> Callable[P, AuditEvent]:
    def record(*args: P.args, **kwargs: P.kwargs) -> AuditEvent:
        event = build(*args, **kwargs)
        event.save()
        return event

    return record


record = _saved(event_for)
record.__doc__ = """Append one record to the chain, inside the caller's transaction (the arguments of `event_for`)."""


def record_all(events: list[AuditEvent]) -> None:
    """Append records built by `event_for`, in order, with one lock of the chain head and one INSERT."""
    AuditEvent.append_all(events)


def verify_table(using: str = "default") -> audit_chain.VerifyResult:
    """Verify the whole audit table against the chain head (manage.py verify_audit_chain)."""
    head = AuditChainHead.objects.using(using).filter(pk=1).first()
    rows = AuditEvent.objects.using(using).order_by("seq").values(*audit_chain.RECORD_FIELDS).iterator(chunk_size=2000)
    return audit_chain.verify(
        rows,
        anchor_seq=head.anchor_seq if head else 0,
        anchor_mac=head.anchor_mac if head else "",
        head_seq=head.seq if head else 0,
        head_mac=head.mac if head else "",
    )


ARCHIVE_FORMAT = "jixiao-audit-archive"


def _header_mac(header: dict[str, Any]) -> tuple[str, str]:
    body = {k: v for k, v in header.items() if k not in {"header_mac", "header_key_id"}}
    blob = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    key_id, key = audit_chain.audit_keys()[0]
    return key_id, hmac_sm3(key, blob)


def write_archive(path: Path, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Write chained records (seq order, a contiguous run) to a gzip JSONL file that verifies on its own.

    Line 1 is a header (range, anchor, count, last MAC, its own HMAC); each further line is one record with its
    `seq`, `prev_mac` and `mac`. `verify_archive` checks it with nothing but the audit key.
    """
    if not rows:
        raise ValueError("nothing to archive")
    header: dict[str, Any] = {
        "format": ARCHIVE_FORMAT,
        "version": 1,
        "created_at": audit_chain.utc_iso(timezone.now()),
        "count": len(rows),
        "first_seq": rows[0]["seq"],
        "last_seq": rows[-1]["seq"],
        "anchor_seq": rows[0]["seq"] - 1,
        "anchor_mac": rows[0]["prev_mac"],
        "last_mac": rows[-1]["mac"],
    }
    header["header_key_id"], header["header_mac"] = _header_mac(header)
    tmp = path.with_name(path.name + ".part")
    with gzip.open(tmp, "wt", encoding="utf-8") as out:
        out.write(json.dumps(header, ensure_ascii=False) + "\n")
        for row in rows:
            line = {name: row[name] for name in audit_chain.RECORD_FIELDS}
            line["occurred_at"] = audit_chain.utc_iso(row["occurred_at"])
            out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
    tmp.replace(path)
    return header


def verify_archive(path: Path) -> tuple[dict[str, Any], audit_chain.VerifyResult]:
    """Check an archive file: header MAC, every record's MAC and link, the record count and the last MAC."""
    with gzip.open(path, "rt", encoding="utf-8") as src:
        header = json.loads(src.readline() or "{}")
        if header.get("format") != ARCHIVE_FORMAT:
            raise ValueError("不是审计归档文件")
        if _header_mac(header)[1] != header.get("header_mac"):
            raise ValueError("归档文件头校验失败（文件被改动或密钥不符）")
        result = audit_chain.verify(
            (json.loads(line) for line in src if line.strip()),
            anchor_seq=header["anchor_seq"],
            anchor_mac=header["anchor_mac"],
            head_seq=header["last_seq"],
            head_mac=header["last_mac"],
        )
    if result.ok and result.count != header["count"]:
        result.broken = audit_chain.Break(None, None, "", f"记录数 {result.count} 与文件头 {header['count']} 不符")
    return header, result
