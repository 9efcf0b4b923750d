"""TR-1 of the annual summary: “组织预算绩效管理业务培训N期” counts the 业务培训 only; 考察学习 and 上门指导,
kept in the same register, are named apart (and left out when there were none)."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import World
from jixiao.reports.statistics.base import Scope
from jixiao.reports.statistics.closing import tr_1
from jixiao.training import services

pytestmark = pytest.mark.django_db


def _session(world: World, kind: str, sessions: int, attendance: int) -> None:
    data = {
        "held_on": dt.date(2026, 4, 10),
        "topic": "预算绩效管理",
        "organiser": "县财政局绩效股",
        "trainer_type": "staff",
        "kind": kind,
        "session_count": sessions,
        "attendance": attendance,
    }
    services.training_create(actor=world.users["performance"], data=data)


def test_the_training_count_is_of_training_and_the_other_kinds_are_named_apart(world: World) -> None:
    _session(world, "training", 2, 150)
    _session(world, "training", 1, 80)
    _session(world, "study_visit", 1, 30)
    figure = tr_1(Scope(region=world.region, work_year=2026, fiscal_year=2026, actor=world.users["performance"]))
    assert figure.sentence == "组织预算绩效管理业务培训3期，培训230人次；开展考察学习1次、30人次"
    assert (figure.values["sessions"], figure.values["attendance"]) == (4, 260)  # the register's totals, all kinds
    assert (figure.values["training_sessions"], figure.values["training_attendance"]) == (3, 230)
    assert ("考察学习（次）", "1") in figure.table and ("上门指导（次）", "0") in figure.table


def test_a_year_of_visits_only_says_no_training_was_held(world: World) -> None:
    _session(world, "on_site_guidance", 3, 12)
    figure = tr_1(Scope(region=world.region, work_year=2026, fiscal_year=2026, actor=world.users["performance"]))
    assert figure.sentence == "组织预算绩效管理业务培训0期，培训0人次；开展上门指导3次、12人次"
