"""The demo county's self-evaluation round: records in several states, overclaims flagged, 待办 for each role."""

from __future__ import annotations

import pytest

from jixiao.accounts.models import User
from jixiao.core import todos
from jixiao.evaluation.models import ReEvaluationBatch, SelfEvalStatus, SelfEvaluation


@pytest.mark.django_db
def test_demo_self_evaluations(demo_county: str) -> None:
    records = SelfEvaluation.objects.all()
    assert records.exists()
    statuses = set(records.values_list("status", flat=True))
    assert {
        SelfEvalStatus.FILLING,
        SelfEvalStatus.SUBMITTED,
        SelfEvalStatus.DEPT_REVIEWED,
        SelfEvalStatus.SECTION_REVIEWED,
        SelfEvalStatus.FIN_REVIEWED,
    } <= statuses, statuses
    overclaimed = [r for r in records if "D_FULL_BUT_UNMET" in str(r.flags)]
    assert overclaimed
    for username, title in (
        ("edu_admin", "待主管部门审核的单位自评"),
        ("jkw", "待业务股室审核的单位自评"),
        ("jxg", "待绩效股审定的单位自评"),
    ):
        items = {item.title: item.count for item in todos.for_user(User.objects.get(username=username))}
        assert items.get(title, 0) > 0, (username, items)
    # A drawn re-evaluation batch with one sample re-scored lower (the gap shows on the batch page).
    batch = ReEvaluationBatch.objects.get()
    scored = batch.samples.exclude(re_score=None).get()
    assert batch.seed and scored.gap is not None and scored.gap < 0
