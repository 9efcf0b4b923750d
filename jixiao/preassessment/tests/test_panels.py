"""Expert panels: drawing through the pool, online scoring with a deadline, averages, outliers and confirmation."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from conftest import World
from jixiao.accounts.models import Membership, User
from jixiao.accounts.tests.factories import TEST_PASSWORD, UserFactory
from jixiao.core.errors import ConflictError, DomainError, PermissionDeniedError
from jixiao.core.money import format_wan
from jixiao.experts.models import Agency, Expert
from jixiao.experts.services import panel_draw_verify
from jixiao.experts.tests.factories import ExpertFactory
from jixiao.preassessment import panels
from jixiao.preassessment.models import (
    AssessmentPanelMember,
    Conclusion,
    PreAssessment,
    PreAssessmentRuleSet,
    ScoringItem,
)
from jixiao.preassessment.tests.factories import PreAssessmentFactory


def _expert(world: World, name: str, user: User | None = None, **extra: object) -> Expert:
    if user is None:
        user = UserFactory(username=f"e_{name}", display_name=name)
        Membership.objects.create(user=user, role="expert", region=world.region)
    return ExpertFactory(region=world.region, name=name, user=user, field="教育", **extra)  # type: ignore[no-any-return]


@pytest.fixture
def panel_world(world: World) -> tuple[World, PreAssessment, list[Expert]]:
    experts = [_expert(world, "张专家", world.users["expert"]), _expert(world, "李专家"), _expert(world, "王专家")]
    # Avoided: works in the applying department.
    _expert(world, "回避专家", department=world.edu)
    pa = PreAssessmentFactory(project=world.school_project, fin_review=True)
    return world, pa, experts


def _draw(world: World, pa: PreAssessment, days: int = 5) -> list[AssessmentPanelMember]:
    deadline = timezone.localdate() + datetime.timedelta(days=days)
    return panels.panel_create(
        actor=world.users["performance"], assessment=pa, field="教育", size=3, deadline=deadline, seed=42
    )


def _sub_items(member: AssessmentPanelMember) -> list[ScoringItem]:
    return [c for d in panels.template_tree(member.template) for c in d.children]


def _points_for(member: AssessmentPanelMember, total: int) -> dict[int, Decimal]:
    """Spread `total` over the ten 10-point checkpoints."""
    items = _sub_items(member)
    base, extra = divmod(total, len(items))
    return {item.pk: Decimal(base + (1 if i < extra else 0)) for i, item in enumerate(items)}


def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def test_panel_is_drawn_through_the_pool_and_verifies(panel_world: tuple[World, PreAssessment, list[Expert]]) -> None:
    world, pa, experts = panel_world
    members = _draw(world, pa)
    assert {m.expert for m in members} == set(experts)
    draw = members[0].draw
    assert draw is not None and draw.object_type == "preassessment" and draw.object_id == str(pa.pk)
    assert draw.avoid_department == world.edu and draw.purpose == "事前绩效评估"
    assert panel_draw_verify(draw)
    assert members[0].template.kind == "project"
    with pytest.raises(ConflictError):
        _draw(world, pa)


def test_panel_draw_page_and_agency(panel_world: tuple[World, PreAssessment, list[Expert]]) -> None:
    world, pa, _ = panel_world
    client = world.login("performance")
    assert client.get(f"/preassessment/{pa.pk}/panel/").status_code == 200
    deadline = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client.post(f"/preassessment/{pa.pk}/panel/draw/", {"field": "教育", "size": 3, "deadline": deadline})
    assert response.status_code == 302
    assert AssessmentPanelMember.objects.filter(assessment=pa).count() == 3
    page = client.get(f"/preassessment/{pa.pk}/panel/").content.decode()
    assert 'data-testid="no-login"' not in page
    Expert.objects.filter(pk=AssessmentPanelMember.objects.filter(assessment=pa).first().expert_id).update(user=None)
    page = client.get(f"/preassessment/{pa.pk}/panel/").content.decode()
    assert page.count('data-testid="no-login"') == 1  # that expert cannot score online: the panel says so
    agency = Agency.objects.create(region=world.region, name="四川某某会计师事务所", credit_code="91511700MA62D4L83R")
    client.post(f"/preassessment/{pa.pk}/panel/agency/", {"agency": agency.pk})
    pa.refresh_from_db()
    assert pa.agency == agency and pa.agency_name == "四川某某会计师事务所"
    assert "专家评审" in client.get(f"/preassessment/{pa.pk}/").content.decode()


def test_a_refused_draw_names_the_problem_and_keeps_the_entries(
    panel_world: tuple[World, PreAssessment, list[Expert]],
) -> None:
    """Too many experts, or a deadline already past, is refused (400) with what is wrong — not “请填写…” for a filled
    form — and the 领域, 人数 and 截止日期 typed stay; nobody is drawn. The page read afresh offers a week ahead."""
    world, pa, _ = panel_world
    client = world.login("performance")
    url = f"/preassessment/{pa.pk}/panel/draw/"
    response = client.post(url, {"field": "教育", "size": 50, "deadline": "2026-12-31"})
    page = response.content.decode()
    assert response.status_code == 400 and "抽取人数：确保该值小于或等于15" in page
    assert 'value="教育"' in page and 'name="size" type="number" min="1" max="15" value="50"' in page
    assert 'value="2026-12-31"' in page
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = client.post(url, {"field": "财务", "size": 2, "deadline": yesterday})
    page = response.content.decode()
    assert response.status_code == 400 and "评分截止日期不能早于今天" in page
    assert 'value="财务"' in page and f'value="{yesterday}"' in page
    far = client.post(url, {"field": "财务", "size": 2, "deadline": "9999-12-31"})
    assert far.status_code == 400 and "日期应在2000年至2100年之间" in far.content.decode()
    assert not AssessmentPanelMember.objects.filter(assessment=pa).exists()
    fresh = client.get(f"/preassessment/{pa.pk}/panel/").content.decode()
    week = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    assert f'name="deadline" type="date" value="{week}"' in fresh and 'value="3"' in fresh


def test_panel_needs_fin_review(world: World) -> None:
    pa = PreAssessmentFactory(project=world.school_project)
    with pytest.raises(ConflictError):
        _draw(world, pa)


def test_scoring_validation(panel_world: tuple[World, PreAssessment, list[Expert]]) -> None:
    world, pa, _ = panel_world
    member = next(m for m in _draw(world, pa) if m.expert.user == world.users["expert"])
    actor = world.users["expert"]
    points = _points_for(member, 80)
    first = _sub_items(member)[0]
    with pytest.raises(DomainError, match="0到10分之间"):
        panels.score_submit(actor=actor, member=member, points={**points, first.pk: Decimal("10.5")})
    with pytest.raises(DomainError, match="0到10分之间"):
        panels.score_submit(actor=actor, member=member, points={**points, first.pk: Decimal(-1)})
    with pytest.raises(DomainError, match="请为"):
        panels.score_submit(actor=actor, member=member, points={**points, first.pk: None})
    panels.score_submit(actor=actor, member=member, points=points, comment="方案可行")
    member.refresh_from_db()
    assert member.submitted_at is not None and member.scores.count() == 10
    with pytest.raises(ConflictError, match="重复提交"):
        panels.score_submit(actor=actor, member=member, points=points)


def test_a_score_with_more_than_two_decimals_is_refused_not_rounded(
    panel_world: tuple[World, PreAssessment, list[Expert]],
) -> None:
    """9.999 was stored as 10.00: the expert's typed score changed silently (and reached the limit of the item)."""
    world, pa, _ = panel_world
    member = next(m for m in _draw(world, pa) if m.expert.user == world.users["expert"])
    first = _sub_items(member)[0]
    points = {**_points_for(member, 80), first.pk: Decimal("9.999")}
    response = world.login("expert").post(
        f"/preassessment/reviews/{member.pk}/", {f"points-{pk}": str(value) for pk, value in points.items()}
    )
    assert response.status_code == 400
    assert "最多保留两位小数" in response.content.decode() and 'value="9.999"' in response.content.decode()
    member.refresh_from_db()
    assert member.submitted_at is None and not member.scores.exists()


