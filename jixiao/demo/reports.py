"""Demo data for 统计分析与年度总结 (filled in by the reports stage)."""

from __future__ import annotations

import random
from typing import Any


def seed_reports(rng: random.Random, county: Any, year: int) -> None:
    """Nothing to seed yet."""
    del rng, county, year
