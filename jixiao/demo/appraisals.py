"""Demo data for 绩效考核 (filled in by the appraisals stage)."""

from __future__ import annotations

import random
from typing import Any


def seed_appraisals(rng: random.Random, county: Any, year: int) -> None:
    """Nothing to seed yet."""
    del rng, county, year
