"""The bulletin as Word: the 红头 with its 文号 once issued, the narrative, the figure tables and the 落款."""

from __future__ import annotations

from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from jixiao.bulletins.models import Bulletin
from jixiao.bulletins.selectors import snapshot_lines
from jixiao.core.word import official_date
from jixiao.documents.documents import HEADING_FONT, add_line, add_table, official_document, to_bytes
from jixiao.documents.selectors import default_issuer


def bulletin_docx(bulletin: Bulletin) -> bytes:
    document = bulletin.document
    issuer = document.issuer_name if document else default_issuer(bulletin.region)
    doc = official_document(issuer, document.doc_no if document else "", bulletin.title)
    recipients = "、".join(r.name for r in document.recipients.all()) if document else "各主管部门"
    add_line(doc, f"{recipients}：")
    for line in snapshot_lines(bulletin):
        add_line(doc, line).paragraph_format.first_line_indent = Pt(32)
    snapshot: dict[str, Any] = bulletin.snapshot or {}
    for number, table in enumerate((t for t in snapshot.get("tables", []) if t.get("rows")), start=1):
        add_line(doc, f"附表{number}：{table['title']}", size=14, font=HEADING_FONT, bold=True)
        add_table(doc, list(table["headers"]), [list(r) for r in table["rows"]])
        doc.add_paragraph()
    add_line(doc, issuer, align=WD_ALIGN_PARAGRAPH.RIGHT)
    add_line(doc, official_date(document.issued_at if document else None), align=WD_ALIGN_PARAGRAPH.RIGHT)
    return to_bytes(doc)
