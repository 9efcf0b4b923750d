from __future__ import annotations

from datetime import date
from itertools import count
from typing import Any

import pytest

from jixiao.alerts.models import Profile, WarningRule, WarningSetting
from jixiao.execution.models import Payment
from jixiao.execution.tests.factories import payment_create
from jixiao.projects.models import Project

_vouchers = count(1)


def pay(project: Project, amount: str, on: date) -> Payment:
    return payment_create(project, amount, on, voucher_no=f"V{next(_vouchers):08d}")


def in_library(*projects: Project) -> None:
    Project.objects.filter(pk__in=[p.pk for p in projects]).update(status=Project.Status.IN_LIBRARY)


def use_sichuan(region: Any) -> None:
    """Switch the region to the sichuan_2025 profile and enable its rules (the demo does the same)."""
    WarningSetting.objects.create(region=region, fiscal_year=None, profile=Profile.SICHUAN_2025)
    WarningRule.objects.filter(profile=Profile.SICHUAN_2025).update(enabled=True)


@pytest.fixture
def library(world: Any) -> Any:
    in_library(world.school_project, world.branch_project, world.hospital_project, world.far_project)
    return world
