from __future__ import annotations

from datetime import date, timedelta
from itertools import count
from typing import Any

import pytest
from django.utils import timezone

from jixiao.alerts.models import Profile, WarningRule, WarningSetting
from jixiao.documents.models import DocumentStatus, OfficialDocument
from jixiao.execution.models import Payment
from jixiao.execution.tests.factories import payment_create
from jixiao.projects.models import Project

_vouchers = count(1)


def issue_letter(world: Any, document_id: int) -> None:
    """Issue a drafted 提醒敦促函 as the performance section. The tests escalate on fixed 2026 dates, so the drafted
    反馈期限 has passed by the day they run: it is moved on first, as finance does on 修改 (a draft past its 反馈期限
    is not issued, jixiao.documents.services.document_issue_draft)."""
    today = timezone.localdate()
    drafts = OfficialDocument.objects.filter(pk=document_id, feedback_deadline__lt=today)
    drafts.update(feedback_deadline=today + timedelta(days=5))
    world.login("performance").post(f"/documents/{document_id}/transition/", {"action": "issue"})
    assert OfficialDocument.objects.get(pk=document_id).status == DocumentStatus.ISSUED


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
