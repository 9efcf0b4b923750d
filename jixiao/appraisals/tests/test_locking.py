"""Optimistic locking (SECURITY.md I05): a save from a page the data has moved on from is refused with 409 and the
newer data is kept — settings, the score table editor, the self / section / final score grids, the manual outcome
and the task actions."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from conftest import World
from jixiao.appraisals import selectors, services
from jixiao.appraisals.models import Appraisal, AppraisalScore, AppraisalSettings, AppraisalStatus, TaskStatus
from jixiao.appraisals.tests.helpers import (
    YEAR,
    dept_task,
    finance_score,
    leaves,
    local_copy,
    settings_form,
    to_perf_final,
)

pytestmark = pytest.mark.django_db

STALE = "已被他人修改"


def _token(client: Any, url: str, after: str = "") -> str:
    """The lock token of the page (or the first one after `after`, on a page with several forms)."""
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    pattern = re.escape(after) + r'.*?name="lock_token" value="([0-9a-f]+)"'
    found = re.search(pattern, html, re.S)
    assert found, "the page renders a lock token"
    return found.group(1)


def _appraisal(task: Any, world: World, dept: str = "edu") -> Appraisal:
    return Appraisal.objects.get(task=task, department=getattr(world, dept))


def _score(appraisal: Appraisal, code: str) -> AppraisalScore:
    return AppraisalScore.objects.get(appraisal=appraisal, node__code=code)


def test_settings_saved_from_a_stale_page_is_refused_and_keeps_the_first_save(world: World) -> None:
    client = world.login("performance")
    url = reverse("appraisals:settings")
    token = _token(client, url)
    form = settings_form(fiscal_year=str(YEAR), lock_token=token)
    assert client.post(url, form).status_code == 302
    response = client.post(url, {**form, "commend_top_k": "5", "grade_bands": "优秀:95,合格:60,不合格:0"})
    assert response.status_code == 409 and STALE in response.content.decode()
    row = AppraisalSettings.objects.get(region=world.region, fiscal_year=YEAR)
    assert row.commend_top_k == 3 and row.grade_bands[0] == {"label": "优秀", "min": "90"}
    fresh = _token(client, url)
    assert client.post(url, {**form, "commend_top_k": "5", "lock_token": fresh}).status_code == 302
    assert selectors.settings_for(world.region, YEAR).commend_top_k == 5


def test_score_table_edits_from_a_stale_editor_are_refused(world: World) -> None:
    copy = local_copy(world)
    client = world.login("performance")
    url = reverse("appraisals:template", args=[copy.pk])
    token = _token(client, url)
    a = copy.nodes.get(code="A")
    node = {"code": "A9", "name": "评估结果应用", "points": "1", "kind": "SCORE", "parent": a.pk, "lock_token": token}
    assert client.post(reverse("appraisals:node_add", args=[copy.pk]), node).status_code == 302
    # The other tab still shows the table without A9: adding, changing or deleting from it is refused.
    response = client.post(reverse("appraisals:node_add", args=[copy.pk]), {**node, "code": "A8", "name": "另一项"})
    assert response.status_code == 409 and STALE in response.content.decode()
    a1 = copy.nodes.get(code="A1")
    edit = {"code": "A1", "name": "改名", "points": "5", "kind": "SCORE", "lock_token": token}
    assert client.post(reverse("appraisals:node_edit", args=[copy.pk, a1.pk]), edit).status_code == 409
    delete = reverse("appraisals:node_delete", args=[copy.pk, a1.pk])
    assert client.post(delete, {"lock_token": token}).status_code == 409
    assert set(copy.nodes.filter(code__in=["A1", "A8", "A9"]).values_list("code", "name")) == {
        ("A1", a1.name),
        ("A9", "评估结果应用"),
    }
    assert client.post(delete, {"lock_token": _token(client, url)}).status_code == 302
    assert not copy.nodes.filter(code="A1").exists()


def test_self_scores_saved_from_a_stale_grid_are_refused(world: World) -> None:
    edu = _appraisal(dept_task(world), world)
    client = world.login("dept_admin")
    url = reverse("appraisals:detail", args=[edu.pk])
    token = _token(client, url, 'id="self-form">')
    nodes = {n.code: n for n in leaves(edu)}
    save = reverse("appraisals:self_save", args=[edu.pk])
    first = {f"ind_{nodes['A1'].pk}": "9", f"indnote_{nodes['A1'].pk}": "已全覆盖", "lock_token": token}
    assert client.post(save, first).status_code == 302
    # The stale tab changes another item only: it still showed A1 before the first save, so it is refused.
    stale = {f"ind_{nodes['A1'].pk}": "5", f"ind_{nodes['B1'].pk}": "4", "lock_token": token}
    response = client.post(save, stale)
    assert response.status_code == 409 and STALE in response.content.decode()
    assert _score(edu, "A1").ind_score == Decimal(9) and _score(edu, "A1").ind_note == "已全覆盖"
    assert _score(edu, "B1").ind_score is None
    assert Appraisal.objects.get(pk=edu.pk).self_total == Decimal("9.00")


def test_section_scores_are_locked_per_section_and_a_stale_grid_is_refused(world: World) -> None:
    copy = local_copy(world)
    e1 = copy.nodes.get(code="E1")
    data = {"code": "E1", "name": e1.name, "points": str(e1.points), "kind": "SCORE", "responsible_section": "教科文股"}
    services.node_save(actor=world.users["performance"], template=copy, node=e1, data=data)
    edu = _appraisal(dept_task(world, template=copy), world)
    dept = world.users["dept_admin"]
    services.appraisal_save_self(
        actor=dept, appraisal=edu, scores={n.pk: (str(n.points), "") for n in leaves(edu) if n.kind == "SCORE"}
    )
    edu = services.appraisal_transition(actor=dept, appraisal=edu, action="submit")
    nodes = {n.code: n for n in leaves(edu)}
    business = world.login("business")
    url = reverse("appraisals:detail", args=[edu.pk])
    token = _token(business, url, 'id="eval-form">')
    # The performance section scores an item that is not the business section's: no conflict for the section.
    services.appraisal_save_eval(actor=world.users["performance"], appraisal=edu, scores={nodes["A1"].pk: ("8", "")})
    save = reverse("appraisals:eval_save", args=[edu.pk])
    first = {f"eval_{nodes['E1'].pk}": "7", f"evalnote_{nodes['E1'].pk}": "仅开展1项", "lock_token": token}
    assert business.post(save, first).status_code == 302
    response = business.post(save, {f"eval_{nodes['E1'].pk}": "3", "lock_token": token})
    assert response.status_code == 409 and STALE in response.content.decode()
    assert _score(edu, "E1").eval_score == Decimal(7) and _score(edu, "E1").eval_note == "仅开展1项"
    assert _score(edu, "A1").eval_score == Decimal(8)


def test_final_scores_and_opinions_saved_from_a_stale_grid_are_refused(world: World) -> None:
    edu = to_perf_final(world, _appraisal(dept_task(world), world))
    client = world.login("performance")
    url = reverse("appraisals:detail", args=[edu.pk])
    token = _token(client, url, 'id="eval-form">')
    a1 = next(n for n in leaves(edu) if n.code == "A1")
    save = reverse("appraisals:eval_save", args=[edu.pk])
    first = {f"eval_{a1.pk}": "6", "exist_problems": "事前评估覆盖不全", "lock_token": token}
    assert client.post(save, first).status_code == 302
    # Only the opinion differs in the stale tab: it is on the same form, so it is refused as well.
    response = client.post(save, {f"eval_{a1.pk}": "6", "exist_problems": "旧页面的问题", "lock_token": token})
    assert response.status_code == 409 and STALE in response.content.decode()
    edu.refresh_from_db()
    assert edu.exist_problems == "事前评估覆盖不全" and _score(edu, "A1").eval_score == Decimal(6)


def test_a_stale_grid_lists_apart_what_was_typed_and_not_saved(world: World) -> None:
    """Two 绩效股 tabs on one score sheet: one saves, the other (typing meanwhile) saves and presses 审定并排名. The 409
    page shows the stored scores in the grid and lists the other tab's typed scores, notes and opinions that differ
    apart (您填写但未保存的内容), so they are not lost unseen; what equals the stored values is not listed."""
    edu = to_perf_final(world, _appraisal(dept_task(world), world))
    client = world.login("performance")
    url = reverse("appraisals:detail", args=[edu.pk])
    token = _token(client, url, 'id="eval-form">')
    nodes = {n.code: n for n in leaves(edu)}
    a1, b1 = nodes["A1"], nodes["B1"]
    save = reverse("appraisals:eval_save", args=[edu.pk])
    assert (
        client.post(save, {f"eval_{a1.pk}": "6", "exist_problems": "事前评估覆盖不全", "lock_token": token}).status_code
        == 302
    )
    stale = {
        f"eval_{a1.pk}": "6.00",
        f"eval_{b1.pk}": "3.5",
        f"evalnote_{b1.pk}": "监控覆盖率不足",
        "exist_problems": "旧标签页写的问题",
        "comment": "同意排名",
        "action": "rank",
        "lock_token": token,
    }
    response = client.post(save, stale)
    page = response.content.decode()
    assert response.status_code == 409 and STALE in page and 'data-testid="unsent-scores"' in page
    unsent = page.split('data-testid="unsent-scores"')[1].split("</table>")[0]
    assert f"{b1.code} {b1.name}" in unsent and "3.5" in unsent and "监控覆盖率不足" in unsent
    assert "旧标签页写的问题" in unsent and "同意排名" in unsent
    assert f"{a1.code} {a1.name}" not in unsent  # the same score as stored
    edu.refresh_from_db()
    assert edu.status == AppraisalStatus.PERF_FINAL and edu.exist_problems == "事前评估覆盖不全"
    assert _score(edu, "B1").eval_score is None


def test_manual_outcome_and_task_actions_from_stale_pages_are_refused(world: World) -> None:
    task = dept_task(world)
    edu = finance_score(world, to_perf_final(world, _appraisal(task, world)), {"A1": "2"})
    finance_score(world, to_perf_final(world, _appraisal(task, world, "health")), {})
    client = world.login("performance")
    task_url = reverse("appraisals:task", args=[task.pk])
    action = reverse("appraisals:task_action", args=[task.pk])
    open_page = _token(client, task_url)
    assert client.post(action, {"action": "rank", "lock_token": open_page}).status_code == 302
    ranked_page = _token(client, task_url)
    detail = reverse("appraisals:detail", args=[edu.pk])
    outcome_token = _token(client, detail, 'data-testid="outcome-form">')
    outcome = reverse("appraisals:outcome", args=[edu.pk])
    first = {"outcome": "INTERVIEW", "reason": "排名末位", "lock_token": outcome_token}
    assert client.post(outcome, first).status_code == 302
    response = client.post(outcome, {"outcome": "COMMEND", "reason": "旧页面", "lock_token": outcome_token})
    assert response.status_code == 409 and STALE in response.content.decode()
    edu.refresh_from_db()
    assert (edu.outcome, edu.outcome_reason) == ("INTERVIEW", "排名末位")
    # Reopened in one tab, the other tab's 通报 (from the ranked page) is refused.
    assert (
        client.post(action, {"action": "reopen", "comment": "重新审定", "lock_token": ranked_page}).status_code == 302
    )
    response = client.post(action, {"action": "issue_outcomes", "lock_token": ranked_page})
    assert response.status_code == 409 and STALE in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    assert Appraisal.objects.get(pk=edu.pk).status == AppraisalStatus.PERF_FINAL
