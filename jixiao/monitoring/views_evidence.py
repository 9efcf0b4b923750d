"""佐证资料 pages of a monitoring record (core.evidence_pages)."""

from __future__ import annotations

from jixiao.core.evidence_pages import EvidencePages
from jixiao.monitoring import selectors, services_evidence, views

PAGES = EvidencePages(
    kind=services_evidence.EVIDENCE,
    detail="monitoring:record_detail",
    template="monitoring/record_detail.html",
    view_capability="monitoring.view",
    record_get=selectors.record_get,
    evidence_get=selectors.evidence_get,
    row_choices=lambda record: selectors.evidence_row_choices(selectors.record_rows(record)),
    context=views.detail_context,
)

evidence_add, evidence_download, evidence_delete = PAGES.views()
