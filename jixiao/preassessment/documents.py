"""Word documents of 事前绩效评估 (DOMAIN.md §2.1 report outline) and the year's export: data in, bytes out."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from jixiao.core.money import format_wan, wan_from_yuan
from jixiao.core.spreadsheets import write_workbook
from jixiao.core.word import a4_document, add_table, clean_text, official_date, set_fonts
from jixiao.preassessment.models import SUPPORTIVE, Conclusion, PreAssessment, PreAssessmentStatus, section_labels
from jixiao.preassessment.selectors import DraftTarget

BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
TITLE_FONT = "宋体"

EXPORT_HEADERS = [
    "年度",
    "项目编码",
    "项目名称",
    "主管部门",
    "申报单位",
    "申报金额（万元）",
    "状态",
    "评估结论",
    "支持金额（万元）",
    "压减金额（万元）",
    "得分",
    "财政区划",  # last, so the columns before it keep their places in the users' sheets
]

# The five dimensions in the report's order; their wording depends on the kind (project or policy).
DIMENSION_FIELDS = ["necessity", "economy", "target_reasonableness", "implementation_feasibility", "funding_compliance"]
ORDINALS = ["（一）", "（二）", "（三）", "（四）", "（五）"]
INDICATOR_HEADERS = ["一级指标", "二级指标", "三级指标", "指标值", "计量单位"]


def dimensions(kind: str) -> list[tuple[str, str]]:
    labels = section_labels(kind)
    return [(f"{n}{labels[f][0]}", f) for n, f in zip(ORDINALS, DIMENSION_FIELDS, strict=True)]


DIMENSIONS = dimensions(PreAssessment.Kind.PROJECT)


def _new_document() -> Any:
    doc = a4_document()
    # Word and WPS substitute a similar installed font when 仿宋_GB2312 / 黑体 are missing, so the names are safe.
    set_fonts(doc.styles["Normal"], BODY_FONT, 14)
    set_fonts(doc.styles["Title"], TITLE_FONT, 22)
    set_fonts(doc.styles["Heading 1"], HEADING_FONT, 16)
    set_fonts(doc.styles["Heading 2"], BODY_FONT, 14)
    return doc


def _title(doc: Any, text: str) -> None:
    paragraph = doc.add_heading(clean_text(text), level=0)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _paragraphs(doc: Any, text: Any, empty: str = "无。") -> None:
    lines = [line.strip() for line in clean_text(text).split("\n") if line.strip()]
    for line in lines or [empty]:
        doc.add_paragraph(line).paragraph_format.first_line_indent = Pt(28)


def _is_concluded(pa: PreAssessment) -> bool:
    return pa.status == PreAssessmentStatus.CONCLUDED and bool(pa.conclusion)


def _score(pa: PreAssessment) -> str:
    return f"{pa.score:.2f}分" if pa.score is not None else "未评分"


def _amounts_sentence(pa: PreAssessment) -> str:
    return (
        f"申报金额{format_wan(pa.requested_amount_yuan)}万元，支持金额{format_wan(pa.supported_amount_yuan)}万元，"
        f"压减{format_wan(pa.reduction_amount_yuan)}万元。"
    )


def _basics(pa: PreAssessment) -> list[tuple[str, str]]:
    return [
        ("项目名称", pa.project.name),
        ("项目编码", pa.project.code),
        ("预算年度", f"{pa.fiscal_year}年"),
        ("主管部门", pa.department.name),
        ("申报单位", pa.unit.name),
        ("评估类型", pa.get_kind_display()),
        ("申报金额（万元）", format_wan(pa.requested_amount_yuan)),
    ]


def _progress(pa: PreAssessment, aspects: str) -> str:
    """How far the assessment has come, as its status says: a draft's report does not claim reviews not yet held."""
    subject = f"本次评估对象为{pa.unit.name}申报的{pa.project.name}。"
    if pa.status == PreAssessmentStatus.DRAFT or not pa.submitted_at:
        return f"{subject}申报单位尚未提交评估材料，以下为填报中的内容。"
    submitted = f"{subject}申报单位于{official_date(pa.submitted_at)}提交评估材料，"
    dept = f"主管部门{pa.department.name}"
    if pa.status == PreAssessmentStatus.SUBMITTED:
        return f"{submitted}目前待{dept}审核。"
    if pa.status == PreAssessmentStatus.DEPT_APPROVED:
        return f"{submitted}经{dept}审核，目前待财政业务股室审核。"
    reviewed = f"{submitted}经{dept}审核、财政业务股室审核后，由财政绩效管理机构组织评审，从{aspects}五个方面进行评估"
    return reviewed + ("，评审正在进行中。" if pa.status == PreAssessmentStatus.FIN_REVIEW else "。")


def _overall(pa: PreAssessment) -> str:
    if not _is_concluded(pa):
        return "尚未作出评估结论。"
    text = f"评估结论：{pa.get_conclusion_display()}。评审总分：{_score(pa)}。{_amounts_sentence(pa)}"
    if pa.override_reason:
        text += f"\n结论调整理由：{pa.override_reason}"
    return text


def _save(doc: Any) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _draft_targets(doc: Any, draft: DraftTarget | None) -> None:
    doc.add_heading("绩效目标（草案）", level=2)
    if draft is None or draft.target is None:
        _paragraphs(doc, "", empty="申报单位尚未填报该项目的绩效目标。")
        return
    target = draft.target
    if target.midterm_goal:
        _paragraphs(doc, f"中期目标：{target.midterm_goal}")
    _paragraphs(doc, f"年度目标：{target.annual_goal or '未填写'}")
    rows = []
    for item in draft.indicators:
        sign = "" if item.operator == "qual" else item.get_operator_display()
        rows.append([item.lv1.name, item.lv2.name, item.name, f"{sign}{item.target_text}", item.unit])
    add_table(doc, INDICATOR_HEADERS, rows)


