"""Demo data for 培训管理 (filled in by the training stage)."""

from __future__ import annotations

import random
from typing import Any


def seed_training(rng: random.Random, county: Any, year: int) -> None:
    """Nothing to seed yet."""
    del rng, county, year
