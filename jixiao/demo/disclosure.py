"""Demo data for 信息公开 (filled in by the disclosure stage)."""

from __future__ import annotations

import random
from typing import Any


def seed_disclosure(rng: random.Random, county: Any, year: int) -> None:
    """Nothing to seed yet."""
    del rng, county, year
