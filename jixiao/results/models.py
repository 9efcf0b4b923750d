"""结果应用 models."""

from __future__ import annotations
