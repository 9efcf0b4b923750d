"""Demo data for 结果应用 (filled in by the results stage)."""

from __future__ import annotations

import random
from typing import Any


def seed_results(rng: random.Random, county: Any, year: int) -> None:
    """Nothing to seed yet."""
    del rng, county, year
