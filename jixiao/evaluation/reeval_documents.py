"""The re-evaluation batch's Excel export and the Word 《部门自评财政再评价结果通报》 (DOMAIN.md §2.4.5 outputs)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.utils import timezone
from docx.enum.text import WD_ALIGN_PARAGRAPH

from jixiao.core.money import format_wan, wan_from_yuan
from jixiao.core.sampling import draw_key
from jixiao.core.spreadsheets import Rate, write_workbook
from jixiao.core.word import a4_document, add_table, clean_text, official_date, set_fonts
from jixiao.evaluation.services_reeval import BatchResults, circular_sentence, rule_text

SAMPLE_HEADERS = [
    "编码",
    "名称",
    "主管部门",
    "实施单位",
    "全年预算数（万元）",
    "入样方式",
    "委托机构",
    "自评得分",
    "自评等级",
    "再评价得分",
    "再评价等级",
    "分差",
    "分差提示",
]
DEPT_HEADERS = ["主管部门", "样本数", "已评分", "平均绝对分差", "等级变化数", "等级变化占比"]
# The §4.8 R_GAP flag in the export's 分差提示 column, named as the pages' badge (its title: 分差达到提示线或等级变化).
GAP_FLAG = "分差超限"
# The population snapshot stored at the draw, with each code's sort key: with the seed of 抽样说明 anyone re-draws the
# sample (must-include items first, then the smallest keys; stratified batches share places per 主管部门编码).
POPULATION_HEADERS = ["编码", "主管部门编码", "全年预算数（万元）", "必抽", "排序键 SHA-256(种子:编码)", "入样"]
GRADE_TABLE_HEADERS = ["等级", "项目个数", "涉及资金（万元）"]
GAP_TABLE_HEADERS = ["序号", "项目名称", "主管部门", "自评得分", "再评价得分", "分差", "等级变化"]


def _num(value: Any) -> str:
    return "" if value is None else f"{value:.2f}"


def _rate(value: Any) -> Rate | str:
    return "" if value is None else Rate(value)


def results_xlsx(results: BatchResults) -> bytes:
    samples = [
        [
            s.code,
            s.self_eval.name,
            s.self_eval.department.name,
            s.self_eval.unit.name,
            wan_from_yuan(s.amount_yuan),
            s.get_selected_by_display(),
            s.agency_name or "绩效股",
            s.self_score,
            s.self_grade,
            s.re_score,
            s.re_grade,
            s.gap,
            GAP_FLAG if s.flagged else "",
        ]
        for s in results.samples
    ]
    grades = [[g, n, wan_from_yuan(a)] for g, n, a in results.grades]
    depts = [
        [d["name"], d["samples"], d["scored"], d["mean_abs_gap"], d["grade_changes"], _rate(d["change_share"])]
        for d in results.departments
    ]
    b = results.batch
    sampled = {s.code for s in results.samples}
    forced = set(b.must_include or [])
    population = [
        [
            str(code),
            str(stratum),
            wan_from_yuan(Decimal(str(amount))),
            "是" if code in forced else "",
            draw_key(b.seed, str(code)) if b.seed else "",
            "是" if code in sampled else "",
        ]
        for code, stratum, _record, amount, *_rest in b.population
    ]
    info = [
        ["批次", b.title],
        ["评价年度", str(b.fiscal_year)],
        ["抽样范围数", str(b.population_size)],
        ["抽取数", str(b.sample_size)],
        ["抽取比例", results.rate_text],
        ["抽样种子", b.seed],
        ["抽样规则", rule_text(b)],
    ]
    return write_workbook(
        [
            ("样本", SAMPLE_HEADERS, samples),
            ("等级分布", ["等级", "个数", "金额（万元）"], grades),
            ("部门自评质量", DEPT_HEADERS, depts),
            ("抽样说明", ["项目", "内容"], info),
            ("抽样范围", POPULATION_HEADERS, population),
        ],
    )


def circular_docx(results: BatchResults, issuer: str) -> bytes:
    b = results.batch
    doc = a4_document()
    set_fonts(doc.styles["Normal"], "仿宋_GB2312", 14)
    set_fonts(doc.styles["Title"], "宋体", 22)
    set_fonts(doc.styles["Heading 1"], "黑体", 16)
    title = doc.add_paragraph(f"关于{b.fiscal_year}年度部门自评财政再评价结果的通报", style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph("各预算部门（单位）：")
    doc.add_heading("一、总体情况", level=1)
    doc.add_paragraph(clean_text(circular_sentence(results)))
    doc.add_heading("二、再评价结果", level=1)
    add_table(doc, GRADE_TABLE_HEADERS, [[g, n, format_wan(amount)] for g, n, amount in results.grades])
    flagged = [s for s in results.gaps if s.flagged]
    doc.add_heading("三、自评质量", level=1)
    doc.add_paragraph(
        f"再评价得分与自评得分相差较大或等级发生变化的项目{len(flagged)}个。"
        + "；".join(
            f"{clean_text(d['name'])}平均绝对分差{_num(d['mean_abs_gap'])}分、等级变化{d['grade_changes']}个"
            for d in results.departments
            if d["scored"]
        )
        + "。"
    )
    if flagged:
        gaps = [
            [
                index,
                s.self_eval.name,
                s.self_eval.department.name,
                _num(s.self_score),
                _num(s.re_score),
                _num(s.gap),
                f"{s.self_grade}→{s.re_grade}" if s.self_grade != s.re_grade else "",
            ]
            for index, s in enumerate(flagged, start=1)
        ]
        add_table(doc, GAP_TABLE_HEADERS, gaps)
    doc.add_heading("四、工作要求", level=1)
    doc.add_paragraph(
        "各预算部门（单位）要对再评价发现的问题认真整改，提高自评质量，确保自评结果真实、准确；"
        "再评价结果将纳入部门预算绩效管理工作考核。"
    )
    sign = doc.add_paragraph(f"{clean_text(issuer)}\n{official_date(timezone.localdate())}")
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
