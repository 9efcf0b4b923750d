"""Demo data for 通报 (filled in by the bulletins stage)."""

from __future__ import annotations

import random
from typing import Any


def seed_bulletins(rng: random.Random, county: Any, year: int) -> None:
    """Nothing to seed yet."""
    del rng, county, year
