"""What the score table pages say in words: the national tables' 来源 without internal document references, and
the 自动指标 column by name rather than by code."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from conftest import World
from jixiao.appraisals import metrics
from jixiao.appraisals.models import AppraisalNode, AppraisalTemplate
from jixiao.appraisals.tests.helpers import default_template

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ["DEPT", "TOWN", "ASSET_MANAGEMENT"])
def test_national_tables_name_their_source_without_internal_references(world: World, kind: str) -> None:
    template = default_template(kind)
    assert template.source.startswith("系统内置")
    client = world.login("performance")
    page = client.get(reverse("appraisals:template", args=[template.pk])).content.decode()
    listing = client.get(reverse("appraisals:templates")).content.decode()
    assert "系统内置" in page
    assert "DOMAIN" not in page and "§" not in page
    assert "DOMAIN" not in listing and "§" not in listing


def test_the_source_migration_rewrites_only_the_shipped_texts(world: World) -> None:
    migration = importlib.import_module("jixiao.appraisals.migrations.0007_default_template_source")
    dept = default_template("DEPT")
    AppraisalTemplate.objects.filter(pk=dept.pk).update(source="全国默认（DOMAIN.md §2.7）")
    edited = default_template("TOWN")
    AppraisalTemplate.objects.filter(pk=edited.pk).update(source="省厅文件")
    migration.rename(apps, None)
    dept.refresh_from_db()
    edited.refresh_from_db()
    assert dept.source == "系统内置" and edited.source == "省厅文件"
    migration.rename_back(apps, None)
    dept.refresh_from_db()
    assert dept.source == "全国默认（DOMAIN.md §2.7）"


def test_the_auto_metric_column_shows_chinese_names_not_codes(world: World) -> None:
    page = world.login("performance").get(reverse("appraisals:template", args=[default_template().pk]))
    html = page.content.decode()
    column = html[html.index('data-testid="template-tree"') :]
    column = column[: column.index("</table>")]
    for code, label in metrics.METRIC_LABELS.items():
        assert f">{code}<" not in column
        if AppraisalNode.objects.filter(template=default_template(), auto_metric=code).exists():
            assert f">{label}<" in column, code
    assert ">事前评估覆盖率<" in column and ">整改按期完成率<" in column


def test_an_unknown_metric_key_is_shown_as_stored_and_none_as_a_dash() -> None:
    assert metrics.metric_label("preassessment_coverage") == "事前评估覆盖率"
    assert metrics.metric_label("provincial_x") == "provincial_x"
    assert metrics.metric_label("") == ""
