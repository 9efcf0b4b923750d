"""The printable 申报表: one context for the HTML print view and the PDF (WeasyPrint, Noto Sans CJK SC)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from jixiao.core.money import format_wan
from jixiao.targets.columns import DEPT_TITLE, GRID_COLUMNS, PROJECT_TITLE
from jixiao.targets.exports import indicator_cells
from jixiao.targets.models import PerformanceTarget

PDF_CONTENT_TYPE = "application/pdf"
# Percent widths of the grid columns B–N on an A4 landscape page (the first 4% is the block label).
WIDTHS = {
    "lv1": 7,
    "lv2": 8,
    "name": 13,
    "operator": 4,
    "target_text": 9,
    "unit": 5,
    "midterm_text": 7,
    "weight": 5,
    "explanation": 11,
    "scoring_standard": 10,
    "value_basis": 6,
    "data_source": 6,
    "remark": 5,
}


def print_context(target: PerformanceTarget) -> dict[str, Any]:
    dept = target.subject_type == PerformanceTarget.Subject.DEPT_OVERALL
    project = target.project
    columns = [(h, f) for letter, h, f in GRID_COLUMNS if not (dept and letter == "H")]
    rows = []
    for row in target.indicators.select_related("lv1", "lv2").order_by("seq", "id"):
        cells = indicator_cells(row)
        cells["weight"] = f"{row.weight:.2f}" if row.weight is not None else ""
        rows.append([cells[f] for _h, f in columns])
    period = f"{project.start_year if project else target.fiscal_year}年"  # one year: 2026年, not 2026年—2026年
    if project and project.start_year != project.end_year:
        period = f"{project.start_year}年—{project.end_year}年"
    return {
        "target": target,
        "title": DEPT_TITLE if dept else PROJECT_TITLE,
        "is_dept": dept,
        "project": project,
        "period": period,
        "headers": [h for h, _f in columns],
        "widths": [WIDTHS[f] for _h, f in columns],
        "rows": rows,
        "tasks": [(t.name, t.content, format_wan(t.amount_yuan)) for t in target.tasks.order_by("seq", "id")]
        if dept
        else [],
        "funds": {
            "mid_total": format_wan(target.mid_total_yuan),
            "mid_fiscal": format_wan(target.mid_fiscal_yuan),
            "mid_other": format_wan(target.mid_total_yuan - target.mid_fiscal_yuan),
            "annual_total": format_wan(target.annual_total_yuan),
            "annual_fiscal": format_wan(target.annual_fiscal_yuan),
            "annual_other": format_wan(target.annual_total_yuan - target.annual_fiscal_yuan),
            "basic": format_wan(target.basic_yuan),
            "project_spending": format_wan(target.project_spending_yuan),
        },
    }


def render_pdf(target: PerformanceTarget, *, base_url: str) -> bytes:
    """The same page as the print view, typeset by WeasyPrint (imported lazily: it loads Pango)."""
    from weasyprint import HTML

    html = render_to_string("targets/print.html", {**print_context(target), "for_pdf": True})
    return HTML(string=html, base_url=base_url).write_pdf()  # type: ignore[no-any-return]
