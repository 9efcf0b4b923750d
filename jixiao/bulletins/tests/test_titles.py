"""Default bulletin titles name what is reported, as the national templates' titles do."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

from conftest import World
from jixiao.bulletins.models import Bulletin
from jixiao.bulletins.selectors import batch_label, default_title


def test_default_titles() -> None:
    assert default_title("APPRAISAL", 2026, "") == "关于2026年度预算绩效管理工作考核结果的通报"
    assert default_title("RE_EVAL", 2026, "") == "关于2026年度部门自评财政再评价结果的通报"
    assert default_title("KEY_EVAL", 2026, "") == "关于2026年度财政重点绩效评价结果的通报"
    assert default_title("MONITORING", 2026, "2026年1—8月项目支出绩效运行监控") == (
        "关于2026年1—8月项目支出绩效运行监控结果的通报"
    )


def test_a_batch_is_named_with_its_year_once() -> None:
    assert batch_label(SimpleNamespace(fiscal_year=2026, title="2026年度部门自评财政再评价")) == (
        "2026年度部门自评财政再评价"
    )
    assert batch_label(SimpleNamespace(fiscal_year=2026, title="部门自评财政再评价")) == "2026年度 部门自评财政再评价"
    assert batch_label(SimpleNamespace(fiscal_year=2026, title="2025年度遗留项目再评价")) == (
        "2026年度 2025年度遗留项目再评价"
    )


def test_migration_0003_names_the_year_once_in_stored_labels_and_draft_titles(world: World) -> None:
    from django.apps import apps

    migration = importlib.import_module("jixiao.bulletins.migrations.0003_source_label_year_once")
    twice = "2026年度 2026年度部门自评财政再评价"

    def bulletin(status: str, title: str, label: str = twice) -> Bulletin:
        return Bulletin.objects.create(
            kind="RE_EVAL", region=world.region, fiscal_year=2026, source_label=label, title=title, status=status
        )

    draft = bulletin("draft", f"关于{twice}结果的通报")
    renamed = bulletin("draft", "关于再评价情况的通报")
    issued = bulletin("issued", f"关于{twice}结果的通报")
    other_year = bulletin("draft", "t", label="2026年度 2025年度遗留项目再评价")
    migration.name_the_year_once(apps, None)
    for row in (draft, renamed, issued, other_year):
        row.refresh_from_db()
    assert draft.source_label == "2026年度部门自评财政再评价"
    assert draft.title == "关于2026年度部门自评财政再评价结果的通报"
    assert renamed.title == "关于再评价情况的通报" and renamed.source_label == "2026年度部门自评财政再评价"
    assert issued.title == f"关于{twice}结果的通报"  # as issued
    assert issued.source_label == "2026年度部门自评财政再评价"
    assert other_year.source_label == "2026年度 2025年度遗留项目再评价"
