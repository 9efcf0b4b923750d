"""文书管理 models."""

from __future__ import annotations
