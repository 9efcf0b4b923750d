"""The one rule for region/year configuration rows: nearest region first, then the given year before "every year"."""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.core.config_rows import layered, most_specific


@dataclass
class Region:
    path: str


@dataclass
class Row:
    name: str
    region: Region | None
    fiscal_year: int | None
    active: bool = True

    @property
    def region_id(self) -> int | None:
        return None if self.region is None else 1


PROVINCE = Region("51/")
CITY = Region("51/5117/")
COUNTY = Region("51/5117/511725/")
OTHER_COUNTY = Region("51/5117/511799/")

ROWS = [
    Row("national-any", None, None),
    Row("national-2026", None, 2026),
    Row("province-any", PROVINCE, None),
    Row("city-2025", CITY, 2025),
    Row("other-county", OTHER_COUNTY, None),
]


def test_nearest_region_beats_a_year_of_a_farther_one() -> None:
    assert most_specific(ROWS, COUNTY, 2026).name == "province-any"  # type: ignore[union-attr]
    assert most_specific(ROWS, COUNTY, 2025).name == "city-2025"  # type: ignore[union-attr]


def test_given_year_beats_every_year_at_the_same_region() -> None:
    rows = [Row("national-any", None, None), Row("national-2026", None, 2026)]
    assert most_specific(rows, COUNTY, 2026).name == "national-2026"  # type: ignore[union-attr]
    assert most_specific(rows, COUNTY, 2027).name == "national-any"  # type: ignore[union-attr]


def test_rows_of_other_regions_and_filtered_rows_never_apply() -> None:
    assert most_specific(ROWS, OTHER_COUNTY, 2024).name == "other-county"  # type: ignore[union-attr]
    assert most_specific([Row("x", OTHER_COUNTY, None)], COUNTY, 2026) is None
    rows = [Row("off", COUNTY, None, active=False), Row("national", None, None)]
    assert most_specific(rows, COUNTY, 2026, where=lambda r: r.active).name == "national"  # type: ignore[union-attr]


def test_layered_orders_least_to_most_specific() -> None:
    names = [row.name for row in layered([ROWS[3], ROWS[0], ROWS[2], ROWS[1]])]
    assert names == ["national-any", "national-2026", "province-any", "city-2025"]
