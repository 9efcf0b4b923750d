"""An expert's task past its deadline, or on a filing no longer in review, is shown closed: 我的评审任务 said 待评分 and
the sheet offered its boxes and 提交评分, so the expert typed every score before being refused (409)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from conftest import World
from jixiao.experts.tests.factories import ExpertFactory
from jixiao.preassessment import panels
from jixiao.preassessment.models import AssessmentPanelMember, PreAssessment
from jixiao.preassessment.tests.factories import PreAssessmentFactory


def _member(world: World) -> AssessmentPanelMember:
    ExpertFactory(region=world.region, name="张专家", user=world.users["expert"], field="教育")
    pa = PreAssessmentFactory(project=world.school_project, fin_review=True)
    deadline = timezone.localdate() + datetime.timedelta(days=3)
    members = panels.panel_create(
        actor=world.users["performance"], assessment=pa, field="教育", size=1, deadline=deadline, seed=1
    )
    return members[0]


def _row(page: str, name: str) -> str:
    return next(r for r in page.split('data-testid="my-reviews"')[1].split("<tr>") if name in r)


def test_an_open_task_offers_the_sheet(world: World) -> None:
    member = _member(world)
    client = world.login("expert")
    assert "待评分" in _row(client.get("/preassessment/reviews/").content.decode(), member.assessment.project.name)
    assert 'data-testid="score-submit"' in client.get(f"/preassessment/reviews/{member.pk}/").content.decode()


def test_a_task_past_its_deadline_is_shown_closed(world: World) -> None:
    member = _member(world)
    AssessmentPanelMember.objects.filter(pk=member.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    client = world.login("expert")
    row = _row(client.get("/preassessment/reviews/").content.decode(), member.assessment.project.name)
    assert "已截止" in row and "待评分" not in row
    sheet = client.get(f"/preassessment/reviews/{member.pk}/").content.decode()
    assert 'data-testid="score-submit"' not in sheet and "评分已于" in sheet and "截止，不能再提交" in sheet
    assert 'name="points-' in sheet and "disabled" in sheet.split('name="points-')[1].split(">")[0]


def test_a_task_on_a_concluded_filing_is_shown_closed(world: World) -> None:
    member = _member(world)
    PreAssessment.objects.filter(pk=member.assessment_id).update(status=PreAssessment.Status.CONCLUDED)
    client = world.login("expert")
    row = _row(client.get("/preassessment/reviews/").content.decode(), member.assessment.project.name)
    assert "评审已结束" in row and "待评分" not in row
    sheet = client.get(f"/preassessment/reviews/{member.pk}/").content.decode()
    assert 'data-testid="score-submit"' not in sheet and "该评估已不在专家评审阶段" in sheet
