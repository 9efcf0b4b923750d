"""绩效考核 models."""

from __future__ import annotations
