"""The shared Word building blocks (core.word) every generated document uses."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm

from jixiao.core.tests.helpers import cell_look, head_repeats, tables_kept_whole
from jixiao.core.word import a4_document, add_table, keep_rows_whole, official_date, set_fonts


def test_a_document_starts_on_a4_and_fonts_name_the_chinese_face() -> None:
    doc = a4_document()
    section = doc.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    style = doc.styles["Heading 1"]
    set_fonts(style, "黑体", 16)
    rfonts = style.element.rPr.rFonts
    assert rfonts.get(qn("w:eastAsia")) == "黑体" and rfonts.get(qn("w:eastAsiaTheme")) is None
    assert style.font.name == "Times New Roman" and style.font.size.pt == 16 and style.font.bold is not False
    assert str(style.font.color.rgb) == "000000"  # official documents print in black, headings included


def test_the_date_of_an_official_document_has_no_leading_zeros() -> None:
    assert official_date(dt.date(2026, 9, 3)) == "2026年9月3日"
    late_evening_utc = dt.datetime(2026, 1, 4, 17, 30, tzinfo=dt.UTC)  # 5 January in Beijing
    assert official_date(late_evening_utc) == "2026年1月5日"
    assert official_date() == official_date(timezone.localdate())


def test_kept_rows_do_not_break_across_pages_and_the_head_repeats_in_schema_order() -> None:
    doc = a4_document()
    table = doc.add_table(rows=3, cols=2)
    table.rows[1].height = Cm(1)
    keep_rows_whole(table)
    tags = [[child.tag.split("}")[1] for child in row._tr.trPr] for row in table.rows]
    assert tags == [["cantSplit", "tblHeader"], ["cantSplit", "trHeight"], ["cantSplit"]]


def _reopened(doc: Any) -> Any:
    buffer = io.BytesIO()
    doc.save(buffer)
    return Document(io.BytesIO(buffer.getvalue()))


def test_a_table_has_a_bold_head_in_the_heading_face_and_rows_in_the_body_face_kept_whole() -> None:
    doc = a4_document()
    add_table(
        doc, ["序号", "项目名称"], [["1", "一中\x01教学设备\x0b购置"], ["2", None]], fonts=("黑体", "仿宋_GB2312")
    )
    table = _reopened(doc).tables[0]
    assert [cell_look(c) for c in table.rows[0].cells] == [("序号", "黑体", 11, True), ("项目名称", "黑体", 11, True)]
    # A control character typed into a name is dropped (lxml refuses it: the file would not be written).
    assert cell_look(table.rows[1].cells[1]) == ("一中教学设备购置", "仿宋_GB2312", 11, False)
    assert [c.text for c in table.rows[2].cells] == ["2", ""]
    assert table.style.name == "Table Grid" and tables_kept_whole(_reopened(doc)) and head_repeats(table)


def test_a_plain_table_keeps_the_document_style_a_label_table_has_no_head_and_widths_hold() -> None:
    doc = a4_document()
    add_table(doc, ["等级", "项目个数"], [["优", 2]])
    add_table(doc, [], [["评价对象", "一中"], ["评价年度", "2026年"]])
    widths = (Cm(2.0), Cm(6.6))
    add_table(doc, ["序号", "数值"], [[1, "3个"]], fonts=("仿宋_GB2312", "仿宋_GB2312"), size=10.5, widths=widths)
    plain, labels, sized = _reopened(doc).tables
    # No font of its own: the cell shows the document's Normal style, the head in bold.
    assert [cell_look(c) for c in plain.rows[0].cells] == [("等级", None, None, True), ("项目个数", None, None, True)]
    assert cell_look(plain.rows[1].cells[1]) == ("2", None, None, False)
    assert [[c.text for c in r.cells] for r in labels.rows] == [["评价对象", "一中"], ["评价年度", "2026年"]]
    assert not head_repeats(labels) and tables_kept_whole(_reopened(doc))
    assert cell_look(sized.rows[0].cells[0]) == ("序号", "仿宋_GB2312", 10.5, True)
    assert cell_look(sized.rows[1].cells[1]) == ("3个", "仿宋_GB2312", 10.5, False)
    assert not sized.autofit
    assert [round(c.width.cm, 2) for r in sized.rows for c in r.cells] == [2.0, 6.6, 2.0, 6.6]
    assert [round(col.width.cm, 2) for col in sized.columns] == [2.0, 6.6]
