"""The crypto provider against the national standard vectors (GB/T 32905 SM3, GB/T 32907 SM4) and tamper checks."""

from __future__ import annotations

import binascii

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.core.exceptions import ImproperlyConfigured

from jixiao.core import crypto


def test_sm3_standard_vectors() -> None:
    assert crypto.sm3(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert crypto.sm3(b"abcd" * 16) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def test_sm4_standard_vector() -> None:
    key = binascii.unhexlify("0123456789abcdeffedcba9876543210")
    # ECB only to reproduce the one-block standard vector; fields use GCM.
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305
    assert (encryptor.update(key) + encryptor.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


def test_hmac_sm3_is_keyed() -> None:
    assert crypto.hmac_sm3(b"k1", b"data") != crypto.hmac_sm3(b"k2", b"data")
    assert len(crypto.hmac_sm3(b"k1", b"data")) == 64


def test_field_encryption_round_trip_and_tamper_detection() -> None:
    token = crypto.encrypt("13800001234", context="experts.Expert.phone")
    assert token.startswith("sm4gcm:") and "13800001234" not in token
    assert crypto.decrypt(token, context="experts.Expert.phone") == "13800001234"
    assert crypto.encrypt("x", context="a.B.c") != crypto.encrypt("x", context="a.B.c")  # random nonce
    prefix, key_id, body = token.split(":")
    raw = bytearray(binascii.a2b_base64(body))
    raw[14] ^= 0x01
    tampered = f"{prefix}:{key_id}:{binascii.b2a_base64(bytes(raw), newline=False).decode()}"
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(tampered, context="experts.Expert.phone")
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(token, context="experts.Expert.id_number")


def test_keys_are_validated() -> None:
    assert crypto.parse_keys("k2:00112233445566778899aabbccddeeff, k1:ffeeddccbbaa99887766554433221100")[0][0] == "k2"
    with pytest.raises(ImproperlyConfigured):
        crypto.parse_keys("k1:abcd")
    with pytest.raises(ImproperlyConfigured):
        crypto.parse_keys("k1:zz112233445566778899aabbccddeeff")
