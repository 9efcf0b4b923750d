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
from typing import Any

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


def blind_index(value: str, *, context: str) -> str:
    """HMAC-SM3 of a normalised value, for exact-match search on an encrypted column without decrypting it.

    The key is derived from the oldest configured field key, so adding a new key in front (rotation) keeps the
    indexes valid; retiring the oldest key means recomputing them (re-save the rows).
    """
    value = "".join(value.split()).upper()
    if not value:
        return ""
    key = bytes.fromhex(hmac_sm3(field_keys()[-1][1], b"jixiao-blind-index"))
    return hmac_sm3(key, f"{context}|{value}".encode())


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


# --- SM2 (GB/T 32918 / GM/T 0003) -------------------------------------------------------------------------------
# `cryptography` has no SM2, so the software backend uses snowland-smx (`pysmx`), whose nonces come from `secrets`.
# Signatures follow GM/T 0003.2 with the user hash: e = SM3(ZA ‖ M), ZA over the signer's distinguishing identifier
# (default "1234567812345678", GM/T 0009) and public key. Keys and signatures are lower-case hex: private key d
# (64), public key x‖y (128, uncompressed, no 04 prefix), signature r‖s (128).
# A production 密评 deployment replaces this software backend with a certified module (USB key / 签名验签服务器)
# behind the same functions; see jixiao.core.signatures and docs/security.md.

SM2_DEFAULT_UID = "1234567812345678"
_SM2_HEX = 64


def _pysmx_sm2() -> Any:
    from pysmx import SM2  # imported lazily: pure Python, only needed when signing

    return SM2


def sm2_generate_keypair() -> tuple[str, str]:
    """A fresh key pair as (private key hex, public key hex), from the CSPRNG."""
    pair = _pysmx_sm2().generate_keypair(_SM2_HEX)
    return pair.privateKey.hex(), pair.publicKey.hex()


def sm2_public_key(private_key: str) -> str:
    sm2 = _pysmx_sm2()
    return str(sm2.kG(int(private_key, 16), sm2.sm2_G, _SM2_HEX)).lower()


def sm2_sign(message: bytes, private_key: str, *, uid: str = SM2_DEFAULT_UID, nonce: str | None = None) -> str:
    """The signature r‖s (hex) of `message`. `nonce` is for the standard's test vectors only; normally random."""
    sm2 = _pysmx_sm2()
    d = int(private_key, 16)
    if not 1 <= d < sm2.sm2_N - 1:
        raise CryptoError("SM2 私钥无效")
    for _attempt in range(8):
        k = nonce or sm2_random_nonce()
        signature = sm2.Sign(message, private_key, k, _SM2_HEX, uid=uid)
        if signature:
            return str(signature.hex())
        if nonce:
            break
    raise CryptoError("SM2 签名失败")


def sm2_random_nonce() -> str:
    import secrets

    return f"{secrets.randbelow(_pysmx_sm2().sm2_N - 1) + 1:064x}"


def sm2_verify(message: bytes, signature: str, public_key: str, *, uid: str = SM2_DEFAULT_UID) -> bool:
    """True only for a well-formed signature that verifies; anything malformed is simply invalid."""
    try:
        if len(signature) != 2 * _SM2_HEX or len(public_key) != 2 * _SM2_HEX:
            return False
        int(signature, 16), int(public_key, 16)
        r, s = int(signature[:_SM2_HEX], 16), int(signature[_SM2_HEX:], 16)
        n = _pysmx_sm2().sm2_N
        if not (1 <= r < n and 1 <= s < n):
            return False
        return bool(_pysmx_sm2().Verify(signature, message, public_key.lower(), _SM2_HEX, uid=uid))
    except (ValueError, TypeError, ZeroDivisionError):
        return False
