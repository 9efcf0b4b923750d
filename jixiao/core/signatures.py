"""SM2 signatures on formal submissions (SECURITY.md §2.1 g–h, checklist G04): self-evaluations and score sheets.

`sign(actor, obj, purpose=…, fields=[…], children={related_name: […]})` builds the canonical JSON of the named
fields of `obj` (re-read from the database) and of its child rows, signs it with the actor's SM2 key and stores a
`core.Signature`. `verify(obj)` rebuilds the payload from the current rows and checks digest and signature, so a row
changed in the database afterwards shows 签名无效.

Backends: the software backend (default) keeps one SM2 key pair per user, created at the first signature, the
private key SM4-GCM encrypted (`core.SigningKey`). A 密评 production deployment sets `JIXIAO_SIGNING_BACKEND` to a
class with the same two methods that calls the signer's certified USB key (SKF) or a 签名验签服务器 (SDF); the stored
signatures and their verification do not change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Protocol

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.utils.module_loading import import_string

from jixiao.core import crypto
from jixiao.core.models import Signature, SigningKey

SPEC_VERSION = 1


class SigningBackend(Protocol):
    def public_key(self, user: Any) -> str: ...

    def sign(self, user: Any, message: bytes, *, uid: str) -> str: ...


class SoftwareSigningBackend:
    """SM2 in software (snowland-smx); the key pair lives in `core.SigningKey`, the private key encrypted."""

    def _key(self, user: Any) -> SigningKey:
        key = SigningKey.objects.filter(user_id=user.pk).first()
        if key is None:
            private, public = crypto.sm2_generate_keypair()
            with transaction.atomic():
                key, _created = SigningKey.objects.get_or_create(
                    user_id=user.pk, defaults={"public_key": public, "private_key": private}
                )
        return key

    def public_key(self, user: Any) -> str:
        return self._key(user).public_key

    def sign(self, user: Any, message: bytes, *, uid: str) -> str:
        return crypto.sm2_sign(message, self._key(user).private_key, uid=uid)


@lru_cache(maxsize=1)
def backend() -> SigningBackend:
    path = getattr(settings, "JIXIAO_SIGNING_BACKEND", "jixiao.core.signatures.SoftwareSigningBackend")
    return import_string(path)()  # type: ignore[no-any-return]


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def canonical(payload: Mapping[str, Any]) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the same content always gives the same bytes."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_jsonable).encode()


def _fresh(obj: models.Model) -> models.Model:
    return type(obj)._base_manager.get(pk=obj.pk)


def payload(obj: models.Model, spec: Mapping[str, Any]) -> dict[str, Any]:
    """The signed content of `obj` as the database holds it now."""
    row = _fresh(obj)
    data: dict[str, Any] = {
        "object": f"{obj._meta.label}#{obj.pk}",
        "spec": dict(spec),
        "fields": {name: _jsonable(getattr(row, name)) for name in spec.get("fields", [])},
    }
    children: dict[str, Any] = {}
    for related_name, names in sorted(spec.get("children", {}).items()):
        rows = getattr(row, related_name).order_by("pk").values_list("pk", *names)
        children[related_name] = [[_jsonable(v) for v in values] for values in rows]
    data["children"] = children
    return data


def sign(
    *,
    actor: Any,
    obj: models.Model,
    purpose: str,
    fields: Sequence[str],
    children: Mapping[str, Sequence[str]] | None = None,
) -> Signature:
    """Sign the named content of `obj` as `actor`; call inside the submitting transaction, after the last save."""
    spec = {"v": SPEC_VERSION, "fields": list(fields), "children": {k: list(v) for k, v in (children or {}).items()}}
    message = canonical(payload(obj, spec))
    uid = crypto.SM2_DEFAULT_UID
    signer = backend()
    signature = signer.sign(actor, message, uid=uid)
    return Signature.objects.create(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=str(obj.pk),
        purpose=purpose,
        signer=actor,
        signer_name=(actor.get_full_name() or actor.get_username())[:150],
        spec=spec,
        digest=crypto.sm3(message),
        signature=signature,
        public_key=signer.public_key(actor),
        uid=uid,
    )


def latest(obj: models.Model, purpose: str | None = None) -> Signature | None:
    rows = Signature.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
    ).select_related("signer")
    if purpose:
        rows = rows.filter(purpose=purpose)
    return rows.order_by("-signed_at", "-id").first()


@dataclass(frozen=True)
class Verification:
    signature: Signature | None
    valid: bool

    @property
    def label(self) -> str:
        if self.signature is None:
            return "未签名"
        return "签名有效" if self.valid else "签名无效"


def verify_signature(obj: models.Model, signature: Signature) -> bool:
    """The digest matches the current content and the SM2 signature verifies with the stored public key."""
    try:
        message = canonical(payload(obj, signature.spec))
    except (AttributeError, TypeError, ValueError, ObjectDoesNotExist, crypto.CryptoError):
        return False
    if crypto.sm3(message) != signature.digest:
        return False
    key = None
    if signature.signer_id is not None:
        key = SigningKey.objects.filter(user_id=signature.signer_id).values_list("public_key", flat=True).first()
    if key is not None and key != signature.public_key:
        return False  # the stored public key was swapped for another one
    return crypto.sm2_verify(message, signature.signature, signature.public_key, uid=signature.uid)


def verify(obj: models.Model, purpose: str | None = None) -> Verification:
    signature = latest(obj, purpose)
    if signature is None:
        return Verification(None, False)
    return Verification(signature, verify_signature(obj, signature))
