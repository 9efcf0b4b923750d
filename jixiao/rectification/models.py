"""问题整改 models."""

from __future__ import annotations
