"""A self-evaluation record as the standard 项目支出绩效自评表 workbook (DOMAIN.md §3.4)."""

from __future__ import annotations

from jixiao.evaluation.models import SelfEvaluation
from jixiao.evaluation.selfeval_xlsx import write_selfevaluations
from jixiao.evaluation.services import to_sheet


def export_record(record: SelfEvaluation) -> bytes:
    return write_selfevaluations([to_sheet(record)])


def export_filename(record: SelfEvaluation) -> str:
    code = record.project.code if record.project_id else record.department.dept_code  # type: ignore[union-attr]
    return f"项目支出绩效自评表_{code}_{record.fiscal_year}.xlsx"