def assessment_report_docx(assessment: PreAssessment, draft: DraftTarget | None = None) -> bytes:
    """事前绩效评估报告 in the five-part outline of DOMAIN.md §2.1, filled from the filing, the project's draft
    绩效目标 and the conclusion. A policy assessment uses the policy wording of the sections."""
    pa = assessment
    labels = section_labels(pa.kind)
    is_policy = pa.kind == PreAssessment.Kind.POLICY
    doc = _new_document()
    _title(doc, "政策事前绩效评估报告" if is_policy else "事前绩效评估报告")
    subtitle = doc.add_paragraph(clean_text(f"{pa.project.name}（{pa.fiscal_year}年度）"))
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_heading(f"一、{labels['basic_situation'][0]}", level=1)
    add_table(doc, [], _basics(pa))
    _paragraphs(doc, pa.basic_situation)
    _draft_targets(doc, draft)
    doc.add_heading("二、评估工作开展情况", level=1)
    _paragraphs(doc, _progress(pa, "、".join(labels[f][0] for f in DIMENSION_FIELDS)))
    doc.add_heading("三、综合评估情况与评估结论", level=1)
    for heading, field in dimensions(pa.kind):
        doc.add_heading(heading, level=2)
        _paragraphs(doc, getattr(pa, field))
    doc.add_heading("（六）总体结论", level=2)
    _paragraphs(doc, _overall(pa))
    doc.add_heading("四、相关建议", level=1)
    _paragraphs(doc, pa.conclusion_opinion)
    doc.add_heading(f"五、{labels['other'][0] if is_policy else '其他需要说明的问题'}", level=1)
    _paragraphs(doc, pa.other)
    return _save(doc)


def _closing(pa: PreAssessment) -> str:
    if pa.conclusion == Conclusion.SUPPORT_AFTER_ADJUSTMENT and pa.adjusted_by_amount:
        return "请你单位按上述意见调整实施方案，并按支持金额将项目纳入项目库，据此编制预算和绩效目标。"
    if pa.conclusion == Conclusion.SUPPORT_AFTER_ADJUSTMENT:
        return "请你单位按上述意见调整实施方案和预算，经确认后按支持金额纳入项目库。"
    if pa.conclusion in SUPPORTIVE:
        return "请你单位按支持金额将项目纳入项目库，并据此编制预算和绩效目标。"
    if pa.conclusion == Conclusion.DEFER:
        return "该项目暂不纳入本年度预算，请你单位完善相关条件和材料后重新申报。"
    return "该项目不予纳入项目库，不安排预算。"


def review_opinion_docx(assessment: PreAssessment) -> bytes:
    """事前绩效评估审核意见 to the applying unit; only meaningful once the assessment is concluded."""
    pa = assessment
    doc = _new_document()
    _title(doc, "事前绩效评估审核意见")
    doc.add_paragraph(clean_text(f"{pa.unit.name}："))
    _paragraphs(
        doc,
        f"你单位申报的“{pa.project.name}”（项目编码{pa.project.code}）{pa.fiscal_year}年度事前绩效评估材料收悉。"
        "经评审，现将审核意见反馈如下：",
    )
    add_table(
        doc,
        [],
        [
            ("评估结论", pa.get_conclusion_display() or "尚未作出结论"),
            ("申报金额（万元）", format_wan(pa.requested_amount_yuan)),
            ("支持金额（万元）", format_wan(pa.supported_amount_yuan)),
            ("压减金额（万元）", format_wan(pa.reduction_amount_yuan)),
            ("评审总分", _score(pa)),
        ],
    )
    doc.add_heading("一、评估结论", level=1)
    _paragraphs(doc, f"{pa.get_conclusion_display()}。{_amounts_sentence(pa)}")
    doc.add_heading("二、审核意见", level=1)
    _paragraphs(doc, "\n".join(t for t in (pa.conclusion_opinion, pa.override_reason) if t))
    doc.add_heading("三、有关要求", level=1)
    _paragraphs(doc, _closing(pa))
    for line in (f"{pa.region.name}财政局", official_date(pa.concluded_at)):
        doc.add_paragraph(clean_text(line)).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return _save(doc)


def _wan(yuan: Decimal | None) -> float | None:
    return None if yuan is None else float(wan_from_yuan(yuan))


def _export_row(pa: PreAssessment) -> list[Any]:
    return [
        pa.fiscal_year,
        clean_text(pa.project.code),
        clean_text(pa.project.name),
        clean_text(pa.department.name),
        clean_text(pa.unit.name),
        _wan(pa.requested_amount_yuan),
        pa.get_status_display(),
        pa.get_conclusion_display() or "",
        _wan(pa.supported_amount_yuan),
        _wan(pa.reduction_amount_yuan),
        None if pa.score is None else float(pa.score),
        clean_text(pa.region.name),
    ]


def assessments_workbook(assessments: Iterable[PreAssessment]) -> bytes:
    """The list the user sees, one row per assessment; amounts as numeric 万元 cells."""
    rows: Iterator[list[Any]] = (_export_row(pa) for pa in assessments)
    return write_workbook([("事前绩效评估", EXPORT_HEADERS, rows)])
