"""信息公开 models."""

from __future__ import annotations
