"""我的待办 of a third-party agency's staff: the assessments commissioned to their agency that wait for its
机构评审意见, linked to the list of those in review; the line goes once the review is in."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import World
from jixiao.core import todos
from jixiao.experts.models import Agency
from jixiao.preassessment import panels
from jixiao.preassessment.models import PreAssessment
from jixiao.preassessment.tests.factories import PreAssessmentFactory
from jixiao.projects.tests.factories import ProjectFactory

TITLE = "机构评审意见待提交"


@pytest.fixture
def agency(world: World) -> Agency:
    row = Agency.objects.create(
        region=world.region, name="四川明信绩效评价咨询有限公司", credit_code="91511700MA62D4L83R"
    )
    row.users.set([world.users["agency"]])
    return row


def _assigned(world: World, agency: Agency, project: object = None) -> PreAssessment:
    pa = PreAssessmentFactory(project=project or world.school_project, fin_review=True)
    return panels.agency_assign(actor=world.users["performance"], assessment=pa, agency=agency)


def _line(world: World) -> todos.TodoItem | None:
    return next((t for t in todos.for_user(world.users["agency"]) if t.title == TITLE), None)


def test_the_agency_sees_what_waits_for_its_review_on_the_home_page(world: World, agency: Agency) -> None:
    first = _assigned(world, agency)
    _assigned(world, agency, ProjectFactory(unit=world.school))
    PreAssessmentFactory(project=ProjectFactory(unit=world.school), fin_review=True)  # not commissioned to it
    line = _line(world)
    assert line is not None and line.count == 2 and line.stage == "事前绩效评估"
    assert line.url == "/preassessment/?status=fin_review"
    listing = world.login("agency").get(line.url).content.decode()
    assert first.project.name in listing
    home = world.login("agency").get("/").content.decode()
    assert TITLE in home and 'href="/preassessment/?status=fin_review"' in home


def test_a_submitted_review_leaves_the_list(world: World, agency: Agency) -> None:
    pa = _assigned(world, agency)
    panels.agency_review_submit(actor=world.users["agency"], assessment=pa, score=Decimal("80"), opinion="测算依据充分")
    assert _line(world) is None


def test_no_line_for_other_roles(world: World, agency: Agency) -> None:
    _assigned(world, agency)
    assert not any(t.title == TITLE for t in todos.for_user(world.users["performance"]))
