"""The budget section's decisions, the next-year gate, the summary contract."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import World
from jixiao.core.audit import AuditEvent
from jixiao.core.errors import ConflictError, DomainError
from jixiao.projects import services as project_services
from jixiao.projects.models import Project
from jixiao.projects.tests.factories import ProjectFactory
from jixiao.rectification.models import Rectification, RectificationStatus
from jixiao.results import selectors, services
from jixiao.results.models import ResultApplication
from jixiao.results.tests import helpers as h


def _proposed(world: World, grade: str = "良", paid: str = "190000.00") -> ResultApplication:
    school = h.arranged(world.school_project)
    h.pay(school, paid)
    h.self_eval(school, grade)
    h.generate(world)
    return h.proposal(school)


def _next_year(world: World, amount: str = "200000.00") -> Project:
    # Below the 事前评估 threshold (30万元), so only the result-application gate is in play.
    return ProjectFactory(
        unit=world.school,
        code="P-SCHOOL",
        fiscal_year=2027,
        start_year=2027,
        end_year=2027,
        fiscal_amount_yuan=Decimal(amount),
        name="一中教学设备购置（2027）",
    )


def test_accepting_keeps_the_proposal_and_needs_no_reason(world: World) -> None:
    app = _proposed(world)
    app = services.application_decide(actor=world.users["budget"], application=app, action="KEEP")
    assert app.status == "decided" and app.decided_amount_yuan == Decimal("200000.00") and not app.is_changed
    event = AuditEvent.objects.get(event_type="results.accept")
    assert event.object_id == str(app.pk)
    assert app.events.filter(action="accept").exists()


def test_changing_a_proposal_needs_a_reason(world: World) -> None:
    app = _proposed(world)
    with pytest.raises(DomainError, match="须填写理由"):
        services.application_decide(
            actor=world.users["budget"], application=app, action="REDUCE_PCT", amount_yuan=Decimal("150000")
        )
    app.refresh_from_db()
    assert app.status == "proposed" and not AuditEvent.objects.filter(event_type__startswith="results.c").exists()
    app = services.application_decide(
        actor=world.users["budget"],
        application=app,
        action="REDUCE_PCT",
        amount_yuan=Decimal("150000"),
        reason="财力紧张，统一压减",
    )
    assert app.is_changed and app.decided_amount_yuan == Decimal("150000.00")
    event = AuditEvent.objects.get(event_type="results.change")
    assert event.reason == "财力紧张，统一压减"
    assert event.changes["decided_action"] == [None, "REDUCE_PCT"] or event.changes["decided_action"][1] == "REDUCE_PCT"


def test_a_cut_without_a_county_percentage_needs_an_amount(world: World) -> None:
    app = _proposed(world, grade="中")
    assert app.needs_pct
    with pytest.raises(DomainError, match="请填写决定金额"):
        services.application_decide(actor=world.users["budget"], application=app, action="REDUCE_PCT")
    app = services.application_decide(
        actor=world.users["budget"],
        application=app,
        action="REDUCE_PCT",
        amount_yuan=Decimal("180000"),
        reason="按10%压缩",
    )
    assert app.decided_amount_yuan == Decimal("180000.00")


def test_a_cut_above_this_years_budget_is_refused_and_nothing_is_saved(world: World) -> None:
    """压缩 to 999999万元 of a 20万元 project was saved: the 四挂钩 showed the cut as an increase and the next-year
    gate (asked for more than decided) could never bite."""
    app = _proposed(world, grade="中")
    budget = world.users["budget"]
    for action in ("REDUCE_PCT", "REDUCE_UNSPENT", "RECOVER"):
        with pytest.raises(DomainError, match=r"决定金额不能高于本年预算20\.00万元"):
            services.application_decide(
                actor=budget, application=app, action=action, amount_yuan=Decimal("200000.01"), reason="压缩"
            )
    page = world.login("budget").post(
        f"/results/{app.pk}/",
        {"action": "REDUCE_PCT", "amount_yuan": "999999", "reason": "压缩", "version": app.version},
    )
    assert page.status_code == 400 and "压缩后的决定金额不能高于本年预算20.00万元" in page.content.decode()
    app.refresh_from_db()
    assert app.status == "proposed" and app.decided_amount_yuan is None
    kept = services.application_decide(
        actor=budget, application=app, action="REDUCE_PCT", amount_yuan=Decimal("200000"), reason="暂按原额"
    )
    assert kept.decided_amount_yuan == Decimal("200000.00")
    raised = services.application_decide(
        actor=budget, application=kept, action="KEEP", amount_yuan=Decimal("250000"), reason="保障并增加"
    )
    assert raised.decided_amount_yuan == Decimal("250000.00")  # only a cut is bounded by this year's budget


def test_stale_version_is_a_conflict(world: World) -> None:
    app = _proposed(world)
    with pytest.raises(ConflictError):
        services.application_decide(actor=world.users["budget"], application=app, action="KEEP", version=99)


@pytest.mark.parametrize("persona", ["performance", "unit_user", "dept_admin", "leader"])
def test_only_the_budget_section_decides(world: World, persona: str) -> None:
    app = _proposed(world)
    with pytest.raises(DomainError):
        services.application_decide(actor=world.users[persona], application=app, action="KEEP")


def test_batch_accept_skips_decided_and_unpriced(world: World) -> None:
    app = _proposed(world)
    hospital = h.arranged(world.hospital_project)
    h.pay(hospital, "190000.00")
    h.self_eval(hospital, "中")
    h.generate(world)
    unpriced = h.proposal(hospital)
    counts = services.applications_accept(actor=world.users["budget"], ids=[app.pk, unpriced.pk, 999999])
    assert counts == {"accepted": 1, "skipped": 2}
    app.refresh_from_db()
    unpriced.refresh_from_db()
    assert app.status == "decided" and unpriced.status == "proposed"


def test_cancel_blocks_the_next_year_submission_with_a_chinese_reason(world: World) -> None:
    app = _proposed(world, grade="差")
    services.application_decide(actor=world.users["budget"], application=app, action="CANCEL")
    following = _next_year(world)
    with pytest.raises(DomainError, match="下年度不予安排"):
        project_services.project_transition(actor=world.users["unit_user"], project=following, action="submit")
    following.refresh_from_db()
    assert following.status == "draft"


def test_an_undecided_or_advisory_proposal_does_not_block(world: World) -> None:
    _proposed(world, grade="差")
    following = _next_year(world)
    project = project_services.project_transition(actor=world.users["unit_user"], project=following, action="submit")
    assert project.status == "submitted"


def test_reduce_blocks_only_above_the_decided_amount(world: World) -> None:
    app = _proposed(world, grade="中")
    services.application_decide(
        actor=world.users["budget"],
        application=app,
        action="REDUCE_PCT",
        amount_yuan=Decimal("150000"),
        reason="压缩25%",
    )
    following = _next_year(world, "200000.00")
    with pytest.raises(DomainError, match=r"下年度安排不超过15\.00万元"):
        project_services.project_transition(actor=world.users["unit_user"], project=following, action="submit")
    Project.objects.filter(pk=following.pk).update(fiscal_amount_yuan=Decimal("150000"))
    following.refresh_from_db()
    project = project_services.project_transition(actor=world.users["unit_user"], project=following, action="submit")
    assert project.status == "submitted"


def test_rearrange_after_rectification_blocks_while_the_rectification_is_open(world: World) -> None:
    school = h.arranged(world.school_project)
    h.pay(school, "190000.00")
    case = h.open_rectification(school)
    h.generate(world)
    app = h.proposal(school)
    services.application_decide(actor=world.users["budget"], application=app, action="REARRANGE_AFTER_RECTIFY")
    following = _next_year(world)
    with pytest.raises(DomainError, match="整改完成后方可提交"):
        project_services.project_transition(actor=world.users["unit_user"], project=following, action="submit")
    Rectification.objects.filter(pk=case.pk).update(status=RectificationStatus.CLOSED)
    project = project_services.project_transition(actor=world.users["unit_user"], project=following, action="submit")
    assert project.status == "submitted"


def test_an_explicit_link_to_a_renamed_next_year_project(world: World) -> None:
    app = _proposed(world, grade="差")
    services.application_decide(actor=world.users["budget"], application=app, action="CANCEL")
    renamed = ProjectFactory(
        unit=world.school,
        code="P-NEW",
        fiscal_year=2027,
        start_year=2027,
        end_year=2027,
        fiscal_amount_yuan=Decimal("100000"),
    )
    assert selectors.application_for_next_year(renamed) is None
    services.application_link(actor=world.users["budget"], application=app, project=renamed)
    with pytest.raises(DomainError, match="不予安排"):
        project_services.project_transition(actor=world.users["unit_user"], project=renamed, action="submit")
    other_unit = ProjectFactory(unit=world.hospital, fiscal_year=2027, start_year=2027, end_year=2027)
    with pytest.raises(DomainError, match="同一单位"):
        services.application_link(actor=world.users["budget"], application=app, project=other_unit)
    assert AuditEvent.objects.filter(event_type="results.link").count() == 1


def test_generation_links_the_next_year_project_of_the_same_unit_and_code(world: World) -> None:
    following = _next_year(world)
    app = _proposed(world)
    assert app.next_year_project_id == following.pk


def test_summary_contract_counts_actions_and_cuts(world: World) -> None:
    app = _proposed(world, grade="中")
    hospital = h.arranged(world.hospital_project, "100000.00")
    h.pay(hospital, "90000.00")
    h.self_eval(hospital, "差")
    h.generate(world)
    services.application_decide(
        actor=world.users["budget"],
        application=app,
        action="REDUCE_PCT",
        amount_yuan=Decimal("170000"),
        reason="压缩15%",
    )
    summary = selectors.result_application_summary(world.users["leader"], 2026)
    assert summary["total"] == 2 and summary["decided"] == 1 and summary["proposed"] == 1
    assert summary["by_action"]["REDUCE_PCT"] == 1 and summary["by_action"]["CANCEL"] == 1
    assert summary["proposed_cut_yuan"] == Decimal("100000.00")  # the 中 proposal has no amount yet
    assert summary["decided_cut_yuan"] == Decimal("30000.00")
    assert isinstance(summary["decided_cut_yuan"], Decimal)
    assert selectors.result_application_summary(world.users["other_unit_user"], 2026)["total"] == 1
    assert selectors.result_application_summary(world.users["expert"], 2026)["total"] == 0


def test_four_links_per_department(world: World) -> None:
    _proposed(world, grade="差")
    hospital = h.arranged(world.hospital_project, "100000.00")
    h.pay(hospital, "90000.00")
    h.self_eval(hospital, "优")
    h.generate(world)
    rows = {r["name"]: r for r in selectors.four_links(world.users["performance"], 2026)}
    assert rows["县教育局"]["counts"]["CANCEL"] == 1 and rows["县教育局"]["proposed_change_yuan"] == Decimal(
        "-200000.00"
    )
    assert rows["县卫健局"]["counts"]["PRIORITY"] == 1 and rows["县卫健局"]["proposed_change_yuan"] == 0


def test_budget_section_todo_counts_undecided_proposals(world: World) -> None:
    from jixiao.core import todos

    app = _proposed(world)
    items = [i for i in todos.for_user(world.users["budget"]) if i.stage == "结果应用"]
    assert [(i.title, i.count) for i in items] == [("结果应用建议待决定", 1)]
    services.application_decide(actor=world.users["budget"], application=app, action="KEEP")
    assert not [i for i in todos.for_user(world.users["budget"]) if i.stage == "结果应用"]
    assert not [i for i in todos.for_user(world.users["unit_user"]) if i.stage == "结果应用"]
