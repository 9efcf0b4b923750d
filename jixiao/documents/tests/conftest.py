from __future__ import annotations

from typing import Any

import pytest

from jixiao.documents import services
from jixiao.documents.models import DocType, OfficialDocument


@pytest.fixture
def issue_notice(world: Any) -> Any:
    """Issue a 整改通知书 to 县第一中学 (and optionally more addressees) as the performance section."""

    def make(*recipients: Any, **kwargs: Any) -> OfficialDocument:
        return services.document_issue(
            actor=world.users["performance"],
            doc_type=kwargs.pop("doc_type", DocType.RECTIFICATION_NOTICE),
            region=world.region,
            recipients=list(recipients) or [world.school],
            context=kwargs.pop(
                "context",
                {"subject": "一中教学设备购置", "project": "一中教学设备购置", "problems": "1.绩效目标未细化量化"},
            ),
            fiscal_year=kwargs.pop("fiscal_year", 2026),
            **kwargs,
        )

    return make
