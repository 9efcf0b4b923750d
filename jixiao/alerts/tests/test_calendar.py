"""The working-day calendar across the 2026 Spring Festival (15–23 Feb off; Sat 14 and Sat 28 Feb worked)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from jixiao.organizations.calendar import add_working_days, is_working_day, overrides_for, working_days_between
from jixiao.organizations.models import CalendarDay

SPRING = {date(2026, 2, 15) + timedelta(days=i): False for i in range(9)} | {
    date(2026, 2, 14): True,
    date(2026, 2, 28): True,
}


def test_plain_weeks() -> None:
    assert add_working_days(date(2026, 3, 6), 0) == date(2026, 3, 6)
    assert add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)  # Friday → Monday
    assert add_working_days(date(2026, 3, 2), 10) == date(2026, 3, 16)


def test_spring_festival_with_make_up_saturdays() -> None:
    assert is_working_day(date(2026, 2, 14), SPRING)  # make-up Saturday
    assert not is_working_day(date(2026, 2, 16), SPRING)  # holiday Monday
    # From Thu 12 Feb: Fri 13, Sat 14 (make-up), then the holiday to 23 Feb, then 24, 25, 26, 27, Sat 28 (make-up),
    # Mon 2 Mar, Tue 3 Mar, Wed 4 Mar = 10 working days.
    assert add_working_days(date(2026, 2, 12), 10, SPRING) == date(2026, 3, 4)
    # Without the calendar the same span ends on 26 Feb.
    assert add_working_days(date(2026, 2, 12), 10) == date(2026, 2, 26)
    assert working_days_between(date(2026, 2, 12), date(2026, 3, 4), SPRING) == 10
    assert working_days_between(date(2026, 3, 4), date(2026, 2, 12), SPRING) == -10


def test_overrides_from_rows_region_beats_national(world: Any) -> None:
    CalendarDay.objects.create(region=None, date=date(2026, 2, 14), is_working=True, name="春节调休")
    CalendarDay.objects.create(region=None, date=date(2026, 2, 16), is_working=False, name="春节")
    CalendarDay.objects.create(region=world.region, date=date(2026, 2, 14), is_working=False, name="本县不调休")
    CalendarDay.objects.create(region=world.other_region, date=date(2026, 2, 17), is_working=True, name="外县")
    found = overrides_for(world.region, date(2026, 2, 1), date(2026, 2, 28))
    assert found == {date(2026, 2, 14): False, date(2026, 2, 16): False}
