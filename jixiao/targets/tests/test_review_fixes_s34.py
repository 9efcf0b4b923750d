"""Defects found by the session-34 review of the targets app: the edit page keeps every column of an indicator; an
adjustment is judged on the content shown and passes the smart checks; long opinions, huge values, a double start
and a 部门整体 import without tasks are refused or handled in Chinese; a 中 revision goes back to the 初审; panel
members judge on their own; the single target's export names the target; T-DUP-NAME switched off lets names repeat."""

from __future__ import annotations

import re

import pytest

from conftest import World
from jixiao.core.errors import DomainError
from jixiao.core.models import AuditEvent
from jixiao.targets import selectors, services, services_panel
from jixiao.targets.forms import indicator_initial
from jixiao.targets.models import PerformanceTarget, SmartCheckRule, TargetIndicator
from jixiao.targets.tests.pages_helpers import TO_PERF_REVIEW, TO_READY, make_target, move, valid_rows
from jixiao.targets.tests.test_panel_services import _expert

pytestmark = pytest.mark.django_db


def _edit_post(target: PerformanceTarget) -> dict[str, str]:
    """What the edit page posts back unchanged: the goals and every field of every row as the page renders it."""
    rows = indicator_initial(list(selectors.target_indicators_in_order(target)))
    data = {
        "goal-annual_goal": target.annual_goal or "购置教学设备120台",
        "goal-midterm_goal": target.midterm_goal,
        "goal-annual_total_yuan": "35.5",
        "goal-annual_fiscal_yuan": "35.5",
        "goal-mid_total_yuan": "35.5",
        "goal-mid_fiscal_yuan": "35.5",
        "ind-TOTAL_FORMS": str(len(rows)),
        "ind-INITIAL_FORMS": "0",
        "ind-MIN_NUM_FORMS": "0",
        "ind-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            if value is True:
                data[f"ind-{i}-{key}"] = "on"
            elif value not in (None, False):
                data[f"ind-{i}-{key}"] = str(value)
    return data


def test_saving_the_edit_page_keeps_the_midterm_value_core_flag_source_and_remark(world: World) -> None:
    target = make_target(world)
    TargetIndicator.objects.filter(target=target, name="购置教学设备数量").update(
        year_flag="midterm", midterm_text="≥360台", data_source="验收单", remark="分三年购置", is_core=True
    )
    client = world.login("unit_user")
    page = client.get(f"/targets/{target.pk}/edit/").content.decode()
    assert 'value="≥360台"' in page and 'name="ind-0-is_core"' in page and "核心指标" in page
    response = client.post(f"/targets/{target.pk}/edit/", _edit_post(target))
    assert response.status_code == 302, response.content.decode()[:500]
    row = TargetIndicator.objects.get(target=target, name="购置教学设备数量")
    assert (row.year_flag, row.midterm_text, row.data_source, row.remark, row.is_core) == (
        "midterm", "≥360台", "验收单", "分三年购置", True,
    )  # fmt: skip


def test_an_adjustment_is_judged_on_the_content_shown_and_must_pass_the_checks(world: World) -> None:
    target = move(world, make_target(world), *TO_READY, ("budget", "approve"), ("unit_user", "request_adjustment"))
    budget = world.login("budget")
    version = int(re.search(r'name="version" value="(\d+)"', budget.get(f"/targets/{target.pk}/").content.decode())[1])
    services.target_save_indicators(actor=world.users["unit_user"], target=target, rows=valid_rows(target)[:1])
    stale = budget.post(f"/targets/{target.pk}/transition/", {"action": "approve_adjustment", "version": version})
    assert stale.status_code == 409 and "修改了调整内容" in stale.content.decode()
    target.refresh_from_db()
    assert target.status == "adjusting"
    # An emptied grid is not approved, whatever page it comes from.
    services.target_save_indicators(actor=world.users["unit_user"], target=target, rows=[])
    with pytest.raises(DomainError, match="智能审核未通过"):
        services.target_transition(actor=world.users["budget"], target=target, action="approve_adjustment")
    services.target_save_indicators(actor=world.users["unit_user"], target=target, rows=valid_rows(target))
    target.refresh_from_db()
    ok = budget.post(f"/targets/{target.pk}/transition/", {"action": "approve_adjustment", "version": target.version})
    assert ok.status_code == 302
    target.refresh_from_db()
    assert target.status == "approved" and target.goal_version == 2


def test_a_long_opinion_is_refused_with_its_length_not_a_500(world: World) -> None:
    target = move(world, make_target(world), *TO_PERF_REVIEW)
    client = world.login("performance")
    response = client.post(f"/targets/{target.pk}/transition/", {"action": "perf_return", "comment": "改" * 2500})
    assert response.status_code == 400 and "意见" in response.content.decode()
    with pytest.raises(DomainError, match="不能超过2000字"):
        services.target_transition(
            actor=world.users["performance"], target=target, action="perf_return", comment="改" * 2001
        )
    target.refresh_from_db()
    assert target.status == "perf_review"
    response = client.post(f"/targets/{target.pk}/panel/send/", {"comment": "a\x00b"})
    assert response.status_code == 400


def test_a_huge_indicator_value_is_refused_in_chinese(world: World) -> None:
    target = make_target(world)
    rows = valid_rows(target)
    rows[0] |= {"target_text": "≥99999999999亿元", "unit": "亿元"}
    with pytest.raises(DomainError, match="数值过大"):
        services.target_save_indicators(actor=world.users["unit_user"], target=target, rows=rows)
    assert target.indicators.count() == 2


def test_a_fair_grade_sends_the_revision_back_to_the_section(world: World) -> None:
    target = move(world, make_target(world), *TO_PERF_REVIEW, ("performance", "grade_fair"))
    assert target.status == "returned" and target.returned_from == "section_review"
    target = move(world, target, ("unit_user", "resubmit"))
    assert target.status == "section_review"
    target = move(world, target, ("business", "section_return"), ("unit_user", "resubmit"))
    assert target.status == "section_review"  # an ordinary return still goes back to its own stage


def test_panel_members_do_not_read_each_others_opinions_while_the_panel_sits(world: World) -> None:
    target = move(world, make_target(world), *TO_PERF_REVIEW)
    perf = world.users["performance"]
    second = _expert(world, "expert_two")
    first, _ = services_panel.panel_assign(
        actor=perf, target=target, members=[world.users["expert"], second], kind="expert"
    )
    services_panel.panel_send(actor=perf, target=target)
    services_panel.panel_submit(
        actor=world.users["expert"], assignment=first, conclusion="revise", opinion="产出指标应细化到学校"
    )
    target.refresh_from_db()

    def panel(user: object) -> list[str]:
        return [c.text for c in selectors.target_comments(target, user) if c.stage == "panel"]

    assert panel(second) == [] and panel(world.users["unit_user"]) == []
    assert any("细化到学校" in text for text in panel(world.users["expert"]))
    assert any("细化到学校" in text for text in panel(perf))
    services_panel.panel_close(actor=perf, target=target, comment="会审结束", force=True)
    target.refresh_from_db()
    assert any("细化到学校" in text for text in panel(world.users["unit_user"]))


def test_the_single_declaration_export_names_its_target(world: World) -> None:
    target = make_target(world)
    assert world.login("performance").get(f"/targets/{target.pk}/declaration.xlsx").status_code == 200
    event = AuditEvent.objects.get(event_type="target.export_declaration")
    assert event.object_id == str(target.pk)


def test_repeated_names_save_where_the_region_switched_the_rule_off(world: World) -> None:
    target = make_target(world)
    data = _edit_post(target)
    data["ind-1-name"] = data["ind-0-name"]
    client = world.login("unit_user")
    assert client.post(f"/targets/{target.pk}/edit/", data).status_code == 400
    SmartCheckRule.objects.create(
        region=world.region, code="T-DUP-NAME", name="三级指标名称重复", severity="error", is_enabled=False
    )
    assert client.post(f"/targets/{target.pk}/edit/", data).status_code == 302
    assert target.indicators.filter(name="购置教学设备数量").count() == 2


def test_two_starts_of_one_target_make_one(world: World) -> None:
    unit = world.users["unit_user"]
    first = services.target_create_for_project(actor=unit, project=world.school_project)
    again = services.target_create_for_project(actor=unit, project=world.school_project)
    assert first.pk == again.pk and PerformanceTarget.objects.filter(project=world.school_project).count() == 1
