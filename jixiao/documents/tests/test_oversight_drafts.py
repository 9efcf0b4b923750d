"""The read-only oversight (人大, 审计) reads the bureau's documents once issued; drafts stay with the bureau's staff
and leaders (`documents.drafts`, decision 0008)."""

from __future__ import annotations

from typing import Any

import pytest

from jixiao.documents import services
from jixiao.documents.models import DocType

pytestmark = pytest.mark.django_db

CONTEXT = {
    "subject": "监控表报送",
    "problems": "监控表逾期未报送",
    "deadline": "2026年12月31日",
    "requirements": "报送监控表",
    "contact": "绩效股 0818-7200000",
}


def test_oversight_reads_issued_documents_only(world: Any) -> None:
    perf = world.users["performance"]
    draft = services.document_draft(
        actor=perf, doc_type=DocType.REMINDER_LETTER, region=world.region, recipients=[world.edu], context=CONTEXT
    )
    oversight = world.login("oversight")
    assert oversight.get(f"/documents/{draft.pk}/").status_code == 404
    assert f"/documents/{draft.pk}/" not in oversight.get("/documents/").content.decode()
    assert world.login("leader").get(f"/documents/{draft.pk}/").status_code == 200
    services.document_issue_draft(actor=perf, document=draft)
    assert oversight.get(f"/documents/{draft.pk}/").status_code == 200
    assert f"/documents/{draft.pk}/" in oversight.get("/documents/").content.decode()
