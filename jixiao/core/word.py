"""Word (.docx) building blocks shared by every generated document: an A4 page, fonts that Word and WPS show in
Chinese, text safe for the file, tables, and the 成文日期 as official documents write it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt, RGBColor

LATIN_FONT = "Times New Roman"
BLACK = RGBColor(0, 0, 0)
# XML 1.0 cannot hold C0 controls (other than tab and newline) or lone surrogates; lxml refuses them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def a4_document() -> Any:
    """A new document on A4 (python-docx starts on US Letter), its Title style without the template's blue rule."""
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    # python-docx's Title style draws a blue rule under the title; an official document's title stands alone.
    title_ppr = doc.styles["Title"].element.pPr
    if title_ppr is not None:
        for border in title_ppr.findall(qn("w:pBdr")):
            title_ppr.remove(border)
    return doc


def set_fonts(
    run_or_style: Any,
    east_asia: str,
    size: float | None = None,
    *,
    bold: bool | None = None,
    color: RGBColor | None = None,
) -> None:
    """Latin text in Times New Roman and Chinese in `east_asia`, in black (python-docx's Title and Heading styles are
    blue; an official document prints black); `size` and `bold` when given. A theme font would win over the named
    one, so the theme attributes are dropped."""
    font = run_or_style.font
    font.name = LATIN_FONT
    if size:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    font.color.rgb = color or BLACK
    rfonts = run_or_style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:eastAsia"), east_asia)


def clean_text(value: Any) -> str:
    """Text safe for OOXML: control characters dropped, line endings unified (None is empty)."""
    text = "" if value is None else str(value)
    return _NOT_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def add_table(
    doc: Any,
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    fonts: tuple[str, str] | None = None,
    size: float = 11,
    widths: Sequence[Length] | None = None,
) -> Any:
    """A "Table Grid" table: `headers` as its head row, repeated on every page the table runs onto (no head row when
    empty: a label and value table), then one row per item of `rows` (a short row leaves its last cells empty); no row
    breaks across a page. Every cell's text goes through `clean_text`.

    `fonts` (head, body): the head bold in the first Chinese face and the rows in the second, both at `size` points;
    without it every cell keeps the document's Normal style, as text typed into the cell in Word, the head in bold.
    `widths` fixes each column's width, every cell's included (Word and WPS read the cells')."""
    rows = [list(row) for row in rows]
    table = doc.add_table(rows=0, cols=len(headers) or max((len(row) for row in rows), default=1))
    table.style = "Table Grid"
    if widths is not None:
        table.autofit = False
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width  # before any row: each row added takes its cells' widths from the columns
    for index, values in enumerate([headers, *rows] if headers else rows):
        head = bool(headers) and index == 0
        for cell, value in zip(table.add_row().cells, values, strict=False):
            run = cell.paragraphs[0].add_run(clean_text(value))
            if fonts is not None:
                set_fonts(run, fonts[0] if head else fonts[1], size, bold=head)
            elif head:
                run.bold = True  # a table's head stands out in every generated document
    keep_rows_whole(table, header_rows=1 if headers else 0)
    return table


def keep_rows_whole(table: Any, header_rows: int = 1) -> None:
    """No row of `table` breaks across a page (a name cell half on one page, half on the next), and its first
    `header_rows` rows repeat at the top of every page the table runs onto."""
    for index, row in enumerate(table.rows):
        tr_pr = row._tr.get_or_add_trPr()
        height = tr_pr.find(qn("w:trHeight"))  # the schema's order: cantSplit, trHeight, tblHeader
        if height is not None:
            height.addprevious(OxmlElement("w:cantSplit"))
        else:
            tr_pr.append(OxmlElement("w:cantSplit"))
        if index < header_rows:
            tr_pr.append(OxmlElement("w:tblHeader"))


def official_date(value: dt.date | dt.datetime | None = None) -> str:
    """2026年1月5日: the 成文日期 of an official document, without leading zeros; a moment in local time; today when
    nothing is given."""
    if value is None:
        value = timezone.localdate()
    elif isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.year}年{value.month}月{value.day}日"
