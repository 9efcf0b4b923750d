"""The demo county gets warnings, key projects and worked cases (one decided 调减 20万元)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.alerts.models import CaseStatus, FundAdjustment, ProjectLight, WarningCase


@pytest.mark.django_db
def test_demo_seeds_warnings_and_a_decided_cut(demo_county: str) -> None:
    assert ProjectLight.objects.exists()
    cut = FundAdjustment.objects.get(source=FundAdjustment.Source.MONITORING)
    assert (cut.kind, cut.amount_yuan) == ("ADJUST_DOWN", Decimal("200000.00"))
    assert cut.source_case is not None and cut.source_case.status == CaseStatus.DECIDED
    # 预算调整登记 of other stages: the goal review's 核减 and 核销 (TG-4) and a 事前评估 追减 (PA-3(b)).
    reviewed = FundAdjustment.objects.filter(source=FundAdjustment.Source.TARGET_REVIEW, source_case=None)
    assert sorted(reviewed.values_list("kind", flat=True)) == ["REDUCE_ON_REVIEW", "REDUCE_ON_REVIEW", "WRITE_OFF"]
    assert all(a.amount_yuan > 0 and a.reason and a.created_by.username == "jxg" for a in reviewed)
    retro = FundAdjustment.objects.filter(source=FundAdjustment.Source.PRE_ASSESSMENT)
    assert [a.kind for a in retro] in ([], ["RETRO_REDUCE"])  # a 不予支持 assessment at this scale, if any
    assert WarningCase.objects.filter(status=CaseStatus.PROPOSED).count() == 1
    assert WarningCase.objects.filter(status=CaseStatus.OPEN).exists()
