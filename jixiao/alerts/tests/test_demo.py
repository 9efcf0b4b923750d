"""The demo county gets warnings, key projects and worked cases (one decided 调减 20万元)."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from jixiao.alerts.models import CaseStatus, FundAdjustment, ProjectLight, WarningCase


@pytest.mark.django_db
def test_demo_seeds_warnings_and_a_decided_cut() -> None:
    call_command("seed_demo", scale=0.1, stdout=StringIO())
    assert ProjectLight.objects.exists()
    cut = FundAdjustment.objects.get()
    assert (cut.kind, cut.amount_yuan) == ("ADJUST_DOWN", Decimal("200000.00"))
    assert cut.source_case is not None and cut.source_case.status == CaseStatus.DECIDED
    assert WarningCase.objects.filter(status=CaseStatus.PROPOSED).count() == 1
    assert WarningCase.objects.filter(status=CaseStatus.OPEN).exists()
