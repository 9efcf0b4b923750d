"""A page of next-year projects finds each one's proposal by the whole (year, unit, code, region) key: the query
pre-filters every field separately, so a project sharing only some fields with a proposal does not match it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import World
from jixiao.projects.models import Project
from jixiao.projects.tests.factories import ProjectFactory
from jixiao.results import selectors
from jixiao.results.tests import helpers as h

pytestmark = pytest.mark.django_db


def _next_year(unit: Any, code: str) -> Project:
    return ProjectFactory(
        unit=unit, code=code, fiscal_year=2027, start_year=2027, end_year=2027, fiscal_amount_yuan=Decimal("100000")
    )


def test_a_page_matches_each_project_on_the_whole_key(world: World) -> None:
    for project, grade in ((world.school_project, "良"), (world.hospital_project, "差")):
        arranged = h.arranged(project)
        h.pay(arranged, "190000.00")
        h.self_eval(arranged, grade)
    h.generate(world)
    school_app, hospital_app = h.proposal(world.school_project), h.proposal(world.hospital_project)
    assert school_app.next_year_project_id is None and hospital_app.next_year_project_id is None

    school_next = _next_year(world.school, "P-SCHOOL")
    hospital_next = _next_year(world.hospital, "P-HOSP")
    # The school's code in another county's unit: year and code match a proposal, unit and region do not.
    crossed = _next_year(world.far_unit, "P-SCHOOL")
    page = [school_next, crossed, hospital_next]
    with CaptureQueriesContext(connection) as captured:
        found = selectors.applications_for_next_year(page)
    assert len(captured) == 1
    assert {pid: app.pk for pid, app in found.items()} == {
        school_next.pk: school_app.pk,
        hospital_next.pk: hospital_app.pk,
    }
    # One project at a time gives the same answers.
    for project in page:
        one = selectors.application_for_next_year(project)
        assert (one.pk if one else None) == (found[project.pk].pk if project.pk in found else None)
