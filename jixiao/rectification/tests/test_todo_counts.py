"""The 待办 counts come from one conditional-aggregate query; they equal the separate counts they replaced."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import PERSONAS, World
from jixiao.rectification.models import AWAITING_UNIT, Rectification, RectificationStatus
from jixiao.rectification.selectors import ISSUE_HINT, REVIEW_HINT, rectification_todos
from jixiao.rectification.tests.helpers import draft_case, issued_case, overdue_by

pytestmark = pytest.mark.django_db


def _separate_counts(user: Any) -> dict[str, tuple[int, str]]:
    """The provider's former logic: one query per count, the hint from the earliest deadline."""
    membership = user.active_membership
    today = timezone.localdate()
    qs = Rectification.objects.visible_to(user)
    out: dict[str, tuple[int, str]] = {}
    if membership is None or not membership.can("rectification.view"):
        return out
    if membership.can("rectification.respond"):
        waiting = qs.filter(status__in=AWAITING_UNIT).order_by("deadline")
        first = waiting.exclude(deadline__isnull=True).values_list("deadline", flat=True).first()
        hint = ""
        if first is not None:
            days = (first - today).days
            left = f"还剩{days}天" if days > 0 else "今天截止" if days == 0 else f"已逾期{-days}天"
            hint = f"最近截止{first:%Y-%m-%d}，{left}"
        out["整改待反馈"] = (waiting.count(), hint)
    if membership.can("rectification.review"):
        out["整改反馈待审核"] = (qs.filter(status=RectificationStatus.FEEDBACK_SUBMITTED).count(), REVIEW_HINT)
    if membership.can("rectification.manage"):
        out["整改事项待下达"] = (qs.filter(status=RectificationStatus.DRAFT).count(), ISSUE_HINT)
    if membership.can("rectification.sweep"):
        out["整改逾期"] = (qs.filter(status__in=AWAITING_UNIT, deadline__lt=today).count(), "请督促或运行逾期处理")
    return out


def test_merged_counts_equal_the_separate_counts_for_every_persona(world: World) -> None:
    today = timezone.localdate()
    draft_case(world)
    draft_case(world, world.hospital_project)
    issued_case(world, deadline=today + timedelta(days=4))
    overdue_by(issued_case(world), 2)
    overdue_by(issued_case(world, world.hospital_project), 6)
    feedback = issued_case(world, world.branch_project)
    Rectification.objects.filter(pk=feedback.pk).update(status=RectificationStatus.FEEDBACK_SUBMITTED)
    returned = issued_case(world, world.hospital_project, deadline=today + timedelta(days=9))
    Rectification.objects.filter(pk=returned.pk).update(status=RectificationStatus.RETURNED)

    nonzero = 0
    for persona in PERSONAS:
        user = world.users[persona]
        got = {item.title: (item.count, item.hint) for item in rectification_todos(user)}
        assert got == _separate_counts(user), persona
        nonzero += sum(1 for count, _ in got.values() if count)
    assert nonzero >= 4  # the data exercises the counts, not only zeros
    perf = {item.title: item.count for item in rectification_todos(world.users["performance"])}
    assert perf["整改事项待下达"] == 2 and perf["整改逾期"] == 2


def test_one_query_for_all_counts(world: World) -> None:
    overdue_by(issued_case(world), 3)
    user = world.users["performance"]
    assert user.active_membership is not None  # resolve the identity outside the measured block
    with CaptureQueriesContext(connection) as captured:
        items = rectification_todos(user)
    assert len(captured) == 1
    assert {item.title for item in items} >= {"整改逾期", "整改事项待下达"}
