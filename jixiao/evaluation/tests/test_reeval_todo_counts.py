"""The 再评价/真实性核查 待办 counts (three tables) come from one query, equal to the separate counts replaced."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import PERSONAS, World
from jixiao.core import todos
from jixiao.evaluation import services_reeval
from jixiao.evaluation.models import AuthenticityCheck, ReEvaluationBatch, ReEvaluationSample
from jixiao.evaluation.tests.selfeval_helpers import YEAR
from jixiao.evaluation.tests.test_reeval import _batch, final_records

pytestmark = pytest.mark.django_db


def _separate_counts(user: Any) -> dict[str, int]:
    """The provider's former logic: one COUNT query per table."""
    membership = user.active_membership
    out: dict[str, int] = {}
    if membership is None:
        return out
    if membership.can("evaluation.rescore"):
        samples = ReEvaluationSample.objects.visible_to(user).filter(
            batch__status=ReEvaluationBatch.Status.DRAWN, re_score__isnull=True
        )
        if membership.role != "agency":
            samples = samples.filter(agency__isnull=True)
        out["待评分的再评价样本"] = samples.count()
    if membership.can("evaluation.reevaluate"):
        out["未办结的再评价批次"] = (
            ReEvaluationBatch.objects.visible_to(user).exclude(status=ReEvaluationBatch.Status.FINISHED).count()
        )
    if membership.can("evaluation.authenticity"):
        out["未办结的真实性核查"] = (
            AuthenticityCheck.objects.visible_to(user).exclude(status=AuthenticityCheck.Status.FINISHED).count()
        )
    return out


def test_merged_counts_equal_the_separate_counts_for_every_persona(world: World) -> None:
    final_records(world)
    services_reeval.batch_draw(actor=world.users["performance"], batch=_batch(world, rate=Decimal("1")))
    _batch(world, rate=Decimal("1"))  # a second batch, not drawn yet
    services_reeval.check_create(actor=world.users["business"], fiscal_year=YEAR)

    for persona in PERSONAS:
        user = world.users[persona]
        got = {item.title: item.count for item in services_reeval.reeval_todos(user)}
        assert got == _separate_counts(user), persona
    perf = {item.title: item.count for item in services_reeval.reeval_todos(world.users["performance"])}
    assert perf["待评分的再评价样本"] == 3 and perf["未办结的再评价批次"] == 2
    assert perf["未办结的真实性核查"] == 1


def test_one_query_for_three_tables(world: World) -> None:
    final_records(world)
    services_reeval.batch_draw(actor=world.users["performance"], batch=_batch(world, rate=Decimal("1")))
    user = world.users["performance"]
    assert user.active_membership is not None  # resolve the identity outside the measured block
    with CaptureQueriesContext(connection) as captured:
        items = services_reeval.reeval_todos(user)
    assert len(captured) == 1
    assert {item.title: item.count for item in items}["待评分的再评价样本"] == 3


def test_counts_helper_handles_empty_and_none_querysets(world: World) -> None:
    got = todos.counts(
        none=ReEvaluationBatch.objects.none(),
        empty=ReEvaluationBatch.objects.all(),
        checks=AuthenticityCheck.objects.all(),
    )
    assert got == {"none": 0, "empty": 0, "checks": 0}
    assert todos.counts() == {}
