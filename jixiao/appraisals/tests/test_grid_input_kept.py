"""A refused score grid (a score above its points, not a number) shows the page again with what was typed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import World
from jixiao.appraisals.models import Appraisal, AppraisalScore
from jixiao.appraisals.tests.helpers import dept_task, leaves, to_perf_final

pytestmark = pytest.mark.django_db


def _token(page: str, form_id: str) -> str:
    return page.split(f'id="{form_id}">')[1].split('name="lock_token" value="')[1].split('"')[0]


def test_a_refused_self_score_keeps_the_typed_scores(world: World) -> None:
    edu = Appraisal.objects.get(task=dept_task(world), department=world.edu)
    nodes = {n.code: n for n in leaves(edu)}
    client = world.login("dept_admin")
    url = reverse("appraisals:detail", args=[edu.pk])
    token = _token(client.get(url).content.decode(), "self-form")
    data = {
        f"ind_{nodes['A1'].pk}": "11",
        f"ind_{nodes['B1'].pk}": "5.5",
        f"indnote_{nodes['B1'].pk}": "按时申报率92%",
        "lock_token": token,
    }
    response = client.post(reverse("appraisals:self_save", args=[edu.pk]), data)
    page = response.content.decode()
    assert response.status_code == 400 and "超过分值10.00" in page
    assert f'name="ind_{nodes["A1"].pk}" value="11"' in page
    assert f'name="ind_{nodes["B1"].pk}" value="5.5"' in page and 'value="按时申报率92%"' in page
    assert not AppraisalScore.objects.filter(appraisal=edu, ind_score__isnull=False).exists()
    # Corrected on that page (its token), the save goes through.
    data[f"ind_{nodes['A1'].pk}"] = "9"
    assert client.post(reverse("appraisals:self_save", args=[edu.pk]), data).status_code == 302
    assert AppraisalScore.objects.get(appraisal=edu, node=nodes["A1"]).ind_score == Decimal(9)


def test_a_refused_finance_score_keeps_scores_and_opinions(world: World) -> None:
    edu = to_perf_final(world, Appraisal.objects.get(task=dept_task(world), department=world.edu))
    a1 = next(n for n in leaves(edu) if n.code == "A1")
    client = world.login("performance")
    token = _token(client.get(reverse("appraisals:detail", args=[edu.pk])).content.decode(), "eval-form")
    data = {f"eval_{a1.pk}": "十分", "exist_problems": "事前评估覆盖不全", "lock_token": token}
    response = client.post(reverse("appraisals:eval_save", args=[edu.pk]), data)
    page = response.content.decode()
    assert response.status_code == 400 and "应为数字" in page
    assert f'name="eval_{a1.pk}" value="十分"' in page and "事前评估覆盖不全</textarea>" in page
