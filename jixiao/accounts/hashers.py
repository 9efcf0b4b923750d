"""PBKDF2 with SM3 (密评: national algorithms for stored passwords), selectable with JIXIAO_PASSWORD_HASHER=pbkdf2_sm3.

Stored as `pbkdf2_sm3$<iterations>$<salt>$<hash>`; existing Argon2/PBKDF2-SHA256 hashes keep working and are
upgraded to the first configured hasher at the user's next login (Django's hasher upgrade)."""

from __future__ import annotations

import functools
import hashlib

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class PBKDF2SM3PasswordHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_sm3"
    digest = functools.partial(hashlib.new, "sm3")  # type: ignore[assignment]
