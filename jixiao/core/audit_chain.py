"""The HMAC-SM3 chain over the audit trail (SECURITY.md §1.4, checklist D03).

Every audit record carries `seq` (1, 2, 3 … without gaps), `prev_mac` (the previous record's MAC) and
`mac = HMAC-SM3(key, canonical(record) ‖ prev_mac)`. Changing, deleting, inserting or reordering a record breaks the
chain at that record; `manage.py verify_audit_chain` names the first broken one.

Keys come from `JIXIAO_AUDIT_KEY="a2:<hex>,a1:<hex>"` (16–64 byte keys; the first one signs new records, all verify,
so the key can be rotated). Demo and test mode derive one key from SECRET_KEY when unset; production refuses to
start without it (config/settings.py).

This module knows nothing about the ORM: it works on plain mappings, so archives (JSONL) verify with the same code as
the table.
"""

from __future__ import annotations

import binascii
import datetime as dt
import hmac as std_hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder

from jixiao.core.crypto import hmac_sm3

# The record fields covered by the MAC, besides `seq` and the timestamp.
SIGNED_FIELDS = (
    "actor_id",
    "actor_name",
    "role",
    "organization",
    "ip",
    "request_id",
    "event_type",
    "object_type",
    "object_id",
    "object_repr",
    "outcome",
    "reason",
    "changes",
)
# Signed only when set: records written before the field existed (and records of no region) keep their MAC, and
# setting, changing or clearing the value of a signed record breaks it like any other field.
SIGNED_IF_SET = ("region_path",)
# Everything an archive line holds (and verification reads).
RECORD_FIELDS = ("id", "seq", "occurred_at", *SIGNED_FIELDS, *SIGNED_IF_SET, "key_id", "prev_mac", "mac")


def parse_audit_keys(spec: str) -> list[tuple[str, bytes]]:
    keys: list[tuple[str, bytes]] = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        key_id, _, hex_key = part.partition(":")
        try:
            key = binascii.unhexlify(hex_key.strip())
        except (binascii.Error, ValueError) as exc:
            raise ImproperlyConfigured(f"JIXIAO_AUDIT_KEY: key {key_id!r} is not hex") from exc
        if not key_id.isalnum() or len(key_id) > 16 or not 16 <= len(key) <= 64:
            raise ImproperlyConfigured("JIXIAO_AUDIT_KEY entries must be id:<32 to 128 hex characters>")
        keys.append((key_id, key))
    if not keys:
        raise ImproperlyConfigured("JIXIAO_AUDIT_KEY holds no key")
    return keys


def audit_keys() -> list[tuple[str, bytes]]:
    spec = getattr(settings, "JIXIAO_AUDIT_KEY", "")
    if spec:
        return parse_audit_keys(spec)
    if settings.DEBUG or settings.DEMO_MODE or settings.TESTING:
        return [("demo", bytes.fromhex(hmac_sm3(settings.SECRET_KEY.encode(), b"jixiao-audit-chain-key")))]
    raise ImproperlyConfigured("JIXIAO_AUDIT_KEY must be set in production (audit chain MAC key)")


def normalize_json(value: Any) -> Any:
    """The JSON value as the database gives it back (PostgreSQL jsonb turns 2.0 into 2): what is signed is stored."""
    value = json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    return _integral_floats_as_int(value)


def _integral_floats_as_int(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral_floats_as_int(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral_floats_as_int(v) for v in value]
    return value


def utc_iso(value: dt.datetime | str) -> str:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical(record: Mapping[str, Any]) -> bytes:
    """A stable byte string of the signed fields: sorted keys, no whitespace, UTC ISO time."""
    data: dict[str, Any] = {name: record.get(name) for name in SIGNED_FIELDS}
    data.update({name: record[name] for name in SIGNED_IF_SET if record.get(name)})
    data["changes"] = _integral_floats_as_int(data["changes"] or {})
    data["actor_id"] = None if data["actor_id"] is None else int(data["actor_id"])
    data["seq"] = int(record["seq"])
    data["occurred_at"] = utc_iso(record["occurred_at"])
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_mac(key: bytes, record: Mapping[str, Any], prev_mac: str) -> str:
    return hmac_sm3(key, canonical(record) + prev_mac.encode())


def sign(record: Mapping[str, Any], prev_mac: str) -> tuple[str, str]:
    """(key id, MAC) for a new record, with the current signing key."""
    key_id, key = audit_keys()[0]
    return key_id, compute_mac(key, record, prev_mac)


@dataclass
class Break:
    seq: int | None
    id: int | None
    occurred_at: str
    problem: str

    def describe(self) -> str:
        where = f"序号 {self.seq}，ID {self.id}，时间 {self.occurred_at}" if self.id is not None else "链尾"
        return f"审计链在第一条异常记录处断开（{where}）：{self.problem}"


@dataclass
class VerifyResult:
    count: int
    last_seq: int
    last_mac: str
    broken: Break | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify(
    records: Iterable[Mapping[str, Any]],
    *,
    anchor_seq: int = 0,
    anchor_mac: str = "",
    head_seq: int | None = None,
    head_mac: str | None = None,
) -> VerifyResult:
    """Walk records in `seq` order; stop at the first one that does not fit the chain.

    `anchor_*` is where the chain starts (0/"" for a fresh chain, or the last archived-and-deleted record);
    `head_*`, when given, is where it must end (the chain head row), so a deleted last record is found too.
    """
    keys = dict(audit_keys())
    expected_seq, prev_mac, count = anchor_seq + 1, anchor_mac, 0
    for record in records:
        seq = int(record["seq"])
        broken = Break(seq, record.get("id"), _display_time(record["occurred_at"]), "")
        if seq != expected_seq:
            missing = f"缺少序号 {expected_seq}" + (f"–{seq - 1}" if seq - 1 > expected_seq else "")
            broken.problem = (
                f"序号不连续（{missing}，记录被删除或顺序被调换）" if seq > expected_seq else "序号重复或倒序"
            )
            return VerifyResult(count, expected_seq - 1, prev_mac, broken)
        if not std_hmac.compare_digest(str(record["prev_mac"]), prev_mac):
            broken.problem = "与前一条记录的链接不符（前序记录被删除、替换或顺序被调换）"
            return VerifyResult(count, expected_seq - 1, prev_mac, broken)
        key = keys.get(str(record.get("key_id") or ""))
        if key is None:
            broken.problem = f"未知的密钥编号“{record.get('key_id')}”"
            return VerifyResult(count, expected_seq - 1, prev_mac, broken)
        if not std_hmac.compare_digest(compute_mac(key, record, prev_mac), str(record["mac"])):
            broken.problem = "内容与MAC不符（记录被篡改）"
            return VerifyResult(count, expected_seq - 1, prev_mac, broken)
        expected_seq, prev_mac, count = seq + 1, str(record["mac"]), count + 1
    result = VerifyResult(count, expected_seq - 1, prev_mac)
    if head_seq is not None and (head_seq != result.last_seq or (head_mac or "") != result.last_mac):
        result.broken = Break(
            None,
            None,
            "",
            f"链头记录为序号 {head_seq}，而表中最后一条为序号 {result.last_seq}（末尾记录被删除，或链头被改动）",
        )
    return result


def _display_time(value: dt.datetime | str) -> str:
    try:
        return utc_iso(value)
    except (TypeError, ValueError):
        return str(value)
