"""The annual work summary as Word (python-docx), laid out like a 公文 (GB/T 9704 margins and fonts).

Data in, bytes out."""

from __future__ import annotations

import io
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from jixiao.core.word import a4_document, add_table, clean_text, official_date, set_fonts
from jixiao.reports.models import AnnualReport
from jixiao.reports.narrative import key_evaluation_reports, printed_of
from jixiao.reports.statistics import in_catalogue_order

BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
TITLE_FONT = "方正小标宋简体"


def _paragraph(
    doc: Any,
    text: str,
    *,
    font: str = BODY_FONT,
    size: float = 16,
    indent: bool = True,
    align: Any = None,
    bold: bool = False,
) -> Any:
    paragraph = doc.add_paragraph()
    run = paragraph.add_run(clean_text(text))
    set_fonts(run, font, size, bold=bold)
    paragraph.paragraph_format.line_spacing = Pt(28)
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(size * 2)
    if align is not None:
        paragraph.alignment = align
    return paragraph


def _body(doc: Any, text: str) -> None:
    lines = [line.strip() for line in clean_text(text).split("\n") if line.strip()]
    for line in lines or ["无。"]:
        _paragraph(doc, line)


def _page(doc: Any) -> None:
    section = doc.sections[0]
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    set_fonts(doc.styles["Normal"], BODY_FONT, 16)


APPENDIX_WIDTHS = (Cm(2.0), Cm(4.0), Cm(6.6), Cm(3.0))
REPORTS_WIDTHS = (Cm(2.0), Cm(13.6))


def _key_evaluation_reports(doc: Any, report: AnnualReport) -> None:
    """The issued key-evaluation reports as seed 001 lists them (序号 / 评价报告); a year without any says so."""
    _paragraph(
        doc,
        f"{report.fiscal_year}年度{report.region.name}财政重点绩效评价报告",
        font=HEADING_FONT,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
    )
    titles = key_evaluation_reports(report.statistics)
    if not titles:
        _paragraph(doc, "本年度暂无已下达结果的重点绩效评价报告。")
        return
    rows = [[str(number), title] for number, title in enumerate(titles, start=1)]
    add_table(doc, ["序号", "评价报告"], rows, fonts=(BODY_FONT, BODY_FONT), size=12, widths=REPORTS_WIDTHS)


def _appendix(doc: Any, report: AnnualReport) -> None:
    doc.add_page_break()
    _paragraph(doc, "附表", font=HEADING_FONT, indent=False)
    _paragraph(
        doc,
        f"{report.work_year}年度预算绩效管理工作主要数据",
        font=HEADING_FONT,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
    )
    rows = [
        [number, figure.get("label", ""), label, value]
        for number, (_code, figure) in enumerate(in_catalogue_order(report.statistics), start=1)
        for label, value in figure.get("table") or [("—", "暂无数据")]
    ]
    headers = ["序号", "统计项", "指标", "数值"]
    add_table(doc, headers, rows, fonts=(BODY_FONT, BODY_FONT), size=10.5, widths=APPENDIX_WIDTHS)


def render_annual_report(report: AnnualReport, issuer: str) -> bytes:
    doc = a4_document()
    _page(doc)
    if report.doc_no:
        _paragraph(doc, report.doc_no, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _paragraph(doc, report.title, font=TITLE_FONT, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    if report.addressees:
        _paragraph(doc, f"{report.addressees}：", indent=False)
    sections = report.sections or {}
    for section in printed_of(report.kind, sections):
        if section.level == 1:
            _paragraph(doc, section.title, font=HEADING_FONT)
        elif section.level == 2:
            _paragraph(doc, section.title, font=SUBHEADING_FONT)
        if section.key in sections:
            _body(doc, sections[section.key].get("text", ""))
        if section.reports_table:
            _key_evaluation_reports(doc, report)
    if report.kind == AnnualReport.Kind.UPWARD:
        _paragraph(doc, "附件：预算绩效管理工作考核评分表", indent=True)
    _paragraph(doc, issuer, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _paragraph(doc, official_date(report.generated_at), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    if report.kind != AnnualReport.Kind.PUBLIC:
        # The 附表 of every statistics code is for the upper level; a public document (seed 001 has none) would print
        # the internal figures and the titles of withheld reports.
        _appendix(doc, report)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
