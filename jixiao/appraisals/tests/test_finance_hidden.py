"""A department reads its finance scores only once the task is ranked: on its appraisal page (already so), and now
on the task page and the task's export too, which showed the running 考核得分 and the bureau's draft opinions while
股室 and 绩效股 were still scoring; after 撤销排名 its old rank is hidden again. A score grid's field named with a
non-ASCII digit is ignored, not a 500."""

from __future__ import annotations

import io

import openpyxl
from django.urls import reverse

from conftest import World
from jixiao.appraisals import services
from jixiao.appraisals.models import Appraisal
from jixiao.appraisals.tests.helpers import dept_task, finance_score, to_perf_final


def _sheet(content: bytes) -> dict[str, tuple[object, ...]]:
    rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    return {str(row[1]): row for row in rows[1:] if row[1]}


def test_the_task_page_and_export_hide_finance_scores_from_the_department_until_ranked(world: World) -> None:
    task = dept_task(world)
    edu = to_perf_final(world, Appraisal.objects.get(task=task, department=world.edu))
    edu = finance_score(world, edu, {"A1": "1"})
    Appraisal.objects.filter(pk=edu.pk).update(mof_aud_opinion="草拟意见：资金支出进度偏慢")
    edu.refresh_from_db()
    assert edu.total is not None
    dept, perf = world.login("dept_admin"), world.login("performance")
    page = dept.get(reverse("appraisals:task", args=[task.pk])).content.decode()
    assert 'data-testid="finance-hidden"' in page and f">{edu.total}<" not in page
    row = _sheet(dept.get(reverse("appraisals:task_export", args=[task.pk])).content)["县教育局"]
    assert row[4] in ("", None) and "草拟意见" not in str(row)
    assert f">{edu.total}<" in perf.get(reverse("appraisals:task", args=[task.pk])).content.decode()
    assert "草拟意见" in str(_sheet(perf.get(reverse("appraisals:task_export", args=[task.pk])).content)["县教育局"])

    health = Appraisal.objects.get(task=task, department=world.health)
    finance_score(world, to_perf_final(world, health), {})
    services.task_rank(actor=world.users["performance"], task=task)
    page = dept.get(reverse("appraisals:task", args=[task.pk])).content.decode()
    assert 'data-testid="finance-hidden"' not in page
    row = _sheet(dept.get(reverse("appraisals:task_export", args=[task.pk])).content)["县教育局"]
    assert row[5] == Appraisal.objects.get(pk=edu.pk).rank and "草拟意见" in str(row)

    services.task_reopen(actor=world.users["performance"], task=task, comment="重新审定")
    detail = dept.get(reverse("appraisals:detail", args=[edu.pk])).content.decode()
    assert "排名 " not in detail.split('data-testid="self-total"')[1].split("</span>")[0]
    assert 'data-testid="finance-hidden"' in dept.get(reverse("appraisals:task", args=[task.pk])).content.decode()


def test_a_grid_field_with_a_non_ascii_digit_is_ignored(world: World) -> None:
    task = dept_task(world)
    edu = Appraisal.objects.get(task=task, department=world.edu)
    response = world.login("dept_admin").post(
        reverse("appraisals:self_save", args=[edu.pk]), {"ind_²": "1", "ind_" + "9" * 5000: "1"}
    )
    assert response.status_code in (302, 400)


def test_a_refused_ranking_shows_the_task_page_with_400(world: World) -> None:
    """审定并排名 with examinees still self-scoring: the page again with the names (400), not a redirect (302)."""
    from jixiao.core.locking import lock_token

    task = dept_task(world)
    response = world.login("performance").post(
        reverse("appraisals:task_action", args=[task.pk]), {"action": "rank", "lock_token": lock_token(task)}
    )
    assert response.status_code == 400
    assert "尚未进入绩效股审定环节" in response.content.decode()
    bogus = world.login("performance").post(reverse("appraisals:task_action", args=[task.pk]), {"action": "x"})
    assert bogus.status_code == 400 and "操作无效" in bogus.content.decode()
