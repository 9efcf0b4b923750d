"""The crypto provider (SECURITY.md §2, 密评): SM3, HMAC-SM3 and SM4-GCM field encryption, from `cryptography`.

Field keys come from the environment, never from the repository: `JIXIAO_FIELD_KEYS="k2:<32 hex>,k1:<32 hex>"`
(the first key encrypts, all keys decrypt, so keys can be rotated). In demo and test mode only, when no key is
configured, one key is derived from SECRET_KEY with HMAC-SM3. In production a missing or malformed key stops the
application at start (settings check), so nothing is ever stored unencrypted.

Ciphertext format: `sm4gcm:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>`, with the model field as associated data,
so a value copied into another column or row type fails to decrypt.
"""

from __future__ import annotations

import base64
import binascii
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "sm4gcm"
NONCE_BYTES = 12
TAG_BYTES = 16


class CryptoError(Exception):
    """A value could not be decrypted or verified (tampered, wrong key, or unknown key id)."""


def sm3(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def hmac_sm3(key: bytes, data: bytes) -> str:
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize().hex()


def parse_keys(spec: str) -> list[tuple[str, bytes]]:
    keys: list[tuple[str, bytes]] = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        key_id, _, hex_key = part.partition(":")
        try:
            key = binascii.unhexlify(hex_key.strip())
        except (binascii.Error, ValueError) as exc:
            raise ImproperlyConfigured(f"JIXIAO_FIELD_KEYS: key {key_id!r} is not hex") from exc
        if not key_id.isalnum() or len(key) != 16:
            raise ImproperlyConfigured("JIXIAO_FIELD_KEYS entries must be id:<32 hex characters> (SM4 128-bit keys)")
        keys.append((key_id, key))
    return keys


@lru_cache(maxsize=1)
def field_keys() -> tuple[tuple[str, bytes], ...]:
    spec = getattr(settings, "JIXIAO_FIELD_KEYS", "")
    if spec:
        return tuple(parse_keys(spec))
    if settings.DEBUG or settings.DEMO_MODE or settings.TESTING:
        derived = bytes.fromhex(hmac_sm3(settings.SECRET_KEY.encode(), b"jixiao-field-key"))[:16]
        return (("demo", derived),)
    raise ImproperlyConfigured("JIXIAO_FIELD_KEYS must be set in production (field encryption keys)")


def _cipher(key: bytes, nonce: bytes, tag: bytes | None = None) -> Cipher[modes.GCM]:
    return Cipher(algorithms.SM4(key), modes.GCM(nonce, tag))


def encrypt(plaintext: str, *, context: str) -> str:
    key_id, key = field_keys()[0]
    nonce = os.urandom(NONCE_BYTES)
    encryptor = _cipher(key, nonce).encryptor()
    encryptor.authenticate_additional_data(context.encode())
    body = encryptor.update(plaintext.encode()) + encryptor.finalize()
    token = base64.b64encode(nonce + body + encryptor.tag).decode()
    return f"{PREFIX}:{key_id}:{token}"


def decrypt(value: str, *, context: str) -> str:
    prefix, _, rest = value.partition(":")
    key_id, _, token = rest.partition(":")
    keys = dict(field_keys())
    if prefix != PREFIX or key_id not in keys:
        raise CryptoError("未知的密文格式或密钥")
    try:
        raw = base64.b64decode(token, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CryptoError("密文已损坏") from exc
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise CryptoError("密文已损坏")
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    decryptor = _cipher(keys[key_id], nonce, tag).decryptor()
    decryptor.authenticate_additional_data(context.encode())
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode()
    except InvalidTag as exc:
        raise CryptoError("密文校验失败（可能已被篡改）") from exc


def is_encrypted(value: str) -> bool:
    return value.startswith(f"{PREFIX}:")
