"""Demo data for 问题整改 (filled in by the rectification stage)."""

from __future__ import annotations

import random
from typing import Any


def seed_rectification(rng: random.Random, county: Any, year: int) -> None:
    """Nothing to seed yet."""
    del rng, county, year
