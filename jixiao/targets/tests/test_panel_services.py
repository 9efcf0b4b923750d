"""集中会审 services: assignment with avoidance, opinions, recusal, closing, audit events and scope."""

from __future__ import annotations

import pytest

from conftest import World
from jixiao.accounts.models import Membership, User
from jixiao.accounts.tests.factories import UserFactory
from jixiao.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.core.todos import for_user
from jixiao.targets import selectors, services, services_panel
from jixiao.targets.models import PanelAssignment, PerformanceTarget, ReviewComment
from jixiao.targets.tests.pages_helpers import TO_PERF_REVIEW, make_target, move, valid_rows


def _expert(world: World, username: str, **orgs: object) -> User:
    user = UserFactory(username=username, display_name=username)
    Membership.objects.create(user=user, role="expert", region=world.region)
    for role, org in orgs.items():
        Membership.objects.create(user=user, role=role, region=world.region, **{_org_field(role): org})
    return user


def _org_field(role: str) -> str:
    return {"unit_user": "unit", "dept_admin": "department"}[role]


@pytest.fixture
def target(world: World) -> PerformanceTarget:
    return move(world, make_target(world), *TO_PERF_REVIEW)


@pytest.fixture
def panel(world: World, target: PerformanceTarget) -> list[PanelAssignment]:
    """Two experts and one 人大代表 drawn, then the target sent to the panel."""
    perf = world.users["performance"]
    second = _expert(world, "expert_two")
    experts = services_panel.panel_assign(
        actor=perf, target=target, members=[world.users["expert"], second], kind="expert"
    )
    deputy = services_panel.panel_assign(
        actor=perf, target=target, members=[world.users["oversight"]], kind="npc_deputy"
    )
    services_panel.panel_send(actor=perf, target=target)
    return [*experts, *deputy]


def _status(target: PerformanceTarget) -> str:
    target.refresh_from_db()
    return target.status


# ---------------------------------------------------------------- assignment


def test_performance_section_assigns_experts_and_deputies(world: World, panel: list[PanelAssignment]) -> None:
    target = panel[0].target
    assert _status(target) == "panel_review"
    kinds = dict(target.panel.values_list("expert__username", "kind"))
    assert kinds == {"p_expert": "expert", "expert_two": "expert", "p_oversight": "npc_deputy"}
    assert AuditEvent.objects.filter(event_type="target.panel_assign", object_id=str(target.pk)).count() == 2
    assert target.events.filter(action="send_to_panel").exists()


def test_a_member_of_the_targets_department_may_not_be_assigned(world: World, target: PerformanceTarget) -> None:
    insider = _expert(world, "insider", unit_user=world.school_branch)
    with pytest.raises(DomainError, match="须回避"):
        services_panel.panel_assign(actor=world.users["performance"], target=target, members=[insider], kind="expert")
    assert not target.panel.exists()
    dept_insider = _expert(world, "dept_insider", dept_admin=world.edu)
    with pytest.raises(DomainError, match="县教育局"):
        services_panel.panel_assign(
            actor=world.users["performance"], target=target, members=[dept_insider], kind="expert"
        )


def test_an_expert_of_another_department_may_be_assigned(world: World, target: PerformanceTarget) -> None:
    outsider = _expert(world, "outsider", unit_user=world.hospital)
    services_panel.panel_assign(actor=world.users["performance"], target=target, members=[outsider], kind="expert")
    assert target.panel.get().expert == outsider


def test_only_registered_experts_and_deputies_of_the_region_may_be_assigned(
    world: World, target: PerformanceTarget
) -> None:
    perf = world.users["performance"]
    with pytest.raises(DomainError, match="不是本区划在册的专家"):
        services_panel.panel_assign(actor=perf, target=target, members=[world.users["leader"]], kind="expert")
    with pytest.raises(DomainError, match="人大代表"):
        services_panel.panel_assign(actor=perf, target=target, members=[world.users["expert"]], kind="npc_deputy")
    far = UserFactory(username="far_expert")
    Membership.objects.create(user=far, role="expert", region=world.other_region)
    with pytest.raises(DomainError):
        services_panel.panel_assign(actor=perf, target=target, members=[far], kind="expert")


def test_unit_users_cannot_assign_a_panel(world: World, target: PerformanceTarget) -> None:
    for persona in ("unit_user", "dept_admin", "business", "expert"):
        with pytest.raises((PermissionDeniedError, NotFoundError)):
            services_panel.panel_assign(
                actor=world.users[persona], target=target, members=[world.users["expert"]], kind="expert"
            )
    assert not target.panel.exists()


