"""统计分析与年度总结 models."""

from __future__ import annotations
