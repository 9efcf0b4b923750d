"""Demo data for 文书管理 (filled in by the documents stage)."""

from __future__ import annotations

import random
from typing import Any


def seed_documents(rng: random.Random, county: Any, year: int) -> None:
    """Nothing to seed yet."""
    del rng, county, year
