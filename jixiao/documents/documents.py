"""Word (python-docx) and printable layout of an official document (公文): data in, bytes out.

Layout after GB/T 9704 in spirit: the red 发文机关标志 line, the 文号 centred under it, a red rule, the title, the
body (its first line is the 称谓 / 主送), and the 落款 and 成文日期 right-aligned at the end.
"""

from __future__ import annotations

import io
import re
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from jixiao.core.word import a4_document, add_table, clean_text, set_fonts
from jixiao.documents.models import PLACEHOLDERS, OfficialDocument
from jixiao.documents.rendering import LATE_PLACEHOLDERS

BODY_FONT = "Noto Serif CJK SC"
TITLE_FONT = "Noto Serif CJK SC"
HEADING_FONT = "Noto Sans CJK SC"
RED = RGBColor(0xC0, 0x00, 0x00)
_DATE_LINE = re.compile(r"^\s*\d{4}年\d{1,2}月\d{1,2}日\s*$")


def add_line(doc: Any, text: str, *, size: float = 16, font: str = BODY_FONT, align: Any = None, **kw: Any) -> Any:
    paragraph = doc.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    run = paragraph.add_run(clean_text(text))
    set_fonts(run, font, size, **kw)
    return paragraph


def red_rule(paragraph: Any) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "4"), ("w:color", "C00000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    ppr.append(border)


def body_lines(document: OfficialDocument) -> list[tuple[str, str]]:
    """(kind, text) of the body: `salutation` (称谓), `text`, `sign` (落款 and date, right-aligned).

    A draft still holds `{doc_no}` and `{date}` (filled when it is issued): they read as a 【印发时生成：…】 marker.
    """
    body = clean_text(document.body)
    for name in LATE_PLACEHOLDERS:
        body = body.replace("{" + name + "}", f"【印发时生成：{PLACEHOLDERS[name]}】")
    lines = [line.strip() for line in body.split("\n")]
    lines = [line for line in lines if line]
    kinds = ["text"] * len(lines)
    if lines and lines[0].endswith(("：", ":")):
        kinds[0] = "salutation"
    issuer = (document.issuer_name or "").strip()
    for index in range(len(lines) - 1, max(len(lines) - 3, -1), -1):
        if (
            _DATE_LINE.match(lines[index])
            or (issuer and lines[index] == issuer)
            or lines[index].startswith(("【待填写", "【印发时生成"))
        ):
            kinds[index] = "sign"
        else:
            break
    return list(zip(kinds, lines, strict=True))


def official_document(issuer: str, doc_no: str, title: str) -> Any:
    """A new A4 Word document with the 红头 (issuer line in red), the 文号 under it, a red rule and the title."""
    doc = a4_document()
    section = doc.sections[0]
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    set_fonts(doc.styles["Normal"], BODY_FONT, 16)
    add_line(doc, f"{issuer}文件", size=30, font=TITLE_FONT, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, color=RED)
    number = add_line(doc, doc_no or "（未编号）", align=WD_ALIGN_PARAGRAPH.CENTER)
    red_rule(number)
    doc.add_paragraph()
    add_line(doc, title, size=22, font=TITLE_FONT, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)
    doc.add_paragraph()
    return doc


def to_bytes(doc: Any) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def add_tables(doc: Any, tables: list[dict[str, Any]]) -> None:
    """The 附表 after the 成文日期 (GB/T 9704: attachments follow the document), each titled 附表N：…"""
    for number, table in enumerate((t for t in tables or [] if t.get("rows")), start=1):
        doc.add_paragraph()
        title = add_line(doc, f"附表{number}：{table.get('title', '')}", size=14, font=HEADING_FONT, bold=True)
        title.paragraph_format.keep_with_next = True  # not left alone at the foot of a page, its table on the next
        add_table(doc, list(table["headers"]), table["rows"], fonts=(HEADING_FONT, BODY_FONT))


def render_docx(document: OfficialDocument) -> bytes:
    doc = official_document(document.issuer_name or str(document.region), document.doc_no, document.title)
    lines = body_lines(document)
    for index, (kind, text) in enumerate(lines):
        if kind == "salutation":
            paragraph = add_line(doc, text)
        elif kind == "sign":
            paragraph = add_line(doc, text, align=WD_ALIGN_PARAGRAPH.RIGHT)
        else:
            paragraph = add_line(doc, text)
            paragraph.paragraph_format.first_line_indent = Pt(32)
        if index + 1 < len(lines) and lines[index + 1][0] == "sign":
            # The 发文机关署名 and 成文日期 never stand alone on a page: they keep the last line of the text with them.
            paragraph.paragraph_format.keep_with_next = True
    add_tables(doc, document.tables)
    return to_bytes(doc)
