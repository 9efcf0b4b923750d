"""The demo calendar seeds the national holidays of the demo year and the next (2027 provisional), once a year."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from jixiao.demo.alerts import HOLIDAYS_2027, seed_calendar
from jixiao.organizations.calendar import add_working_days, overrides_for
from jixiao.organizations.models import CalendarDay
from jixiao.rectification.services import default_deadline


def _overrides(region: Any, start: date) -> dict[date, bool]:
    return overrides_for(region, start, start + timedelta(days=400))


@pytest.mark.django_db
def test_2026_seed_also_writes_2027_and_early_2027_deadlines_skip_the_holidays(world: Any) -> None:
    seed_calendar(2026)
    national = CalendarDay.objects.filter(region=None)
    assert national.filter(date__year=2026).count() == 33 + 5  # 33 holiday days, 5 make-up days
    assert national.filter(date__year=2027).count() == sum(days for _, days, _ in HOLIDAYS_2027) == 28
    assert not national.filter(date__year=2027, is_working=True).exists()  # no 调休 until the schedule is out
    # 元旦: Thursday 31 Dec 2026 + 1 working day is Monday 4 Jan (1–3 Jan off).
    assert add_working_days(date(2026, 12, 31), 1, _overrides(world.region, date(2026, 12, 31))) == date(2027, 1, 4)
    # 春节: from Thursday 4 Feb, the holiday runs Fri 5 – Fri 12 Feb; the next working day is Monday 15 Feb.
    overrides = _overrides(world.region, date(2027, 2, 4))
    assert add_working_days(date(2027, 2, 4), 1, overrides) == date(2027, 2, 15)
    # Without the rows the same span ended on Friday 5 Feb.
    assert add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 5)
    # 清明 (Mon 5 Apr): from Friday 2 Apr the next working day is Tuesday 6 Apr.
    assert add_working_days(date(2027, 4, 2), 1, _overrides(world.region, date(2027, 4, 2))) == date(2027, 4, 6)


@pytest.mark.django_db
def test_a_rectification_deadline_issued_in_january_2027_skips_the_spring_festival(world: Any) -> None:
    seed_calendar(2026)
    # 20 working days (the national default) from Friday 22 Jan 2027: 25 Jan – 4 Feb are 9, then the holiday
    # (5–12 Feb), then 15 Feb – 1 Mar are the other 11 → Monday 1 Mar (without the holiday: Friday 19 Feb).
    assert default_deadline(world.region, 2027, date(2027, 1, 22)) == date(2027, 3, 1)
    assert add_working_days(date(2027, 1, 22), 20) == date(2027, 2, 19)


@pytest.mark.django_db
def test_the_seed_keeps_a_year_that_already_has_national_rows(world: Any) -> None:
    CalendarDay.objects.create(region=None, date=date(2027, 2, 7), is_working=True, name="春节调休（已公布）")
    seed_calendar(2026)
    assert list(CalendarDay.objects.filter(region=None, date__year=2027).values_list("name", flat=True)) == [
        "春节调休（已公布）"
    ]
    assert CalendarDay.objects.filter(region=None, date__year=2026).exists()
    seed_calendar(2026)  # again: nothing doubled
    assert CalendarDay.objects.filter(region=None, date__year=2026).count() == 38
