"""The shared Word building blocks (core.word) every generated document uses."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from docx.oxml.ns import qn
from docx.shared import Cm

from jixiao.core.word import a4_document, keep_rows_whole, official_date, set_fonts


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
