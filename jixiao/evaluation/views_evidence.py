"""佐证资料 pages of a 单位自评 record (core.evidence_pages)."""

from __future__ import annotations

from jixiao.core.evidence_pages import EvidencePages
from jixiao.evaluation import selectors, services_evidence, views_selfeval

PAGES = EvidencePages(
    kind=services_evidence.EVIDENCE,
    detail="evaluation:selfeval_detail",
    template="evaluation/selfeval_detail.html",
    view_capability="evaluation.view",
    record_get=selectors.record_get,
    evidence_get=selectors.evidence_get,
    row_choices=lambda record: selectors.evidence_row_choices(selectors.record_rows(record)),
    context=views_selfeval.detail_context,
)

evidence_add, evidence_download, evidence_delete = PAGES.views()
