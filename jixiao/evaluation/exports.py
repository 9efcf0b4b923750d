"""A self-evaluation record as the standard 项目支出绩效自评表 workbook (DOMAIN.md §3.4)."""

from __future__ import annotations

from jixiao.evaluation.models import SelfEvaluation
from jixiao.evaluation.scoring import rules
from jixiao.evaluation.scoring.sheet import SelfEvalSheet
from jixiao.evaluation.selfeval_xlsx import write_selfevaluations
from jixiao.evaluation.services import to_sheet


def export_record(record: SelfEvaluation) -> bytes:
    return write_selfevaluations([_with_rates(to_sheet(record))])


def _with_rates(sheet: SelfEvalSheet) -> SelfEvalSheet:
    """The 执行率 column of the printed form: the rate the unit stated (an imported workbook's), else 全年执行数 ÷
    全年预算数 — a record filled on the web has no stated rate, and its form would print “—” beside a score. Rounded
    as the engine rounds the rate it shows (0.01%), so the form read back is not flagged D_EXEC_RATE."""
    for fund in sheet.funds.values():
        if fund.rate_claimed is None and fund.annual_yuan and fund.executed_yuan is not None:
            fund.rate_claimed = rules.q2(rules.q6(fund.executed_yuan / fund.annual_yuan) * 100) / 100
    return sheet


def export_filename(record: SelfEvaluation) -> str:
    code = record.project.code if record.project_id else record.department.dept_code  # type: ignore[union-attr]
    return f"项目支出绩效自评表_{code}_{record.fiscal_year}.xlsx"
