"""考核参数 numbers are checked against their columns: out of range is a 400 with a Chinese message, the form keeps
what was typed, nothing is stored, and the settings and task pages keep working."""

from __future__ import annotations

import importlib
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from conftest import World
from jixiao.appraisals import selectors, services
from jixiao.appraisals.models import AppraisalSettings
from jixiao.appraisals.tests.helpers import dept_task, settings_form
from jixiao.core.errors import DomainError

pytestmark = pytest.mark.django_db

URL = "appraisals:settings"
FORM = settings_form()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("commend_min_score", "1e20", "表扬最低得分应为0至100之间的分数"),
        ("commend_min_score", "100.01", "表扬最低得分应为0至100之间的分数"),
        ("commend_min_score", "90.001", "表扬最低得分最多保留两位小数"),
        ("interview_max_score", "1e20", "约谈最高得分应为0至100之间的分数"),
        ("interview_max_score", "-1", "约谈最高得分应为0至100之间的分数"),
        ("commend_top_k", "11111111111111", "表扬名次应为0至32767之间的整数"),
        ("interview_bottom_k", "32768", "约谈名次应为0至32767之间的整数"),
        ("interview_bottom_k", "2.5", "约谈名次应为0至32767之间的整数"),
        ("weight_town", "1e20", "镇 折算权重应为0至999.999之间的数字"),
        ("weight_department", "1.0001", "部门 折算权重最多保留三位小数"),
        ("fiscal_year", "99999", "年度应为2000至2100之间的整数"),
        ("grade_bands", "优秀:1e20,不合格:0", "等级“优秀”的最低分应为0至100之间、最多两位小数的分数"),
        ("grade_bands", "优秀:90,优秀:80,不合格:0", "等级“优秀”重复，每个等级只能设置一次"),
        ("grade_bands", "优秀:90,良好:90,不合格:0", "等级“良好”的最低分与“优秀”相同，请设置不同的最低分"),
    ],
)
def test_out_of_range_settings_are_refused_with_a_chinese_message_and_nothing_is_stored(
    world: World, field: str, value: str, message: str
) -> None:
    client = world.login("performance")
    before = AppraisalSettings.objects.count()
    response = client.post(reverse(URL), {**FORM, field: value})
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert f'value="{value}"' in html  # the form is shown again with what was typed
    assert AppraisalSettings.objects.count() == before


def test_pages_keep_working_after_an_out_of_range_post(world: World) -> None:
    task = dept_task(world)
    client = world.login("performance")
    client.post(reverse(URL), {**FORM, "commend_min_score": "1e20", "commend_top_k": "11111111111111"})
    assert client.get(reverse(URL)).status_code == 200
    assert client.get(reverse("appraisals:task", args=[task.pk])).status_code == 200
    assert selectors.settings_for(world.region, 2026).commend_min_score is None  # still the national default


def test_valid_limits_are_accepted(world: World) -> None:
    client = world.login("performance")
    limits = {**FORM, "commend_min_score": "100", "interview_max_score": "0", "commend_top_k": "32767"}
    assert client.post(reverse(URL), {**limits, "grade_bands": "优秀:100,不合格:0"}).status_code == 302
    row = AppraisalSettings.objects.get(region=world.region, fiscal_year=None)
    assert row.commend_min_score == Decimal(100) and row.commend_top_k == 32767
    assert row.grade_bands[0] == {"label": "优秀", "min": "100"}
    assert client.get(reverse(URL)).status_code == 200


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("commend_min_score", Decimal("1e20")),
        ("interview_max_score", Decimal("NaN")),
        ("commend_top_k", 11111111111111),
        ("weight_street", Decimal("1000")),
    ],
)
def test_the_service_refuses_out_of_range_numbers_whoever_calls(world: World, key: str, value: Any) -> None:
    data: dict[str, Any] = {
        "weight_town": Decimal("0.6"),
        "weight_street": Decimal("0.5"),
        "weight_dev_zone": Decimal("0.4"),
        "weight_department": Decimal(1),
        "commend_top_k": None,
        "commend_min_score": None,
        "interview_bottom_k": None,
        "interview_max_score": None,
        "grade_bands": [{"label": "合格", "min": "60"}],
        key: value,
    }
    with pytest.raises(DomainError):
        services.settings_save(actor=world.users["performance"], fiscal_year=None, data=data)
    assert not AppraisalSettings.objects.filter(region=world.region).exists()


def test_the_repair_migration_clears_thresholds_stored_out_of_range(world: World) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL refuses such values on write, so there is nothing to repair there")
    row = AppraisalSettings.objects.create(region=world.region, fiscal_year=2026, commend_top_k=3)
    # What the unchecked form let through before (SQLite stores it as written; reading it back then fails).
    AppraisalSettings.objects.filter(pk=row.pk).update(commend_min_score=Decimal("1e20"), interview_bottom_k=40000)
    migration = importlib.import_module("jixiao.appraisals.migrations.0004_settings_out_of_range")
    migration.clear_out_of_range(apps, None)
    row.refresh_from_db()
    assert row.commend_min_score is None and row.interview_bottom_k is None and row.commend_top_k == 3
    assert world.login("performance").get(reverse(URL)).status_code == 200
