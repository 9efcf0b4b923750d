"""通报 models."""

from __future__ import annotations
