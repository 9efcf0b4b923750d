"""The 信息公开 待办 counts come from one conditional-aggregate query; they equal the separate counts they replaced."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import PERSONAS, World
from jixiao.disclosure import services
from jixiao.disclosure.models import Disclosure, DisclosureStatus, ItemType
from jixiao.disclosure.selectors import disclosure_todos, outdated_q, overdue_q
from jixiao.disclosure.tests.helpers import generate, item_of, make_sources

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _separate_counts(user: Any) -> dict[str, int]:
    """The provider's former logic: one COUNT query per item."""
    out: dict[str, int] = {}
    if not user.can("disclosure.view"):
        return out
    qs = Disclosure.objects.visible_to(user)
    if user.can("disclosure.review"):
        out["待审核的公开事项"] = qs.filter(status=DisclosureStatus.REVIEW).count()
        out["目标已调整待更新的公开事项"] = qs.filter(outdated_q()).count()
    if user.can("disclosure.propose"):
        out["待提交的公开事项"] = qs.filter(status=DisclosureStatus.PENDING).count()
        out["已超过公开期限的事项"] = qs.filter(overdue_q()).count()
    return out


def test_merged_counts_equal_the_separate_counts_for_every_persona(world: World) -> None:
    sources = make_sources(world)
    generate(world)
    services.disclosure_transition(
        actor=world.users["unit_user"], item=item_of(ItemType.TARGET_TABLE, sources.target), action="propose"
    )
    # Two open items past their deadline (one pending, one in review).
    today = timezone.localdate()
    Disclosure.objects.update(due_date=today + dt.timedelta(days=10))
    past = today - dt.timedelta(days=3)
    Disclosure.objects.filter(status=DisclosureStatus.REVIEW).update(due_date=past)
    pending = Disclosure.objects.filter(status=DisclosureStatus.PENDING).order_by("pk").first()
    assert pending is not None
    Disclosure.objects.filter(pk=pending.pk).update(due_date=past)

    for persona in PERSONAS:
        user = world.users[persona]
        got = {item.title: item.count for item in disclosure_todos(user)}
        assert got == _separate_counts(user), persona
    perf = {item.title: item.count for item in disclosure_todos(world.users["performance"])}
    assert perf["待审核的公开事项"] == 1 and perf["已超过公开期限的事项"] == 2
    hints = {item.title: item.hint for item in disclosure_todos(world.users["performance"])}
    assert hints["待审核的公开事项"] == "审核通过并公开，或按涉密、敏感等理由不予公开"  # what the line asks


def test_one_query_for_all_counts(world: World) -> None:
    make_sources(world)
    generate(world)
    user = world.users["performance"]
    # Resolve the identity and its region subtree (read once per request) outside the measured block.
    assert user.active_membership is not None and user.active_membership.region.subtree_ids
    with CaptureQueriesContext(connection) as captured:
        items = disclosure_todos(user)
    assert len(captured) == 1
    assert any(item.count for item in items)


def test_the_review_todo_opens_the_review_queue_with_as_many_items(world: World) -> None:
    """It opened the list filtered to 待审核, whose only batch button is 批量提交 (no ticks there): the reviewer had to
    find 公开审核 in the menu to publish several at once."""
    sources = make_sources(world)
    generate(world)
    services.disclosure_transition(
        actor=world.users["unit_user"], item=item_of(ItemType.TARGET_TABLE, sources.target), action="propose"
    )
    [todo] = [t for t in disclosure_todos(world.users["performance"]) if t.title == "待审核的公开事项"]
    assert todo.url == "/disclosure/review/" and todo.count == 1
    response = world.login("performance").get(todo.url)
    assert response.status_code == 200 and response.context["page"].paginator.count == 1
    assert 'data-testid="bulk-publish"' in response.content.decode()
