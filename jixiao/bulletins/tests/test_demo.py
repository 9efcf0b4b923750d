"""The demo county gets its 发文字号, issued documents with receipts, and an issued re-evaluation bulletin."""

from __future__ import annotations

import pytest

from jixiao.bulletins.models import Bulletin, BulletinStatus
from jixiao.documents.models import DocType, DocumentRecipient, DocumentSeries, DocumentStatus, OfficialDocument


@pytest.mark.django_db
def test_demo_documents_and_bulletin(demo_county: str) -> None:
    series = DocumentSeries.objects.get(region__mof_div_code="511725000", doc_type="")
    assert series.abbrev == "渠财绩"
    issued = OfficialDocument.objects.exclude(status=DocumentStatus.DRAFT)
    assert issued.filter(doc_type=DocType.OPINION_LETTER, status=DocumentStatus.FEEDBACK_RECEIVED).exists()
    assert DocumentRecipient.objects.filter(read_at__isnull=False).count() >= 2
    assert all(d.doc_no.startswith("渠财绩〔") for d in issued)
    bulletin = Bulletin.objects.get(kind="RE_EVAL")
    assert bulletin.status == BulletinStatus.ISSUED and bulletin.document is not None
    assert bulletin.document.doc_type == DocType.CIRCULAR_RE_EVAL
