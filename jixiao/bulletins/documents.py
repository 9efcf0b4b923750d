"""The bulletin as Word: exactly the document it is issued as (the 红头 with its 文号, the template's opening and
closing around the narrative, the 落款) with the figure tables as 附表; before issuing, what that document will be."""

from __future__ import annotations

from typing import Any

from jixiao.bulletins.models import Bulletin
from jixiao.bulletins.selectors import snapshot_lines
from jixiao.documents.documents import render_docx
from jixiao.documents.models import OfficialDocument
from jixiao.documents.rendering import LATE_PLACEHOLDERS, fill
from jixiao.documents.selectors import default_issuer, series_for, template_for
from jixiao.documents.services import clean_tables

# Whom a bulletin is addressed to when it goes to every department of the region (the 称谓 of a 通报).
ALL_DEPARTMENTS = "各部门（单位）"


def annex_tables(bulletin: Bulletin) -> list[dict[str, Any]]:
    """The snapshot's tables with rows, as the issued document's 附表."""
    snapshot: dict[str, Any] = bulletin.snapshot or {}
    return clean_tables(snapshot.get("tables", []))


def _draft_document(bulletin: Bulletin) -> OfficialDocument:
    """What the issued document will read (unsaved): the region's template filled with the narrative."""
    series = series_for(bulletin.region, bulletin.doc_type)
    issuer = series.issuer_name if series else default_issuer(bulletin.region)
    template = template_for(bulletin.region, bulletin.doc_type)
    context = {
        "recipient": ALL_DEPARTMENTS,
        "issuer": issuer,
        "year": str(bulletin.fiscal_year),
        "title": bulletin.title,
        "content": bulletin.narrative,
    }
    if template is None:
        body = "{recipient}：\n" + "\n".join(snapshot_lines(bulletin)) + "\n{issuer}\n{date}"
    else:
        body = template.body
    return OfficialDocument(
        title=bulletin.title,
        body=fill(body, context, keep=LATE_PLACEHOLDERS),
        issuer_name=issuer,
        region=bulletin.region,
        tables=annex_tables(bulletin),
    )


def bulletin_docx(bulletin: Bulletin) -> bytes:
    document = bulletin.document or _draft_document(bulletin)
    if not document.tables:  # issued before documents kept their 附表
        document.tables = annex_tables(bulletin)
    return render_docx(document)