def test_scoring_after_the_deadline_is_409(panel_world: tuple[World, PreAssessment, list[Expert]]) -> None:
    world, pa, _ = panel_world
    member = next(m for m in _draw(world, pa) if m.expert.user == world.users["expert"])
    AssessmentPanelMember.objects.filter(pk=member.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    sheet = world.login("expert").get(f"/preassessment/reviews/{member.pk}/").content.decode()
    assert f"申请金额{format_wan(pa.requested_amount_yuan)}万元" in sheet  # 万元, as everywhere else
    data = {f"points-{k}": str(v) for k, v in _points_for(member, 80).items()}
    response = world.login("expert").post(f"/preassessment/reviews/{member.pk}/", data)
    assert response.status_code == 409
    assert "截止" in response.content.decode()
    member.refresh_from_db()
    assert member.submitted_at is None


def test_scoring_page_checks_max_points(panel_world: tuple[World, PreAssessment, list[Expert]]) -> None:
    world, pa, _ = panel_world
    member = next(m for m in _draw(world, pa) if m.expert.user == world.users["expert"])
    data = {f"points-{k}": str(v) for k, v in _points_for(member, 80).items()}
    data[f"points-{_sub_items(member)[0].pk}"] = "11"
    client = world.login("expert")
    assert client.post(f"/preassessment/reviews/{member.pk}/", data).status_code == 400
    data[f"points-{_sub_items(member)[0].pk}"] = "8"
    assert client.post(f"/preassessment/reviews/{member.pk}/", data).status_code == 302
    assert "已提交" in client.get("/preassessment/reviews/").content.decode()


def test_average_outlier_and_confirm(panel_world: tuple[World, PreAssessment, list[Expert]]) -> None:
    world, pa, _ = panel_world
    members = _draw(world, pa)
    client = world.login("performance")
    for count, (member, total) in enumerate(zip(members, [85, 88, 60], strict=True), start=1):
        panels.score_submit(actor=member.expert.user, member=member, points=_points_for(member, total))
        # Confirming before every expert has scored asks first (n/m submitted); once all have, it does not.
        partial = 'data-testid="panel-confirm-partial"' in client.get(f"/preassessment/{pa.pk}/panel/").content.decode()
        assert partial == (count < len(members))
    view = panels.panel_summary(pa)
    assert view.threshold == Decimal(15)
    assert view.average == Decimal("77.67")
    by_total = {row.total: row.flagged for row in view.rows}
    assert by_total[Decimal(60)] is True and by_total[Decimal(85)] is False
    assert len(view.dimensions) == 5
    # The threshold is a rule row, not a constant.
    PreAssessmentRuleSet.objects.filter(region=None, fiscal_year=None).update(outlier_points=Decimal(30))
    assert not any(row.flagged for row in panels.panel_summary(pa).rows)
    page = world.login("performance").get(f"/preassessment/{pa.pk}/panel/").content.decode()
    assert "77.67" in page
    response = world.login("performance").post(f"/preassessment/{pa.pk}/panel/confirm/")
    assert response.status_code == 302
    pa.refresh_from_db()
    assert pa.score == Decimal("77.67")
    assert pa.suggested_conclusion == Conclusion.SUPPORT_AFTER_ADJUSTMENT
    assert pa.status == PreAssessment.Status.FIN_REVIEW


def test_confirm_high_average_suggests_support(panel_world: tuple[World, PreAssessment, list[Expert]]) -> None:
    world, pa, _ = panel_world
    members = _draw(world, pa)
    for member, total in zip(members, [85, 88, 90], strict=True):
        panels.score_submit(actor=member.expert.user, member=member, points=_points_for(member, total))
    pa = panels.panel_confirm(actor=world.users["performance"], assessment=pa)
    assert pa.score == Decimal("87.67") and pa.suggested_conclusion == Conclusion.SUPPORT


def test_experts_see_only_their_own(panel_world: tuple[World, PreAssessment, list[Expert]]) -> None:
    world, pa, _ = panel_world
    members = _draw(world, pa)
    mine = next(m for m in members if m.expert.user == world.users["expert"])
    other = next(m for m in members if m.expert.user != world.users["expert"])
    client = world.login("expert")
    assert client.get(f"/preassessment/reviews/{mine.pk}/").status_code == 200
    assert client.get(f"/preassessment/reviews/{other.pk}/").status_code == 404
    listing = client.get("/preassessment/reviews/").content.decode()
    assert world.school_project.name in listing
    assert client.get(f"/preassessment/{pa.pk}/").status_code == 403
    assert client.get(f"/preassessment/{pa.pk}/panel/").status_code == 403
    with pytest.raises(Exception, match="评审任务不存在"):
        panels.score_submit(actor=world.users["expert"], member=other, points=_points_for(other, 80))
    todos = panels.expert_todos(world.users["expert"])
    assert todos[0].count == 1
    assert todos[0].hint.startswith(f"最近截止{mine.deadline:%Y-%m-%d}，")  # the countdown to the nearest deadline


@pytest.mark.parametrize("persona", ["unit_user", "dept_admin", "performance", "business"])
def test_other_roles_cannot_score(panel_world: tuple[World, PreAssessment, list[Expert]], persona: str) -> None:
    world, pa, _ = panel_world
    member = _draw(world, pa)[0]
    assert world.login(persona).get(f"/preassessment/reviews/{member.pk}/").status_code == 403
    assert world.login(persona).get("/preassessment/reviews/").status_code == 403
    with pytest.raises(PermissionDeniedError):
        panels.score_submit(actor=world.users[persona], member=member, points=_points_for(member, 80))
    if persona != "performance":
        assert world.login(persona).get(f"/preassessment/{pa.pk}/panel/").status_code in (403, 404)


def test_confirm_from_a_page_shown_before_another_expert_submitted_is_refused(
    panel_world: tuple[World, PreAssessment, list[Expert]],
) -> None:
    """The 绩效股 opens the panel page (1/3 submitted, 确认专家评分（平均分85分…）) while an expert is still typing;
    the expert submits, then 确认 wrote the new average, not the one the button and its dialog named."""
    world, pa, _ = panel_world
    members = _draw(world, pa)
    panels.score_submit(actor=members[0].expert.user, member=members[0], points=_points_for(members[0], 85))
    client = world.login("performance")
    page = client.get(f"/preassessment/{pa.pk}/panel/").content.decode()
    token = re.search(r'name="lock_token" value="([0-9a-f]+)"', page)
    assert token is not None and "平均分85" in page
    panels.score_submit(actor=members[1].expert.user, member=members[1], points=_points_for(members[1], 60))
    response = client.post(f"/preassessment/{pa.pk}/panel/confirm/", {"lock_token": token.group(1)})
    assert response.status_code == 409
    text = response.content.decode()
    assert "又有专家提交了评分" in text and "2/3" in text and "72.5" in text  # the panel page with the new figures
    pa.refresh_from_db()
    assert pa.score is None
    fresh = re.search(r'name="lock_token" value="([0-9a-f]+)"', text)
    assert fresh is not None
    assert client.post(f"/preassessment/{pa.pk}/panel/confirm/", {"lock_token": fresh.group(1)}).status_code == 302
    pa.refresh_from_db()
    assert pa.score == Decimal("72.50")


def test_the_unit_reads_the_draw_without_the_experts_names(
    panel_world: tuple[World, PreAssessment, list[Expert]],
) -> None:
    """The 流转记录 is on the assessment page the applying unit reads: it says how many, not who."""
    world, pa, experts = panel_world
    _draw(world, pa)
    event = pa.events.get(action="panel_draw")
    assert event.comment.startswith("抽取3名专家；截止")
    page = world.login("unit_user").get(f"/preassessment/{pa.pk}/").content.decode()
    assert not any(e.name in page for e in experts)


def test_an_experts_comment_over_the_limit_or_with_a_nul_is_refused(
    panel_world: tuple[World, PreAssessment, list[Expert]],
) -> None:
    world, pa, _ = panel_world
    member = next(m for m in _draw(world, pa) if m.expert.user == world.users["expert"])
    points = _points_for(member, 80)
    for comment, message in (("意" * 2001, "评审意见最多2000字"), ("方案\x00可行", "无效字符")):
        with pytest.raises(DomainError, match=message):
            panels.score_submit(actor=world.users["expert"], member=member, points=points, comment=comment)
    member.refresh_from_db()
    assert member.submitted_at is None


def test_the_conclusion_keeps_the_panels_confirmed_score(
    panel_world: tuple[World, PreAssessment, list[Expert]],
) -> None:
    """The 绩效股 cleared the score box, or typed 85 over the panel's 55, and concluded 予以支持 with no reason: the
    suggestion followed the typed score and the panel's score was gone from the row."""
    from jixiao.preassessment import services

    world, pa, _ = panel_world
    members = _draw(world, pa)
    for member, total in zip(members, [50, 55, 60], strict=True):
        panels.score_submit(actor=member.expert.user, member=member, points=_points_for(member, total))
    pa = panels.panel_confirm(actor=world.users["performance"], assessment=pa)
    assert pa.score == Decimal("55.00") and pa.suggested_conclusion != Conclusion.SUPPORT
    perf = world.users["performance"]
    with pytest.raises(DomainError, match="评审总分已确认为55分，改为85分须填写理由"):
        services.preassessment_conclude(actor=perf, assessment=pa, conclusion=Conclusion.SUPPORT, score=Decimal(85))
    with pytest.raises(DomainError):  # the cleared box keeps 55, whose suggestion needs a reason to support
        services.preassessment_conclude(actor=perf, assessment=pa, conclusion=Conclusion.SUPPORT, score=None)
    pa.refresh_from_db()
    assert pa.score == Decimal("55.00") and pa.conclusion == ""
