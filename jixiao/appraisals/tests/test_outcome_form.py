"""考核结果运用 (the manual outcome): a refused form is shown again with the choice and the typed reason."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from conftest import World
from jixiao.appraisals import services
from jixiao.appraisals.models import Appraisal
from jixiao.appraisals.tests.helpers import dept_task, finance_score, to_perf_final

pytestmark = pytest.mark.django_db


def test_a_refused_outcome_keeps_the_choice_and_the_typed_reason(world: World) -> None:
    """考核结果运用 with a reason over 1000 characters or none: the sheet again (400), nothing stored."""
    task = dept_task(world)
    edu = finance_score(world, to_perf_final(world, Appraisal.objects.get(task=task, department=world.edu)), {})
    finance_score(world, to_perf_final(world, Appraisal.objects.get(task=task, department=world.health)), {})
    services.task_rank(actor=world.users["performance"], task=task)
    client = world.login("performance")
    detail = reverse("appraisals:detail", args=[edu.pk])
    html = client.get(detail).content.decode()
    found = re.search(r'data-testid="outcome-form">.*?name="lock_token" value="([0-9a-f]+)"', html, re.S)
    assert found
    url = reverse("appraisals:outcome", args=[edu.pk])
    reason = "排名末位且目标申报不及时" * 100
    response = client.post(url, {"outcome": "INTERVIEW", "reason": reason, "lock_token": found.group(1)})
    html = response.content.decode()
    assert response.status_code == 400 and reason in html and "不超过 1000 字符" in html
    assert '<option value="INTERVIEW" selected>' in html
    response = client.post(url, {"outcome": "INTERVIEW", "reason": "  ", "lock_token": found.group(1)})
    assert response.status_code == 400 and "必填项" in response.content.decode()
    edu.refresh_from_db()
    assert edu.outcome == "NONE" and edu.outcome_reason == ""
