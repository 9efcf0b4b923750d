"""DOMAIN.md §6.9: a closed rectification's 业务股室预算调整意见 (FINADJUSTADVICE) feeds next year's proposal. The
advice is free text, so there is no national default: the county saves the rule RECT-ADVICE with the action it
takes, and the proposal's 依据 quotes the advice."""

from __future__ import annotations

import pytest
from django.utils import timezone

from conftest import World
from jixiao.projects.models import Project
from jixiao.rectification.models import RectificationStatus
from jixiao.results.models import ResultApplication
from jixiao.results.tests import helpers as h

ADVICE = "下年度预算按实际需求安排，核减结余部分"


@pytest.fixture
def school(world: World) -> Project:
    """A spent project (no national rule matches it)."""
    project = h.arranged(world.school_project)
    h.pay(project, "190000.00")
    return project


def _closed(project: Project, advice: str, **extra: object) -> None:
    case = h.open_rectification(project, RectificationStatus.CLOSED)
    type(case).objects.filter(pk=case.pk).update(fin_adjust_advice=advice, closed_at=timezone.now(), **extra)


def test_a_closed_cases_advice_feeds_the_proposal_through_the_county_rule(world: World, school: Project) -> None:
    _closed(school, ADVICE)
    h.generate(world)
    assert not ResultApplication.objects.exists()  # no national default: nothing until the county saves the rule
    h.set_rule(world, "RECT-ADVICE", action="TIGHT", is_active=True, priority=95)
    h.generate(world)
    app = h.proposal(school)
    assert app.proposed_action == "TIGHT" and app.source == "RECTIFICATION"
    assert app.reasons[0]["code"] == "RECT-ADVICE"
    assert app.reasons[0]["text"] == f"问题整改办结时业务股室提出预算调整意见：{ADVICE}"
    page = world.login("performance").get(f"/results/{app.pk}/").content.decode()
    assert ADVICE in page


def test_only_closed_cases_of_the_year_with_advice_count(world: World, school: Project) -> None:
    h.set_rule(world, "RECT-ADVICE", action="TIGHT", is_active=True, priority=95)
    _closed(school, "")  # closed without advice
    _closed(school, "上年的意见", fiscal_year=h.YEAR - 1)  # another year's case
    case = h.open_rectification(school)  # not closed yet: its advice is not settled
    type(case).objects.filter(pk=case.pk).update(fin_adjust_advice="尚未办结的意见")
    h.generate(world)
    app = ResultApplication.objects.filter(project=school).first()
    assert app is None or all(r["code"] != "RECT-ADVICE" for r in app.reasons)
