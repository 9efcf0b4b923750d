"""The demo county shows stage 1 (事前绩效评估): every conclusion, work in progress, the right audiences, the pages."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from jixiao.accounts.demo_logins import DEMO_PASSWORD
from jixiao.accounts.models import User
from jixiao.core import todos
from jixiao.organizations.models import BudgetUnit
from jixiao.preassessment import panels, selectors
from jixiao.preassessment.models import Conclusion, PreAssessment, PreAssessmentStatus
from jixiao.projects import gates
from jixiao.reports.selectors import dashboard

YEAR = 2026
SCHOOL = "县第一中学"
HOSPITAL = "县人民医院"


def _users() -> dict[str, User]:
    names = ["jxg", "edu_admin", "edu_unit", "health_unit", "jkw", "expert1", "agency1", "leader"]
    return {u.username: u for u in User.objects.filter(username__in=names)}


def _login(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=DEMO_PASSWORD)
    return client


def _visible(user: User) -> set[int]:
    return set(PreAssessment.objects.visible_to(user).filter(fiscal_year=YEAR).values_list("pk", flat=True))


def _this_round(rows: list[PreAssessment]) -> list[PreAssessment]:
    """The personas' own cases, filed through the services; the earlier rounds' conclusions (bulk-written for the
    projects already past the gate, see test_coherence.py) have no filer."""
    return [pa for pa in rows if pa.created_by_id is not None]


@pytest.mark.django_db
def test_demo_county_has_pre_assessments_in_every_conclusion_and_in_progress(demo_county: str) -> None:
    users = _users()
    rows = list(PreAssessment.objects.filter(fiscal_year=YEAR).select_related("project", "unit"))

    this_round = _this_round(rows)
    concluded = {pa.conclusion: pa for pa in this_round if pa.status == PreAssessmentStatus.CONCLUDED}
    assert sorted(pa.conclusion for pa in concluded.values()) == sorted(Conclusion.values)
    assert len([pa for pa in this_round if pa.status == PreAssessmentStatus.CONCLUDED]) == len(Conclusion.values)
    assert {PreAssessmentStatus.FIN_REVIEW, PreAssessmentStatus.SUBMITTED, PreAssessmentStatus.DRAFT} <= {
        pa.status for pa in this_round
    }
    for pa in rows:
        project = pa.project
        assert project.is_new and selectors.assessment_required(project)[0], project.name
        assert pa.events.exists() and pa.attachments.exists()

    # 予以支持 after an expert panel that scored all five dimensions.
    support = concluded[Conclusion.SUPPORT]
    summary = panels.panel_summary(support)
    assert summary.submitted == 3 and support.score == summary.average >= 80
    assert len(summary.dimensions) == 5 and all(average is not None for _, average in summary.dimensions)
    # 核减后支持 by the agency's review: the project now asks for the supported amount.
    reduced = concluded[Conclusion.SUPPORT_REDUCED]
    assert reduced.agency is not None and reduced.agency_score is not None and reduced.agency_opinion
    assert 0 < reduced.supported_amount_yuan < reduced.requested_amount_yuan
    assert reduced.reduction_amount_yuan == reduced.requested_amount_yuan - reduced.supported_amount_yuan
    assert reduced.project.fiscal_amount_yuan == reduced.supported_amount_yuan
    assert concluded[Conclusion.SUPPORT_AFTER_ADJUSTMENT].awaits_revision
    assert concluded[Conclusion.DEFER].override_reason

    # Supported projects may pass the gate into the library; the others are kept out of it.
    for pa in (support, reduced):
        assert pa.is_supported
        assert pa.project.status in {"submitted", "dept_approved", "in_library"}
        gates.check(pa.project, "section_approve")
    for conclusion in (Conclusion.SUPPORT_AFTER_ADJUSTMENT, Conclusion.DEFER, Conclusion.REJECT):
        assert concluded[conclusion].project.status in {"draft", "returned"}

    # Each persona sees its share, and has its 待办.
    everyone = {pa.pk for pa in rows}
    assert _visible(users["jxg"]) == everyone
    school = {pa.pk for pa in rows if pa.unit.name.startswith(SCHOOL)}
    assert school and _visible(users["edu_unit"]) == school
    hospital = {pa.pk for pa in rows if pa.unit.path.startswith(BudgetUnit.objects.get(name=HOSPITAL).path)}
    assert _visible(users["health_unit"]) == hospital != set()
    assert _visible(users["expert1"]) == set()  # experts reach their panel rows only
    mine = set(panels.my_assignments(users["expert1"]).values_list("assessment_id", flat=True))
    assert mine == {pa.pk for pa in rows if pa.panel_members.filter(expert__user=users["expert1"]).exists()}
    assert support.pk in mine and reduced.pk not in mine and len(mine) < len(everyone)
    assert _visible(users["agency1"]) == {reduced.pk}

    def waiting(username: str) -> set[str]:
        return {item.title for item in todos.for_user(users[username]) if item.stage == "事前绩效评估"}

    assert "专家评分待提交" in waiting("expert1")
    assert "评估待绩效股评审" in waiting("jxg")
    assert "评估待主管部门审核" in waiting("edu_admin")
    assert "评估申报未提交" in waiting("health_unit")


@pytest.mark.django_db
def test_demo_pre_assessments_show_on_the_list_the_export_and_the_dashboard(demo_county: str) -> None:
    users = _users()
    rows = list(PreAssessment.objects.filter(fiscal_year=YEAR).select_related("project"))
    names = {pa.project.name for pa in rows}

    # This round's cases lead the list (the earlier rounds' conclusions follow on later pages).
    page = _login(users["jxg"]).get(reverse("preassessment:list"), {"fiscal_year": YEAR}).content.decode()
    assert all(pa.project.name in page for pa in _this_round(rows))
    school_page = _login(users["edu_unit"]).get(reverse("preassessment:list")).content.decode()
    assert any(name in school_page for name in names) and "急诊" not in school_page

    response = _login(users["jxg"]).get(reverse("preassessment:export"), {"fiscal_year": YEAR})
    sheet = load_workbook(BytesIO(response.content)).active
    cells = {str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None}
    assert names <= cells

    leader = users["leader"]
    panels_by_key = {panel.key: panel for panel in dashboard(leader, YEAR, date(2026, 9, 10))}
    stage = next(cell for cell in panels_by_key["stages"].cells if cell.key == "preassessment")
    assert stage.count == PreAssessment.objects.filter(status="concluded", fiscal_year=YEAR).count() > 5
    cut = next(cell for cell in panels_by_key["cuts"].cells if cell.key == "preassessment")
    assert cut.amount and cut.amount > 0
    assert _login(leader).get(reverse("reports:dashboard")).status_code == 200
