"""Model fields for protected data: the value is SM4-GCM encrypted in the database (jixiao.core.crypto)."""

from __future__ import annotations

from typing import Any

from django.db import models

from jixiao.core import crypto


class EncryptedTextField(models.TextField):
    """Stores `sm4gcm:<key id>:<…>`; Python code sees the plaintext. Not searchable or sortable by value.

    The associated data is "<app_label.Model>.<field>", so a ciphertext moved to another column does not decrypt.
    """

    def _context(self) -> str:
        return f"{self.model._meta.label}.{self.name}"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return crypto.decrypt(value, context=self._context())

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value, context=self._context())
