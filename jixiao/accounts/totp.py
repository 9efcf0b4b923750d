"""Time-based one-time passwords (RFC 6238, HMAC-SHA1, 30 s, 6 digits): the second factor for administrators and
finance staff (SECURITY.md §1.2, checklist A06). Works with any authenticator app (微信/支付宝 小程序令牌, FreeOTP,
Google Authenticator …). Pure functions; the secret is stored encrypted (core.fields.EncryptedTextField)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
import unicodedata
from urllib.parse import quote

import segno

from jixiao.core.numbers import is_digits

STEP = 30
DIGITS = 6


def new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    padded = secret.upper() + "=" * (-len(secret) % 8)
    return base64.b32decode(padded)


def hotp(key: bytes, counter: int, digits: int = DIGITS, digest: str = "sha1") -> str:
    mac = hmac.new(key, struct.pack(">Q", counter), getattr(hashlib, digest)).digest()
    offset = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % (10**digits)
    return str(code).zfill(digits)


def step_at(timestamp: float) -> int:
    return int(timestamp) // STEP


def code_at(secret: str, timestamp: float) -> str:
    return hotp(_key(secret), step_at(timestamp))


def verify(secret: str, code: str, *, last_step: int | None, now: float | None = None, window: int = 1) -> int | None:
    """The time step the code belongs to (±window steps for clock drift), or None.

    A step at or before `last_step` is refused: a code can be used once (replay protection, ASVS 6.5.1). Full-width
    digits (a Chinese input method in full-width mode types “１２３４５６”) read as the same code; any other non-ASCII
    text is simply a wrong code (hmac.compare_digest refuses to compare it, which would be a server error)."""
    code = unicodedata.normalize("NFKC", code or "").strip().replace(" ", "")
    if not (is_digits(code) and len(code) == DIGITS):
        return None
    current = step_at(time.time() if now is None else now)
    key = _key(secret)
    for step in range(current - window, current + window + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(hotp(key, step), code):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str = "Jixiao") -> str:
    label = quote(f"{issuer}:{account}")
    return f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer)}&digits={DIGITS}&period={STEP}"


def qr_data_uri(uri: str) -> str:
    """The enrolment link as an SVG QR code (a data: URI, allowed by the CSP img-src)."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=4))
