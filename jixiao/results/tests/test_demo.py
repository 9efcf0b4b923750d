"""The demo county gets county rules, proposals for the current year and a few decisions."""

from __future__ import annotations

import pytest

from jixiao.results.models import ResultApplication, ResultApplicationRule


@pytest.mark.django_db
def test_demo_seeds_rules_proposals_and_decisions(demo_county: str) -> None:
    assert ResultApplicationRule.objects.filter(region__isnull=False, code="SELF_EVAL-中").exists()
    apps = ResultApplication.objects.filter(fiscal_year=2026)
    assert apps.count() > 5
    assert apps.filter(status="decided").count() >= 3
    assert apps.filter(status="decided").exclude(decision_reason="").exists()
    assert set(apps.values_list("budget_year", flat=True)) == {2027}
    assert apps.filter(department__name="县教育局", status="decided", decided_action="REDUCE_PCT").exists()
