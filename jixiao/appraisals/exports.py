"""Excel exports: the ranking of a task (for 综合绩效目标考核 and 通报) and one examinee's score sheet."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from jixiao.appraisals.metrics import metric_label
from jixiao.appraisals.models import Appraisal, AppraisalTemplate
from jixiao.appraisals.ranking import TEMPLATE_HEADERS
from jixiao.appraisals.selectors import SheetRow, TreeRow
from jixiao.core.spreadsheets import write_workbook

RANKING_HEADERS = [
    "考核对象类型",
    "考核对象",
    "类别",
    "自评得分",
    "考核得分",
    "排名",
    "等级",
    "考核结果运用",
    "折算权重",
    "综合目标考核折算分",
    "存在问题",
    "整改建议",
    "财政审核意见",
]


def _num(value: Any) -> Any:
    return float(value) if value is not None else ""


def ranking_xlsx(
    task_name: str, appraisals: Iterable[Appraisal], *, shown: Callable[[Appraisal], bool] = lambda a: True
) -> bytes:
    """The task's results; `shown(a)` False (an examinee before ranking): its row carries the self-score only."""
    rows = []
    for a in appraisals:
        own = [a.get_examinee_type_display(), a.examinee_name, a.get_examinee_kind_display(), _num(a.self_total)]
        if not shown(a):
            rows.append([*own, "", "", "", "", "", "", "", "", ""])
            continue
        finance = [_num(a.total), a.rank or "", a.grade, a.get_outcome_display(), _num(a.external_weight)]
        rows.append([*own, *finance, _num(a.external_points), a.exist_problems, a.rectify_step, a.mof_aud_opinion])
    return write_workbook([("考核结果", RANKING_HEADERS, rows)], title=task_name)


def sheet_xlsx(appraisal: Appraisal, sheet: list[SheetRow], *, show_eval: bool = True) -> bytes:
    """The score sheet; before results are out an examinee's copy carries no finance scores."""
    headers = [
        "指标代码",
        "指标名称",
        "评（扣）分标准",
        "分值",
        "主管股室",
        "自评得分",
        "评定得分",
        "系统计算",
        "建议得分",
        "自评说明",
        "评分说明",
    ]
    rows = [
        [
            r.node.code,
            "　" * r.depth + r.node.name,
            r.node.standard,
            _num(r.node.points),
            r.node.responsible_section or "绩效股",  # as the page: a blank 主管股室 is scored by the 绩效股
            _num(r.score.ind_score) if r.score else "",
            _num(r.score.eval_score) if r.score and show_eval else "",
            r.metric.text if r.metric else "",
            _num(r.metric.suggested) if r.metric and r.metric.suggested is not None else "",
            r.score.ind_note if r.score else "",
            r.score.eval_note if r.score and show_eval else "",
        ]
        for r in sheet
    ]
    total = _num(appraisal.total) if show_eval else ""
    rows.append(["合计", "", "", "", "", _num(appraisal.self_total), total, "", "", "", ""])
    return write_workbook([("考核评分表", headers, rows)], title=f"{appraisal.task.name}：{appraisal.examinee_name}")


def template_xlsx(template: AppraisalTemplate, tree: list[TreeRow]) -> bytes:
    """The table in the import layout, so a region can edit it in Excel and import it back."""
    rows = [
        [
            r.node.code,
            next((p.node.code for p in tree if p.node.pk == r.node.parent_id), ""),
            r.node.name,
            r.node.description,
            r.node.standard,
            _num(r.node.points),
            r.node.responsible_section or "绩效股",  # as the page: a blank 主管股室 is scored by the 绩效股
            r.node.get_kind_display(),
            metric_label(r.node.auto_metric),
        ]
        for r in tree
    ]
    return write_workbook([("评分表", TEMPLATE_HEADERS, rows)])
