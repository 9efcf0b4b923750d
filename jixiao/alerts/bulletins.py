"""绩效运行监控结果通报 (DOMAIN.md §2.3 outputs, §5.4 “同预警、同通报”): one Word document per monitoring round with the
seed-style figures — projects and amount monitored, overall execution against 序时进度, red and yellow projects with
their amounts, and the budget cuts decided on red warnings (`FundAdjustment` 调减/收回).

The colours are the rules in force applied to each record's own figures (the round's data, not today's lights)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm

from jixiao.alerts import engine, selectors
from jixiao.alerts.models import FundAdjustment
from jixiao.alerts.sweep import Context, Row, evaluate, time_progress_mode
from jixiao.core.money import format_wan
from jixiao.core.word import a4_document, add_table, clean_text, official_date, set_fonts
from jixiao.monitoring.models import MonitoringRecord

ZERO = Decimal(0)


# Column widths of the red projects' table (A4 with python-docx's 2.54 cm margins leaves 15.9 cm).
RED_TABLE_WIDTHS = [Cm(w) for w in (1.1, 4.6, 3.4, 2.2, 1.9, 2.7)]


def red_table_headers(month: int) -> list[str]:
    """The red projects' table head, its rate column named after the round's months (1—8月执行率, never 1—N月)."""
    return ["序号", "项目名称", "实施单位", "全年预算数（万元）", f"1—{month}月执行率", "预警原因"]


@dataclass
class Figures:
    title: str
    period: str
    month: int = 12
    projects: int = 0
    budget: Decimal = ZERO
    executed: Decimal = ZERO
    progress_pct: Decimal = ZERO
    counts: dict[str, int] = field(default_factory=lambda: {"RED": 0, "YELLOW": 0, "GREEN": 0})
    amounts: dict[str, Decimal] = field(default_factory=lambda: {"RED": ZERO, "YELLOW": ZERO, "GREEN": ZERO})
    cuts: int = 0
    cut_amount: Decimal = ZERO
    red_rows: list[list[str]] = field(default_factory=list)

    @property
    def rate_pct(self) -> Decimal:
        return engine.exec_rate_to_date(self.executed, self.budget)

    @property
    def comparison(self) -> str:
        # From the rounded figures the text shows, so that the sentence adds up.
        diff = _q2(self.rate_pct) - _q2(self.progress_pct)
        if diff > 0:
            return f"高于序时进度{diff}个百分点"
        if diff < 0:
            return f"低于序时进度{-diff}个百分点"
        return "与序时进度持平"


def _q2(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _pct(value: Decimal) -> str:
    return f"{_q2(value)}%"


def round_figures(user: Any, task: Any) -> Figures:
    """The bulletin's figures over the round's project records the user sees (the whole region for 绩效股)."""
    records = list(
        MonitoringRecord.objects.visible_to(user)  # type: ignore[attr-defined]
        .filter(task=task, project__isnull=False)
        .select_related("unit")
        .prefetch_related("indicator_rows")
        .order_by("department_id", "unit_id", "id")
    )
    figures = Figures(
        title=f"关于{task.period_label}项目支出绩效运行监控情况的通报",
        period=task.period_label,
        month=task.period_end_month,
    )
    as_of = engine.month_end(task.fiscal_year, task.period_end_month)
    mode = time_progress_mode(task.region, task.fiscal_year)
    figures.progress_pct = (
        task.time_progress * 100 if task.time_progress else engine.time_progress(as_of, task.fiscal_year, mode)
    )
    _setting, rules = selectors.rules_in_force(task.region, task.fiscal_year)
    ctx = Context(as_of, task.fiscal_year, figures.progress_pct)
    for record in records:
        budget = record.current_budget_yuan or ZERO
        figures.projects += 1
        figures.budget += budget
        figures.executed += record.executed_to_date_yuan or ZERO
        row = Row(
            record.project_id or 0,
            budget,
            record.executed_to_date_yuan or ZERO,
            record,
            list(record.indicator_rows.all()),
        )
        found = evaluate(rules, row, ctx)
        color = engine.worst(c for _r, c, _res in found)
        if not color:
            continue
        figures.counts[color] += 1
        figures.amounts[color] += budget
        if color == "RED":
            reasons = "；".join(f"{rule.name}：{res[2]}" for rule, c, res in found if c == "RED")
            rate = engine.exec_rate_to_date(row.executed, budget)
            figures.red_rows.append(
                [str(len(figures.red_rows) + 1), record.name, record.unit.name, format_wan(budget), _pct(rate), reasons]
            )
    project_ids = [r.project_id for r in records]
    cuts = FundAdjustment.objects.filter(
        project_id__in=project_ids,
        fiscal_year=task.fiscal_year,
        kind__in=[FundAdjustment.Kind.ADJUST_DOWN, FundAdjustment.Kind.RECOVER],
    ).aggregate(
        n=Count("project_id", distinct=True),
        total=Coalesce(Sum("amount_yuan"), Value(ZERO, output_field=DecimalField(max_digits=18, decimal_places=2))),
    )
    figures.cuts, figures.cut_amount = cuts["n"], cuts["total"]
    return figures


def bulletin_docx(figures: Figures, issuer: str) -> bytes:
    doc = a4_document()
    set_fonts(doc.styles["Normal"], "仿宋_GB2312", 14)
    set_fonts(doc.styles["Title"], "宋体", 22)
    set_fonts(doc.styles["Heading 1"], "黑体", 16)
    title = doc.add_paragraph(clean_text(figures.title), style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph("各预算部门（单位）：")
    doc.add_heading("一、总体情况", level=1)
    doc.add_paragraph(
        f"本次监控{figures.period}项目{figures.projects}个，涉及资金{format_wan(figures.budget)}万元。"
        f"截至{figures.period.split('—')[-1]}末，已支出{format_wan(figures.executed)}万元，"
        f"预算执行率{_pct(figures.rate_pct)}，序时进度{_pct(figures.progress_pct)}，{figures.comparison}。"
    )
    doc.add_heading("二、预警情况", level=1)
    doc.add_paragraph(
        f"红灯预警项目{figures.counts['RED']}个，涉及资金{format_wan(figures.amounts['RED'])}万元；"
        f"黄灯预警项目{figures.counts['YELLOW']}个，涉及资金{format_wan(figures.amounts['YELLOW'])}万元；"
        f"绿灯项目{figures.counts['GREEN']}个，涉及资金{format_wan(figures.amounts['GREEN'])}万元。"
    )
    if figures.red_rows:
        # 五号 in set widths: the name and the reason get the room (six equal columns at the body's 四号 wrapped
        # the reason a few characters a line, and a round's ~400 red projects ran to 144 pages).
        add_table(
            doc,
            red_table_headers(figures.month),
            figures.red_rows,
            fonts=("黑体", "仿宋_GB2312"),
            size=10.5,
            widths=RED_TABLE_WIDTHS,
        )
    doc.add_heading("三、处置情况", level=1)
    doc.add_paragraph(
        f"对红灯预警项目，已按程序调减或收回预算{figures.cuts}个项目、{format_wan(figures.cut_amount)}万元。"
        if figures.cuts
        else "对红灯预警项目，各单位正在按要求说明原因、提出处置建议，暂无调减或收回预算。"
    )
    doc.add_heading("四、工作要求", level=1)
    doc.add_paragraph(
        "各预算部门（单位）要对红灯、黄灯预警项目认真分析原因，制定整改措施，加快预算执行，确保绩效目标如期实现。"
        "对逾期未说明原因的项目，将按规定暂停拨付资金。"
    )
    sign = doc.add_paragraph(f"{clean_text(issuer)}\n{official_date(timezone.localdate())}")
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
