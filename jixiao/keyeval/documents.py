"""The key-evaluation report as Word (national outline, 财预〔2020〕10号 attachment 3): data in, bytes out.

1 基本情况 · 2 绩效评价工作开展情况 · 3 综合评价情况及评价结论 (with the score sheet) · 4 绩效评价指标分析 (决策,
过程, 产出, 效益) · 5 主要经验及做法、存在的问题及原因分析 · 6 有关建议 · 7 其他需要说明的问题.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from jixiao.core.money import format_wan
from jixiao.core.word import a4_document, add_table, clean_text, set_fonts
from jixiao.keyeval import selectors
from jixiao.keyeval.models import KeyEvalGrade, KeyEvaluation

BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
TITLE_FONT = "宋体"
SCORE_HEADERS = ["一级指标", "二级指标", "三级指标", "分值", "得分"]
SECTIONS = [
    "一、基本情况",
    "二、绩效评价工作开展情况",
    "三、综合评价情况及评价结论",
    "四、绩效评价指标分析",
    "五、主要经验及做法、存在的问题及原因分析",
    "六、有关建议",
    "七、其他需要说明的问题",
]


def report_title(ev: KeyEvaluation) -> str:
    """“{年度}年{部门}{项目名称}重点项目绩效评价报告” or “{年度}年{部门}部门整体支出绩效评价报告”."""
    department = ev.department.name if ev.department_id else ""  # type: ignore[union-attr]
    if ev.object_type == KeyEvaluation.ObjectType.DEPT_OVERALL:
        return f"{ev.fiscal_year}年{department}部门整体支出绩效评价报告"
    if ev.object_type == KeyEvaluation.ObjectType.POLICY:
        return f"{ev.fiscal_year}年{department}{ev.title}政策绩效评价报告"
    return f"{ev.fiscal_year}年{department}{ev.title}重点项目绩效评价报告"


def _paragraphs(doc: Any, text: Any, empty: str = "无。") -> None:
    lines = [line.strip() for line in clean_text(text).split("\n") if line.strip()]
    for line in lines or [empty]:
        doc.add_paragraph(line).paragraph_format.first_line_indent = Pt(28)


def _score(value: Decimal | None) -> str:
    return f"{value:.2f}" if value is not None else "—"


def _basics(ev: KeyEvaluation) -> list[tuple[str, str]]:
    projects = selectors.evaluation_projects(ev)
    rows = [
        ("评价对象", ev.title),
        ("评价类型", ev.get_kind_display()),
        ("对象类型", ev.get_object_type_display()),
        ("预算类型", ev.get_budget_book_display()),
        ("被评价部门", ev.department.name if ev.department_id else "—"),  # type: ignore[union-attr]
        ("评价年度", f"{ev.fiscal_year}年"),
        ("评价资金（万元）", format_wan(ev.amount_yuan)),
        ("评价方式", ev.get_mode_display()),
    ]
    if ev.engagement_id:
        rows.append(("受托机构", ev.engagement.agency.name))  # type: ignore[union-attr]
    if projects:
        rows.append(("评价项目", "；".join(f"{p.code} {p.name}" for p in projects)))
    return rows


def evaluation_report_docx(ev: KeyEvaluation) -> bytes:
    summary = selectors.score_summary(ev)
    doc = a4_document()
    set_fonts(doc.styles["Normal"], BODY_FONT, 14)
    set_fonts(doc.styles["Title"], TITLE_FONT, 22)
    set_fonts(doc.styles["Heading 1"], HEADING_FONT, 16)
    set_fonts(doc.styles["Heading 2"], BODY_FONT, 14)
    heading = doc.add_heading(clean_text(report_title(ev)), level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER

    doc.add_heading(SECTIONS[0], level=1)
    add_table(doc, [], _basics(ev))
    _paragraphs(doc, ev.basic_situation)

    doc.add_heading(SECTIONS[1], level=1)
    methods = f"采用{ev.methods}等方法，" if ev.methods else ""
    kinds = "、".join(sorted({s.get_kind_display() for s in summary.submitted})) or "评分人"
    _paragraphs(
        doc,
        f"本次评价依据{ev.template.name}，{methods}由{kinds}共{len(summary.submitted)}人按指标逐项评分，"
        "评价得分为各评分人总分的算术平均值。\n" + (ev.work_summary or ""),
    )

    doc.add_heading(SECTIONS[2], level=1)
    total = ev.total_score if ev.total_score is not None else summary.total
    grade = KeyEvalGrade(ev.grade).label if ev.grade else summary.grade_label
    if total is None:
        _paragraphs(doc, "尚未完成评分。")
    else:
        _paragraphs(doc, f"经综合评价，该评价对象得分{total:.2f}分，评价等级为“{grade or '—'}”。")
    _score_table(doc, summary)
    if ev.feedback_opinion:
        _paragraphs(doc, f"被评价方反馈意见：{ev.feedback_opinion}")

    doc.add_heading(SECTIONS[3], level=1)
    for number, row in enumerate([r for r in summary.rows if r.depth == 0], start=1):
        doc.add_heading(f"（{_cn_number(number)}）{row.node.name}指标分析", level=2)
        _paragraphs(doc, f"该部分分值{row.node.weight:.2f}分，平均得分{_score(row.mean)}分。")
    _paragraphs(doc, ev.analysis, empty="")

    doc.add_heading(SECTIONS[4], level=1)
    _paragraphs(doc, ev.experience)
    doc.add_heading(SECTIONS[5], level=1)
    _paragraphs(doc, ev.suggestions)
    doc.add_heading(SECTIONS[6], level=1)
    _paragraphs(doc, ev.other)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _cn_number(n: int) -> str:
    return "一二三四五六七八九十"[n - 1] if 1 <= n <= 10 else str(n)


def _score_table(doc: Any, summary: selectors.ScoreSummary) -> None:
    rows = []
    for row in summary.rows:
        names = ["", "", ""]
        names[min(row.depth, 2)] = row.node.name
        rows.append([*names, f"{row.node.weight:.2f}", _score(row.mean)])
    rows.append(["合计", "", "", "100.00", _score(summary.total)])
    add_table(doc, SCORE_HEADERS, rows)
