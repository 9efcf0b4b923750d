"""Set-up shared by the 问题整改 tests."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import World
from jixiao.rectification import services
from jixiao.rectification.models import Category, Rectification, Severity, SourceType

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
YEAR = 2026
_problem_no = itertools.count(1)


def pdf(name: str = "问题整改报告.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def draft_case(world: World, project: Any = None, source_type: str = SourceType.AUDIT) -> Rectification:
    """A hand-entered audit finding on the school project and its draft case (each call another problem: the same
    problem registered again while its case is a draft is refused)."""
    return services.finding_create_manual(
        actor=world.users["performance"],
        data={
            "fiscal_year": YEAR,
            "source_type": source_type,
            "source_label": "2026年度审计报告",
            "project": project or world.school_project,
            "category": Category.FUNDS,
            "severity": Severity.HIGH,
            "description": f"项目资金未按合同约定支付，结余资金未及时上缴（审计问题{next(_problem_no)}）",
        },
    )


def issued_case(world: World, project: Any = None, deadline: date | None = None) -> Rectification:
    rect = draft_case(world, project)
    return services.rectification_issue(
        actor=world.users["performance"],
        rectification=rect,
        requirements="规范资金支付，收回结余资金",
        deadline=deadline or timezone.localdate() + timedelta(days=20),
    )


def overdue_by(rect: Rectification, days: int) -> Rectification:
    """Move the deadline into the past (as if the case had been issued earlier)."""
    Rectification.objects.filter(pk=rect.pk).update(deadline=timezone.localdate() - timedelta(days=days))
    rect.refresh_from_db()
    return rect
