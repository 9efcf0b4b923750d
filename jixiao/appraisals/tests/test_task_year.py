"""A score table made for one year (适用年度) is not used for another year's task."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import World
from jixiao.appraisals import services
from jixiao.appraisals.models import AppraisalTask
from jixiao.appraisals.tests.helpers import default_template, dept_task
from jixiao.core.errors import DomainError

pytestmark = pytest.mark.django_db


def test_a_table_of_another_year_is_refused(world: World) -> None:
    copy = services.template_copy(actor=world.users["performance"], source=default_template(), fiscal_year=2027)
    with pytest.raises(DomainError, match="适用于2027年度，不能用于2026年度的考核任务"):
        dept_task(world, template=copy, fiscal_year=2026)
    assert not AppraisalTask.objects.exists()

    deadline = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    data = {"template": copy.pk, "name": "2026年度部门考核", "fiscal_year": "2026", "self_score_deadline": deadline}
    page = world.login("performance").post(reverse("appraisals:task_create"), data)
    assert page.status_code == 400 and "适用于2027年度" in page.content.decode()
    assert 'value="2026年度部门考核"' in page.content.decode()  # the form as typed

    assert dept_task(world, template=copy, fiscal_year=2027).template == copy  # its own year is fine
