"""The bulletin as Word: the 红头 with its 文号 once issued, the body of the 通报 (the template's opening and closing
around the narrative, exactly as the issued document reads), the figure tables as 附表, and the 落款."""

from __future__ import annotations

from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from jixiao.bulletins.models import Bulletin
from jixiao.bulletins.selectors import snapshot_lines
from jixiao.documents.documents import HEADING_FONT, add_line, add_table, body_lines, official_document, to_bytes
from jixiao.documents.models import OfficialDocument
from jixiao.documents.rendering import LATE_PLACEHOLDERS, fill
from jixiao.documents.selectors import default_issuer, series_for, template_for

# Whom a bulletin is addressed to when it goes to every department of the region (the 称谓 of a 通报).
ALL_DEPARTMENTS = "各部门（单位）"


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
        body=fill(body, context, keep=LATE_PLACEHOLDERS), issuer_name=issuer, region=bulletin.region
    )


def bulletin_docx(bulletin: Bulletin) -> bytes:
    document = bulletin.document or _draft_document(bulletin)
    doc = official_document(document.issuer_name, document.doc_no, bulletin.title)
    lines = body_lines(document)
    signs = [text for kind, text in lines if kind == "sign"]
    for kind, text in lines:
        if kind == "salutation":
            add_line(doc, text)
        elif kind == "text":
            add_line(doc, text).paragraph_format.first_line_indent = Pt(32)
    snapshot: dict[str, Any] = bulletin.snapshot or {}
    for number, table in enumerate((t for t in snapshot.get("tables", []) if t.get("rows")), start=1):
        add_line(doc, f"附表{number}：{table['title']}", size=14, font=HEADING_FONT, bold=True)
        add_table(doc, list(table["headers"]), [list(r) for r in table["rows"]])
        doc.add_paragraph()
    for text in signs:
        add_line(doc, text, align=WD_ALIGN_PARAGRAPH.RIGHT)
    return to_bytes(doc)