def test_a_member_cannot_be_assigned_twice(world: World, target: PerformanceTarget) -> None:
    perf = world.users["performance"]
    services_panel.panel_assign(actor=perf, target=target, members=[world.users["expert"]], kind="expert")
    with pytest.raises(ConflictError, match="已是本目标的会审成员"):
        services_panel.panel_assign(actor=perf, target=target, members=[world.users["expert"]], kind="expert")


def test_assignment_is_refused_outside_the_performance_review(world: World) -> None:
    target = make_target(world)
    with pytest.raises(ConflictError):
        services_panel.panel_assign(
            actor=world.users["performance"], target=target, members=[world.users["expert"]], kind="expert"
        )


def test_sending_to_the_panel_needs_a_member(world: World, target: PerformanceTarget) -> None:
    with pytest.raises(DomainError, match="请先指派会审成员"):
        services_panel.panel_send(actor=world.users["performance"], target=target)
    assert _status(target) == "perf_review"


def test_a_member_without_an_opinion_can_be_removed(world: World, panel: list[PanelAssignment]) -> None:
    services_panel.panel_remove(actor=world.users["performance"], assignment=panel[1])
    assert not PanelAssignment.objects.filter(pk=panel[1].pk).exists()
    assert AuditEvent.objects.filter(event_type="target.panel_remove").exists()
    services_panel.panel_submit(actor=world.users["expert"], assignment=panel[0], conclusion="pass", opinion="同意")
    with pytest.raises(ConflictError, match="已提交会审意见"):
        services_panel.panel_remove(actor=world.users["performance"], assignment=panel[0])


# ---------------------------------------------------------------- opinions and recusal


def test_submitting_an_opinion_records_a_panel_review_comment(world: World, panel: list[PanelAssignment]) -> None:
    row = services_panel.panel_submit(
        actor=world.users["expert"], assignment=panel[0], conclusion="revise", opinion="产出指标应细化到学校"
    )
    assert row.conclusion == "revise" and row.submitted_at is not None
    comment = ReviewComment.objects.get(target=row.target, stage="panel")
    assert comment.stage == "panel" and comment.author == world.users["expert"]
    assert "修改后通过" in comment.text and "产出指标应细化到学校" in comment.text
    assert AuditEvent.objects.filter(event_type="target.panel_submit", actor_id=world.users["expert"].pk).exists()


def test_a_member_cannot_submit_twice(world: World, panel: list[PanelAssignment]) -> None:
    services_panel.panel_submit(actor=world.users["expert"], assignment=panel[0], conclusion="pass", opinion="同意")
    with pytest.raises(ConflictError, match="不能重复提交"):
        services_panel.panel_submit(actor=world.users["expert"], assignment=panel[0], conclusion="reject", opinion="x")
    assert ReviewComment.objects.filter(stage="panel").count() == 1


def test_a_member_cannot_act_for_another_member(world: World, panel: list[PanelAssignment]) -> None:
    with pytest.raises(NotFoundError):
        services_panel.panel_submit(actor=world.users["expert"], assignment=panel[1], conclusion="pass", opinion="x")
    with pytest.raises(NotFoundError):
        services_panel.panel_declare_conflict(actor=world.users["expert"], assignment=panel[2], reason="x")
    assert not PanelAssignment.objects.filter(submitted_at__isnull=False).exists()


def test_an_opinion_needs_a_conclusion_and_text(world: World, panel: list[PanelAssignment]) -> None:
    with pytest.raises(DomainError):
        services_panel.panel_submit(actor=world.users["expert"], assignment=panel[0], conclusion="maybe", opinion="x")
    with pytest.raises(DomainError, match="请填写会审意见"):
        services_panel.panel_submit(actor=world.users["expert"], assignment=panel[0], conclusion="pass", opinion=" ")


def test_declaring_a_conflict_removes_the_member_from_the_required_opinions(
    world: World, panel: list[PanelAssignment]
) -> None:
    row = services_panel.panel_declare_conflict(actor=world.users["expert"], assignment=panel[0], reason="曾为该校顾问")
    assert row.conflict_declared and "曾为该校顾问" in row.opinion
    assert AuditEvent.objects.filter(event_type="target.panel_conflict").exists()
    with pytest.raises(ConflictError, match="已声明回避"):
        services_panel.panel_submit(actor=world.users["expert"], assignment=panel[0], conclusion="pass", opinion="x")
    services_panel.panel_submit(actor=world.users["oversight"], assignment=panel[2], conclusion="pass", opinion="同意")
    second = panel[1].expert
    services_panel.panel_submit(actor=second, assignment=panel[1], conclusion="pass", opinion="同意")
    target = services_panel.panel_close(actor=world.users["performance"], target=panel[0].target, comment="会审通过")
    assert target.status == "perf_review"


