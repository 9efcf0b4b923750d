"""PBKDF2-SM3 password hashing (SECURITY.md §2, checklist A08)."""

from __future__ import annotations

import base64
import hashlib

from django.contrib.auth.hashers import check_password, make_password

from jixiao.accounts.hashers import PBKDF2SM3PasswordHasher


def test_pbkdf2_sm3_matches_the_standard_construction() -> None:
    hasher = PBKDF2SM3PasswordHasher()
    encoded = hasher.encode("Jixiao@2026", "fixedsalt0123456", iterations=1000)
    algorithm, iterations, salt, digest = encoded.split("$")
    expected = base64.b64encode(hashlib.pbkdf2_hmac("sm3", b"Jixiao@2026", b"fixedsalt0123456", 1000)).decode()
    assert (algorithm, iterations, salt, digest) == ("pbkdf2_sm3", "1000", "fixedsalt0123456", expected)
    assert hasher.verify("Jixiao@2026", encoded) and not hasher.verify("jixiao@2026", encoded)


def test_django_accepts_it_as_a_configured_hasher() -> None:
    encoded = make_password("Abcdef1!x", hasher="pbkdf2_sm3")
    assert encoded.startswith("pbkdf2_sm3$") and "Abcdef1!x" not in encoded
    assert check_password("Abcdef1!x", encoded)
