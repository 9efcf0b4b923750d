"""TIME patterns P2–P7 of DOMAIN.md §4.2: deadlines written as dates, months, year ends, halves and quarters."""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass

from .values import Flag, FlagCode, flag

_BEFORE = "(?:前|之前|以前)"
_YEAR = r"(?:(?P<y>\d{4})年)?"
P2 = re.compile(rf"^(?P<y>\d{{4}})[-./年](?P<m>\d{{1,2}})[-./月](?P<d>\d{{1,2}})日?{_BEFORE}?(?:完成)?$")
# Not a §4.2 row: a year-less 月/日 date (`6月30日前`), defaulting to the fiscal year like P3–P5.
P2B = re.compile(rf"^(?P<m>\d{{1,2}})月(?P<d>\d{{1,2}})日?{_BEFORE}?(?:完成)?$")
P3 = re.compile(rf"^{_YEAR}(?P<m>\d{{1,2}})月(?:底|末){_BEFORE}?(?:完成)?$")
P4 = re.compile(rf"^{_YEAR}(?P<m>\d{{1,2}})月{_BEFORE}(?:完成)?$")
P5 = re.compile(rf"^(?P<op>≤|<|=)?{_YEAR}(?P<m>\d{{1,2}})月(?:份)?(?:完成)?$")
P6 = re.compile(r"^(?:年底前|年末前|年底|年末|年内|当年|本年度内|年度内|(?P<y>\d{4})年(?:底|末)?(?:前|内)?)(?:完成)?$")
# The optional year prefix (`2024年上半年`) is an addition to the §4.2 row.
P7 = re.compile(
    rf"^{_YEAR}(?:(?P<half>上半年|下半年)|第?(?P<q>[一二三四1-4])季度(?:末|底)?(?P<before>前|内)?)(?:完成)?$"
)
_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


@dataclass(frozen=True)
class TimeHit:
    """A TIME pattern matched; ``deadline`` is None when the written date does not exist (→ UNPARSED)."""

    pattern: str
    deadline: datetime.date | None
    flags: tuple[Flag, ...] = ()


def month_end(year: int, month: int) -> datetime.date | None:
    if not 1 <= month <= 12:
        return None
    try:
        return datetime.date(year, month, calendar.monthrange(year, month)[1])
    except ValueError:
        return None


def _year(match: re.Match[str], fiscal_year: int) -> int:
    return int(match.group("y")) if match.group("y") else fiscal_year


def _date(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _day_before(day: datetime.date) -> datetime.date | None:
    try:
        return day - datetime.timedelta(days=1)
    except OverflowError:
        return None


def _p2(s: str, fy: int, inclusive: bool) -> TimeHit | None:
    m = P2.match(s)
    if m:
        return TimeHit("P2", _date(_year(m, fy), int(m.group("m")), int(m.group("d"))))
    m = P2B.match(s)
    return TimeHit("P2", _date(fy, int(m.group("m")), int(m.group("d")))) if m else None


def _p3(s: str, fy: int, inclusive: bool) -> TimeHit | None:
    m = P3.match(s)
    return TimeHit("P3", month_end(_year(m, fy), int(m.group("m")))) if m else None


def _p4(s: str, fy: int, inclusive: bool) -> TimeHit | None:
    m = P4.match(s)
    if not m:
        return None
    year, month = _year(m, fy), int(m.group("m"))
    end = month_end(year, month)
    deadline = end if end is None or inclusive else _day_before(end.replace(day=1))
    reading = "含当月" if inclusive else "不含当月"
    note = flag(FlagCode.P_MONTH_BEFORE_AMBIGUOUS, f"“{month}月前”按{reading}理解，截止日期为{deadline}")
    return TimeHit("P4", deadline, (note,))


def _p5(s: str, fy: int, inclusive: bool) -> TimeHit | None:
    m = P5.match(s)
    if not m:
        return None
    deadline = month_end(_year(m, fy), int(m.group("m")))
    notes: tuple[Flag, ...] = ()
    if m.group("op") == "<":
        notes = (flag(FlagCode.P_MONTH_BEFORE_AMBIGUOUS, f"“{s}”按当月月底（{deadline}）前理解，请核实"),)
    return TimeHit("P5", deadline, notes)


def _p6(s: str, fy: int, inclusive: bool) -> TimeHit | None:
    m = P6.match(s)
    return TimeHit("P6", _date(_year(m, fy), 12, 31)) if m else None


def _p7(s: str, fy: int, inclusive: bool) -> TimeHit | None:
    m = P7.match(s)
    if not m:
        return None
    year = _year(m, fy)
    if m.group("half"):
        return TimeHit("P7", _date(year, 6, 30) if m.group("half") == "上半年" else _date(year, 12, 31))
    quarter = _QUARTER[m.group("q")]
    deadline = month_end(year, quarter * 3)
    notes: tuple[Flag, ...] = ()
    if m.group("before") == "前":
        notes = (flag(FlagCode.P_MONTH_BEFORE_AMBIGUOUS, f"“{s}”按该季度末（{deadline}）理解，请核实"),)
    return TimeHit("P7", deadline, notes)


_PATTERNS: tuple[Callable[[str, int, bool], TimeHit | None], ...] = (_p2, _p3, _p4, _p5, _p6, _p7)


def match_time(s: str, *, fiscal_year: int, month_before_inclusive: bool) -> TimeHit | None:
    """The first TIME pattern (P2–P7) matching the normalised text ``s``."""
    for pattern in _PATTERNS:
        hit = pattern(s, fiscal_year, month_before_inclusive)
        if hit is not None:
            return hit
    return None
