"""The demo county's appraisal and training records (seed_demo)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from jixiao.accounts.demo_logins import DEMO_PASSWORD
from jixiao.accounts.models import User
from jixiao.appraisals import selectors
from jixiao.appraisals.models import Appraisal, AppraisalStatus, AppraisalTask
from jixiao.training.selectors import training_totals


@pytest.mark.django_db
def test_demo_ranks_the_departments_with_outcomes_and_records_the_training(demo_county: str) -> None:
    perf = User.objects.get(username="jxg")
    year = AppraisalTask.objects.filter(kind="DEPT").get().fiscal_year
    totals = training_totals(perf, year)
    assert (totals["records"], totals["sessions"], totals["attendance"]) == (6, 6, 380)
    ranking = selectors.appraisal_ranking(perf, year)
    assert len(ranking) == Appraisal.objects.filter(task__kind="DEPT").count() > 3
    assert ranking[0]["rank"] == 1 and all(r["total"] is not None and r["external_points"] is not None for r in ranking)
    outcomes = {r["outcome"] for r in ranking}
    assert "COMMEND" in outcomes and "INTERVIEW" in outcomes
    towns = Appraisal.objects.filter(task__kind="TOWN")
    assert towns.exists() and set(towns.values_list("status", flat=True)) == {AppraisalStatus.TASK_ISSUED}
    client = Client()
    assert client.login(username="edu_admin", password=DEMO_PASSWORD)
    own = Appraisal.objects.get(task__kind="DEPT", department__name="县教育局")
    assert client.get(reverse("appraisals:detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("appraisals:list")).status_code == 200
