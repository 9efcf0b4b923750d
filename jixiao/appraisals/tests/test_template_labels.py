"""What the score table pages say in words: the national tables' 来源 without internal document references, and
the 自动指标 column by name rather than by code."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from conftest import World
from jixiao.appraisals.models import AppraisalTemplate
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
