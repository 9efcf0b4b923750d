"""A target table published before its target's adjustment was approved: flagged (list, page, 待办) until the
performance section republishes it (更新公开内容); the public reads the old table until then."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from conftest import World
from jixiao.core.errors import ConflictError, PermissionDeniedError
from jixiao.core.locking import lock_token
from jixiao.core.models import AuditEvent
from jixiao.disclosure import selectors, services, snapshots
from jixiao.disclosure.models import Disclosure, ItemType
from jixiao.disclosure.selectors import disclosure_todos
from jixiao.disclosure.tests.helpers import Sources, generate, item_of, make_sources, publish
from jixiao.targets import services as target_services
from jixiao.targets.models import PerformanceTarget, TargetIndicator, TargetVersion

pytestmark = pytest.mark.django_db
TODO = "目标已调整待更新的公开事项"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def sources(world: World) -> Sources:
    return make_sources(world)


def _adjust(world: World, target: PerformanceTarget, text: str = "≥150") -> PerformanceTarget:
    """The unit asks for an adjustment, raises the quantity, and the 预算股 approves it."""
    target = target_services.target_transition(
        actor=world.users["unit_user"], target=target, action="request_adjustment", comment="采购价格下降，数量增加"
    )
    TargetIndicator.objects.filter(target=target, name="购置教学设备数量").update(target_text=text)
    return target_services.target_transition(
        actor=world.users["budget"], target=target, action="approve_adjustment", comment="同意调整"
    )


def _indicator_values(item: Disclosure) -> list[str]:
    return [row["target_value"] for row in item.snapshot["indicators"] if row["name"] == "购置教学设备数量"]


def _todo(world: World, persona: str = "performance") -> int | None:
    counts = {t.title: t.count for t in disclosure_todos(world.users[persona])}
    return counts.get(TODO)


def test_an_adjustment_after_publication_flags_the_item_until_it_is_republished(world: World, sources: Sources) -> None:
    generate(world)
    item = publish(world, item_of(ItemType.TARGET_TABLE, sources.target))
    assert item.source_version == 1 and _indicator_values(item) == ["≥120"]
    perf = world.users["performance"]
    assert not selectors.disclosures_filtered(perf, {"outdated": True}).exists()
    assert _todo(world) == 0 and selectors.target_version_now(item) is None

    target = _adjust(world, sources.target)
    assert target.goal_version == 2
    item.refresh_from_db()
    [row] = selectors.disclosures_filtered(perf, {"outdated": True})
    assert row.pk == item.pk and row.is_outdated
    assert _todo(world) == 1
    assert _todo(world, "unit_user") is None  # the unit cannot republish: no line for it
    assert selectors.target_version_now(item) == 2
    assert _indicator_values(item) == ["≥120"]  # the public still reads the published version
    others = selectors.disclosures_filtered(perf, {}).exclude(pk=item.pk)
    assert not any(other.is_outdated for other in others)

    item = services.disclosure_transition(actor=perf, item=item, action="republish")
    assert item.status == Disclosure.Status.PUBLISHED
    assert item.source_version == 2 and _indicator_values(item) == ["≥150"]
    assert not selectors.disclosures_filtered(perf, {"outdated": True}).exists() and _todo(world) == 0
    assert item.events.filter(action="republish", action_label="更新公开内容").exists()
    assert AuditEvent.objects.filter(event_type="disclosure.republish", object_id=str(item.pk)).exists()


def test_republishing_is_the_reviewers_step_on_a_published_item_only(world: World, sources: Sources) -> None:
    generate(world)
    pending = item_of(ItemType.TARGET_TABLE, sources.hospital_target)
    with pytest.raises(ConflictError):
        services.disclosure_transition(actor=world.users["performance"], item=pending, action="republish")
    item = publish(world, item_of(ItemType.TARGET_TABLE, sources.target))
    with pytest.raises(PermissionDeniedError):
        services.disclosure_transition(actor=world.users["unit_user"], item=item, action="republish")
    item.refresh_from_db()
    assert item.events.filter(action="republish").count() == 0


def test_the_pages_show_the_adjustment_and_offer_the_update(world: World, sources: Sources) -> None:
    generate(world)
    item = publish(world, item_of(ItemType.TARGET_TABLE, sources.target))
    client = world.login("performance")
    page = client.get(reverse("disclosure:detail", args=[item.pk])).content.decode()
    assert 'data-testid="outdated-note"' not in page and 'data-testid="update-preview"' not in page
    _adjust(world, sources.target)

    listing = client.get(reverse("disclosure:list"), {"outdated": "on"})
    assert listing.status_code == 200 and listing.context["page"].paginator.count == 1
    assert 'data-testid="outdated-badge"' in listing.content.decode()
    page = client.get(reverse("disclosure:detail", args=[item.pk])).content.decode()
    assert "公开的是第1版，现为第2版" in page and "点击“更新公开内容”" in page
    preview = page.split('data-testid="update-preview"', 1)[1].split("公开内容快照", 1)[0]
    assert "≥150" in preview
    changes = page.split('data-testid="update-changes"', 1)[1].split('data-testid="update-preview"', 1)[0]
    assert "产出指标／数量指标／购置教学设备数量</td><td" in changes and "<td>≥120</td><td>≥150</td>" in changes
    assert 'data-testid="action-republish"' in page

    response = client.post(
        reverse("disclosure:transition", args=[item.pk]),
        {"action": "republish", "comment": "", "lock_token": lock_token(Disclosure.objects.get(pk=item.pk))},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.source_version == 2 and _indicator_values(item) == ["≥150"]
    page = client.get(reverse("disclosure:detail", args=[item.pk])).content.decode()
    assert 'data-testid="outdated-note"' not in page


def test_the_migration_records_the_version_each_published_table_froze(
    world: World, sources: Sources, django_assert_num_queries: Any
) -> None:
    generate(world)
    item = publish(world, item_of(ItemType.TARGET_TABLE, sources.target))
    other = publish(world, item_of(ItemType.TARGET_TABLE, sources.hospital_target))
    undated = publish(world, item_of(ItemType.DEPT_OVERALL_TARGET, sources.dept_target))
    published = timezone.now() - dt.timedelta(days=10)
    Disclosure.objects.filter(pk__in=[item.pk, other.pk]).update(source_version=None, published_at=published)
    Disclosure.objects.filter(pk=undated.pk).update(source_version=None, published_at=None)
    # The school's target: v1 approved before publication, v2 after it. The hospital's: v2 before publication.
    # The department's table has no publication time: the highest version recorded counts.
    for target, created in (
        (sources.target, published - dt.timedelta(days=5)),
        (sources.target, published + dt.timedelta(days=1)),
        (sources.hospital_target, published - dt.timedelta(days=5)),
        (sources.hospital_target, published - dt.timedelta(days=2)),
        (sources.dept_target, published + dt.timedelta(days=3)),
    ):
        version = TargetVersion.objects.filter(target=target).count() + 1
        row = TargetVersion.objects.create(target=target, goal_version=version, snapshot={})
        TargetVersion.objects.filter(pk=row.pk).update(created_at=created)
    dept_latest = TargetVersion.objects.filter(target=sources.dept_target).count()
    migration = importlib.import_module("jixiao.disclosure.migrations.0004_disclosure_source_version")
    # One statement for dated items and one for undated ones, whatever their number (a province upgrading).
    with django_assert_num_queries(2):
        migration.backfill(apps, None)
    assert Disclosure.objects.get(pk=item.pk).source_version == 1
    assert Disclosure.objects.get(pk=other.pk).source_version == 2
    assert Disclosure.objects.get(pk=undated.pk).source_version == dept_latest
    # Items not published keep no version.
    assert not Disclosure.objects.exclude(status=Disclosure.Status.PUBLISHED).exclude(source_version=None).exists()


def test_the_migration_takes_the_first_version_for_a_table_with_none_recorded(world: World, sources: Sources) -> None:
    generate(world)
    item = publish(world, item_of(ItemType.TARGET_TABLE, sources.target))
    TargetVersion.objects.filter(target=sources.target).delete()
    Disclosure.objects.filter(pk=item.pk).update(source_version=None)
    importlib.import_module("jixiao.disclosure.migrations.0004_disclosure_source_version").backfill(apps, None)
    assert Disclosure.objects.get(pk=item.pk).source_version == 1


def test_the_changes_name_each_field_task_and_indicator_that_differs() -> None:
    before = {
        "name": "一中教学设备购置",
        "annual_goal": "购置设备120台",
        "annual_total_yuan": "1200000.00",
        "tasks": [{"name": "采购", "content": "设备采购", "amount_yuan": "1200000.00"}],
        "indicators": [
            {
                "lv1": "产出指标",
                "lv2": "数量指标",
                "name": "设备数量",
                "operator": "≥",
                "target_value": "120",
                "unit": "台",
            },
            {"lv1": "效益指标", "lv2": "社会效益指标", "name": "教学改善", "operator": "定性", "target_value": "明显"},
        ],
    }
    after = {
        **before,
        "annual_total_yuan": "1500000.00",
        "tasks": [{"name": "采购", "content": "设备采购", "amount_yuan": "1500000.00"}],
        "indicators": [
            {
                "lv1": "产出指标",
                "lv2": "数量指标",
                "name": "设备数量",
                "operator": "≥",
                "target_value": "150",
                "unit": "台",
            },
            {
                "lv1": "满意度指标",
                "lv2": "服务对象满意度指标",
                "name": "师生满意度",
                "operator": "≥",
                "target_value": "90%",
            },
        ],
    }
    assert snapshots.target_changes(before, after) == [
        {"where": "目标表", "field": "年度资金总额（万元）", "before": "120.00", "after": "150.00"},
        {
            "where": "年度主要任务：采购",
            "field": "内容",
            "before": "设备采购（120.00万元）",
            "after": "设备采购（150.00万元）",
        },
        {"where": "产出指标／数量指标／设备数量", "field": "指标值", "before": "120", "after": "150"},
        {"where": "效益指标／社会效益指标／教学改善", "field": "删除指标", "before": "定性明显", "after": ""},
        {"where": "满意度指标／服务对象满意度指标／师生满意度", "field": "新增指标", "before": "", "after": "≥90%"},
    ]
    assert snapshots.target_changes(before, before) == []
