"""A filing the 绩效股 returns closes its review round: the old panel becomes history, its confirmed score and the
agency's review are cleared, and the resubmitted filing gets a new panel (the same experts may be drawn again)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import World
from jixiao.core.audit import AuditEvent
from jixiao.core.errors import ConflictError
from jixiao.core.todos import for_user
from jixiao.experts.models import Agency, Expert
from jixiao.preassessment import panels, services
from jixiao.preassessment.models import AssessmentPanelMember, PreAssessment, ScoringTemplate
from jixiao.preassessment.tests.test_panels import _client, _draw, _expert, _points_for
from jixiao.preassessment.tests.test_services import _to_fin_review


@pytest.fixture
def scored(world: World) -> tuple[World, PreAssessment, list[Expert]]:
    """A filing in review whose three-expert panel scored (one expert has not) and whose average was confirmed; an
    agency reviewed it too."""
    experts = [_expert(world, "张专家", world.users["expert"]), _expert(world, "李专家"), _expert(world, "王专家")]
    pa = _to_fin_review(world)
    members = _draw(world, pa)
    for member, total in zip(members[:2], (70, 60), strict=True):
        panels.score_submit(actor=member.expert.user, member=member, points=_points_for(member, total))
    pa = panels.panel_confirm(actor=world.users["performance"], assessment=pa)
    agency = Agency.objects.create(region=world.region, name="四川明信咨询有限公司", credit_code="91511700MA62D4L83R")
    agency.users.set([world.users["agency"]])
    panels.agency_assign(actor=world.users["performance"], assessment=pa, agency=agency)
    pa = panels.agency_review_submit(actor=world.users["agency"], assessment=pa, score=Decimal(66), opinion="基本可行")
    assert pa.score == Decimal("65.00") and pa.agency_reviewed_at is not None
    return world, pa, experts


def _return_and_resubmit(world: World, pa: PreAssessment) -> PreAssessment:
    u = world.users
    pa = services.preassessment_transition(
        actor=u["performance"], assessment=pa, action="perf_return", comment="测算依据不足，请补充报价"
    )
    for persona, action in (("unit_user", "submit"), ("dept_admin", "dept_approve"), ("business", "section_pass")):
        pa = services.preassessment_transition(actor=u[persona], assessment=pa, action=action)
    return pa


def test_a_returned_filing_gets_a_new_panel_and_the_old_one_is_history(
    scored: tuple[World, PreAssessment, list[Expert]],
) -> None:
    world, pa, experts = scored
    old = set(AssessmentPanelMember.objects.filter(assessment=pa).values_list("pk", flat=True))
    pa = _return_and_resubmit(world, pa)
    # The confirmed average and the agency's review were of the returned version; the agency stays commissioned.
    assert (pa.score, pa.suggested_conclusion) == (None, "")
    assert (pa.agency_score, pa.agency_opinion, pa.agency_reviewed_at) == (None, "", None)
    assert pa.agency_id is not None
    assert panels.panel_members(pa) == []
    assert panels.panel_summary(pa).average is None
    record = AuditEvent.objects.filter(event_type="preassessment.perf_return").get()
    assert record.changes["round_closed"] == {"panel_closed": 3, "score": "65.00", "agency_score": "66.00"}
    # The 流转记录 keeps what was cleared.
    comments = list(pa.events.values_list("comment", flat=True))
    assert any("平均分65.00" in c for c in comments) and any("得分66" in c for c in comments)

    members = _draw(world, pa)  # the same pool, so the same three experts: allowed in a new round
    assert {m.expert for m in members} == set(experts) and not old & {m.pk for m in members}
    with pytest.raises(ConflictError, match="已抽取评审专家"):
        _draw(world, pa)
    member = members[0]
    panels.score_submit(actor=member.expert.user, member=member, points=_points_for(member, 90))
    pa = panels.panel_confirm(actor=world.users["performance"], assessment=pa)
    assert pa.score == Decimal("90.00")  # the new round alone, not mixed with the old 70 and 60

    rounds = panels.past_rounds(pa)
    assert len(rounds) == 1 and rounds[0].view.average == Decimal("65.00") and rounds[0].view.submitted == 2
    page = world.login("performance").get(reverse("preassessment:panel", args=[pa.pk])).content.decode()
    assert page.count('data-testid="past-round"') == 1 and "平均分65.00分" in page
    assert 'data-testid="panel-average">90.00<' in page


def test_the_old_rounds_tasks_end_for_the_experts(scored: tuple[World, PreAssessment, list[Expert]]) -> None:
    """The expert who had not scored cannot score the returned version: the task reads 评审已结束 and leaves the 待办,
    also once the filing is back in review (before and after a new draw)."""
    world, pa, _ = scored
    waiting = AssessmentPanelMember.objects.get(assessment=pa, submitted_at__isnull=True)
    pa = _return_and_resubmit(world, pa)
    waiting.refresh_from_db()
    assert panels.task_state(waiting) == "评审已结束" and panels.closed_reason(waiting) == panels.RETURNED
    with pytest.raises(ConflictError, match="本轮评审已结束"):
        panels.score_submit(actor=waiting.expert.user, member=waiting, points=_points_for(waiting, 80))
    user = waiting.expert.user
    lines = {i.title: i.count for i in for_user(user) if i.stage == "事前绩效评估"}
    assert lines.get("专家评分待提交", 0) == 0
    sheet = _client(user).get(reverse("preassessment:score_sheet", args=[waiting.pk])).content.decode()
    assert panels.RETURNED in sheet
    new = {m.expert_id: m for m in _draw(world, pa)}
    assert {i.title: i.count for i in for_user(user) if i.stage == "事前绩效评估"}["专家评分待提交"] == 1
    assert panels.task_state(new[waiting.expert_id]) == "待评分"


def test_a_closed_round_does_not_hold_its_template_in_review(world: World) -> None:
    """The template page's in-review guard counts open panels: a returned filing back in review without a new panel
    does not block an edit, which makes a new version since the closed round scored with the template."""
    national = ScoringTemplate.objects.get(region=None, fiscal_year=None, kind="project")
    perf = world.users["performance"]
    own = panels.template_update(actor=perf, template=national, names={}, points={}, fiscal_year=2026)
    for name in ("张专家", "李专家", "王专家"):
        _expert(world, name)
    pa = _to_fin_review(world)
    assert {m.template_id for m in _draw(world, pa)} == {own.pk}
    first = panels.template_tree(own)[0].item
    with pytest.raises(ConflictError, match="正用于专家评审中的事前评估"):
        panels.template_update(actor=perf, template=own, names={first.pk: "立项必要性（修订）"}, points={})
    _return_and_resubmit(world, pa)
    saved = panels.template_update(actor=perf, template=own, names={first.pk: "立项必要性（修订）"}, points={})
    assert saved.pk != own.pk and panels.template_tree(saved)[0].item.name == "立项必要性（修订）"