# ---------------------------------------------------------------- closing


def test_closing_is_refused_while_opinions_are_missing(world: World, panel: list[PanelAssignment]) -> None:
    services_panel.panel_submit(actor=world.users["expert"], assignment=panel[0], conclusion="pass", opinion="同意")
    with pytest.raises(ConflictError, match="expert_two、p_oversight"):
        services_panel.panel_close(actor=world.users["performance"], target=panel[0].target, comment="结束")
    assert _status(panel[0].target) == "panel_review"


def test_closing_with_force_ends_the_panel_and_is_audited(world: World, panel: list[PanelAssignment]) -> None:
    target = services_panel.panel_close(
        actor=world.users["performance"], target=panel[0].target, comment="时间所限，强制结束", force=True
    )
    assert target.status == "perf_review"
    assert target.events.filter(action="panel_done", comment="时间所限，强制结束").exists()
    forced = AuditEvent.objects.get(event_type="target.panel_force_close")
    assert set(forced.changes["pending"]) == {"p_expert", "expert_two", "p_oversight"}
    assert AuditEvent.objects.filter(event_type="target.panel_done").exists()


def test_closing_is_allowed_when_every_member_has_submitted(world: World, panel: list[PanelAssignment]) -> None:
    for row in panel:
        services_panel.panel_submit(actor=row.expert, assignment=row, conclusion="pass", opinion="同意")
    target = services_panel.panel_close(actor=world.users["performance"], target=panel[0].target, comment="会审通过")
    assert target.status == "perf_review"
    assert ReviewComment.objects.filter(target=target, stage="panel").count() == 4  # 3 opinions + the closing note


def test_closing_needs_a_comment_and_the_grade_capability(world: World, panel: list[PanelAssignment]) -> None:
    target = panel[0].target
    with pytest.raises(DomainError, match="请填写审核意见"):
        services_panel.panel_close(actor=world.users["performance"], target=target, comment="", force=True)
    with pytest.raises(PermissionDeniedError):
        services_panel.panel_close(actor=world.users["expert"], target=target, comment="结束", force=True)


def test_a_member_cannot_submit_after_the_panel_is_closed(world: World, panel: list[PanelAssignment]) -> None:
    services_panel.panel_close(actor=world.users["performance"], target=panel[0].target, comment="结束", force=True)
    with pytest.raises(ConflictError, match="已结束"):
        services_panel.panel_submit(actor=world.users["expert"], assignment=panel[0], conclusion="pass", opinion="x")


# ---------------------------------------------------------------- scope and to-dos


def test_members_see_only_the_targets_they_sit_on(world: World, panel: list[PanelAssignment]) -> None:
    other = move(world, _branch_target(world), *TO_PERF_REVIEW)
    expert = world.users["expert"]
    visible = set(selectors.targets_visible(expert).values_list("pk", flat=True))
    assert visible == {panel[0].target_id}
    assert other.pk not in visible
    assert not selectors.targets_visible(_expert(world, "idle")).exists()


def _branch_target(world: World) -> PerformanceTarget:
    unit = world.users["unit_user"]
    target = services.target_create_for_project(actor=unit, project=world.branch_project)
    return services.target_save_indicators(actor=unit, target=target, rows=valid_rows(target))


def test_members_get_a_todo_until_they_submit_or_recuse(world: World, panel: list[PanelAssignment]) -> None:
    def titles(user: User) -> dict[str, int]:
        return {item.title: item.count for item in for_user(user)}

    assert titles(world.users["expert"]).get("待会审的绩效目标") == 1
    assert titles(world.users["oversight"]).get("待会审的绩效目标") == 1
    services_panel.panel_submit(actor=world.users["expert"], assignment=panel[0], conclusion="pass", opinion="同意")
    services_panel.panel_declare_conflict(actor=world.users["oversight"], assignment=panel[2], reason="亲属任职")
    assert "待会审的绩效目标" not in titles(world.users["expert"])
    assert "待会审的绩效目标" not in titles(world.users["oversight"])
    assert "待会审的绩效目标" not in titles(world.users["performance"])
