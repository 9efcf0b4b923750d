"""A workflow step pressed while the 评定得分 grid is open (股室评分完成, 审定并排名, 退回…) posts with the grid: the
scores typed but not saved are saved first, then the step is taken. The buttons sat in another form, so the typed
scores were dropped and the stored ones moved on."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import World
from jixiao.appraisals import services
from jixiao.appraisals.models import Appraisal, AppraisalScore, AppraisalStatus
from jixiao.appraisals.tests.helpers import dept_task, full_self_scores, leaves, to_perf_final

pytestmark = pytest.mark.django_db


def _token(page: str) -> str:
    return page.split('id="eval-form">')[1].split('name="lock_token" value="')[1].split('"')[0]


def _submitted(world: World) -> Appraisal:
    edu = Appraisal.objects.get(task=dept_task(world), department=world.edu)
    actor = world.users["dept_admin"]
    edu = services.appraisal_save_self(actor=actor, appraisal=edu, scores=full_self_scores(edu))
    return services.appraisal_transition(actor=actor, appraisal=edu, action="submit")


def test_section_done_saves_the_typed_scores_first(world: World) -> None:
    edu = _submitted(world)
    a1 = next(n for n in leaves(edu) if n.code == "A1")
    client = world.login("performance")
    page = client.get(reverse("appraisals:detail", args=[edu.pk])).content.decode()
    # The step buttons belong to the grid's form while it is open.
    actions = page.split('data-testid="actions"')[1].split("</form>")[0]
    assert 'value="section_done" type="submit" form="eval-form"' in actions
    assert 'data-testid="actions-save-note"' in page
    data = {f"eval_{a1.pk}": "7", f"evalnote_{a1.pk}": "2个项目未评估", "action": "section_done", "comment": ""}
    response = client.post(reverse("appraisals:eval_save", args=[edu.pk]), {**data, "lock_token": _token(page)})
    assert response.status_code == 302
    edu.refresh_from_db()
    assert edu.status == AppraisalStatus.PERF_FINAL
    score = AppraisalScore.objects.get(appraisal=edu, node=a1)
    assert (score.eval_score, score.eval_note) == (Decimal(7), "2个项目未评估")


def test_a_refused_step_keeps_the_saved_scores_and_says_so(world: World) -> None:
    """退回自评 without the required opinion: the scores typed are saved, the step is refused on the page (400)."""
    edu = _submitted(world)
    a1 = next(n for n in leaves(edu) if n.code == "A1")
    client = world.login("performance")
    page = client.get(reverse("appraisals:detail", args=[edu.pk])).content.decode()
    data = {f"eval_{a1.pk}": "6", "action": "return", "comment": "", "lock_token": _token(page)}
    response = client.post(reverse("appraisals:eval_save", args=[edu.pk]), data)
    body = response.content.decode()
    assert response.status_code == 400 and "评定得分已保存" in body
    edu.refresh_from_db()
    assert edu.status == AppraisalStatus.SECTION_SCORING
    assert AppraisalScore.objects.get(appraisal=edu, node=a1).eval_score == Decimal(6)


def test_a_bad_score_stops_the_step_and_keeps_what_was_typed(world: World) -> None:
    edu = to_perf_final(world, Appraisal.objects.get(task=dept_task(world), department=world.edu))
    a1 = next(n for n in leaves(edu) if n.code == "A1")
    client = world.login("performance")
    page = client.get(reverse("appraisals:detail", args=[edu.pk])).content.decode()
    data = {f"eval_{a1.pk}": "十分", "action": "rank", "lock_token": _token(page)}
    response = client.post(reverse("appraisals:eval_save", args=[edu.pk]), data)
    assert response.status_code == 400 and f'name="eval_{a1.pk}" value="十分"' in response.content.decode()
    edu.refresh_from_db()
    assert edu.status == AppraisalStatus.PERF_FINAL
