"""The score sheet marks bonus and penalty items, without repeating a name that already says it (“加分项 加分项”)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import World
from jixiao.appraisals.models import Appraisal
from jixiao.appraisals.tests.helpers import dept_task

pytestmark = pytest.mark.django_db


def test_no_repeated_kind_badge(world: World) -> None:
    edu = Appraisal.objects.get(task=dept_task(world), department=world.edu)
    page = world.login("dept_admin").get(reverse("appraisals:detail", args=[edu.pk])).content.decode()
    assert "加分项 <span" not in page and "扣分项 <span" not in page
    assert ">加分项<" in page.replace("\n", "") or "加分项</td>" in page


def test_the_drill_down_link_is_on_its_own_line(world: World) -> None:
    """“无数据” and 查看明细 were run together (无数据查看明细): the link sits on its own line under the figures."""
    edu = Appraisal.objects.get(task=dept_task(world), department=world.edu)
    page = world.login("performance").get(reverse("appraisals:detail", args=[edu.pk])).content.decode()
    assert "无数据</span><a" not in page
    assert '<div class="no-print"><a href="/projects/?fiscal_year=2026&amp;department=' in page
