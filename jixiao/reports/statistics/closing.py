"""Statistics codes of the closing stages (DOMAIN.md §2.9 RA, DOC, DIS, AP, TR, TP), partly read through the later
stages' contracts (jixiao.reports.sources) with the generating user."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from jixiao.alerts.models import FundAdjustment
from jixiao.experts.models import AgencyQualityReview, QualityGrade
from jixiao.reports import sources
from jixiao.reports.statistics.base import ZERO, Figure, Scope, adjustment_sentence, adjustments, in_region, wan


def ra_1(scope: Scope) -> Figure:
    by_kind = adjustments(scope)
    by_source = adjustments(scope, by="source")
    results = sources.call("result_application_summary", scope.actor, scope.work_year)
    values: dict[str, Any] = {"by_kind": by_kind, "by_source": by_source}
    sentence = "全年运用绩效结果调整预算：" + adjustment_sentence(by_kind)
    idle = by_source[FundAdjustment.Source.IDLE_FUNDS]
    if idle["count"]:  # seed 003 S62: 盘活回收各类存量及沉淀资金
        sentence += f"；清理盘活存量资金{wan(idle['amount_yuan'])}万元（{idle['projects']}个项目）"
    table = [(f"{v['label']}（笔/万元）", f"{v['count']}/{wan(v['amount_yuan'])}") for v in by_kind.values()]
    table += [
        (f"其中{v['label']}环节（笔/万元）", f"{v['count']}/{wan(v['amount_yuan'])}")
        for v in by_source.values()
        if v["count"]
    ]
    if isinstance(results, dict):
        values["applications"] = {
            "total": results.get("total", 0),
            "decided": results.get("decided", 0),
            "proposed_cut_yuan": results.get("proposed_cut_yuan", ZERO),
            "decided_cut_yuan": results.get("decided_cut_yuan", ZERO),
        }
        sentence += (
            f"；对{results.get('total', 0)}个项目提出下年度预算安排建议，已决定{results.get('decided', 0)}个，"
            f"决定核减{wan(results.get('decided_cut_yuan', ZERO))}万元"
        )
        table += [
            ("结果应用建议（个）", str(results.get("total", 0))),
            ("已决定（个）", str(results.get("decided", 0))),
            ("决定核减（万元）", wan(results.get("decided_cut_yuan", ZERO))),
        ]
    return Figure(
        "RA-1",
        "结果应用预算效果",
        values,
        {
            "model": "FundAdjustment",
            "fiscal_year": scope.work_year,
            "group_by": "kind, source",
            "contract": "results.selectors.result_application_summary",
        },
        sentence,
        table=table,
    )


def _unavailable(code: str, label: str, contract: str) -> Figure:
    return Figure(code, label, {}, {"contract": contract}, "暂无数据", available=False, table=[("—", "暂无数据")])


def doc_1(scope: Scope) -> Figure:
    counts = sources.call("document_counts", scope.actor, scope.work_year)
    if counts is None:
        return _unavailable("DOC-1", "文书", "documents.selectors.document_counts")
    labels = sources.doc_type_labels()
    issued = {k: int(v.get("issued", 0)) for k, v in counts.items()}
    done = {k: int(v.get("feedback_done", 0)) for k, v in counts.items()}
    parts = [f"{labels.get(k, k)}{n}份" for k, n in issued.items() if n]
    return Figure(
        "DOC-1",
        "文书印发",
        {"issued": issued, "feedback_done": done, "issued_total": sum(issued.values())},
        {"contract": "documents.selectors.document_counts", "fiscal_year": scope.work_year},
        f"印发文书{sum(issued.values())}份"
        + (f"（{'、'.join(parts)}）" if parts else "")
        + f"，已完成反馈{sum(done.values())}份",
        table=[(labels.get(k, k), f"{issued[k]}份，反馈{done[k]}份") for k in issued if issued[k]]
        or [("印发文书（份）", "0")],
    )


def dis_1(scope: Scope) -> Figure:
    summary = sources.call("disclosure_summary", scope.actor, scope.work_year)
    if summary is None:
        return _unavailable("DIS-1", "信息公开", "disclosure.selectors.disclosure_summary")
    labels = sources.item_type_labels()
    published = {k: int(v) for k, v in (summary.get("published") or {}).items()}
    exempt = {k: int(v) for k, v in (summary.get("exempt") or {}).items()}
    total, exempt_total = sum(published.values()), sum(exempt.values())
    # “涉及涉密及敏感信息” counts those two exemptions only; items withheld for another reason get their own clause.
    # The contract's figure, by the public withheld sentence's rule: an item published and hidden since by a 涉密 flag
    # on its department or unit counts under 涉密 (exempt["secret"]), not as published.
    withheld = int(summary.get("withheld_total") or exempt.get("secret", 0) + exempt.get("sensitive", 0))
    other = exempt.get("other", 0)
    parts = [f"{labels.get(k, k)}{n}项" for k, n in published.items() if n]
    return Figure(
        "DIS-1",
        "信息公开",
        {
            "published": published,
            "published_total": total,
            "exempt": exempt,
            "exempt_total": exempt_total,
            "withheld_total": withheld,
        },
        {"contract": "disclosure.selectors.disclosure_summary", "fiscal_year": scope.work_year},
        f"公开绩效信息{total}项"
        + (f"（{'、'.join(parts)}）" if parts else "")
        + f"，{withheld}项涉及涉密及敏感信息，不予公开"
        + (f"，{other}项因其他原因不予公开" if other else ""),
        table=[(f"公开：{labels.get(k, k)}（项）", str(n)) for k, n in published.items()]
        + [
            ("涉密不予公开（项）", str(exempt.get("secret", 0))),
            ("敏感不予公开（项）", str(exempt.get("sensitive", 0))),
            ("其他原因不予公开（项）", str(exempt.get("other", 0))),
        ],
    )


def ap_1(scope: Scope) -> Figure:
    ranking = sources.call("appraisal_ranking", scope.actor, scope.work_year)
    if ranking is None:
        return _unavailable("AP-1", "绩效考核", "appraisals.selectors.appraisal_ranking")
    by_type: dict[str, int] = {}
    for row in ranking:
        key = str(row.get("examinee_type_label") or row.get("examinee_type") or "")
        by_type[key] = by_type.get(key, 0) + 1
    commend = sum(1 for r in ranking if r.get("outcome") == "COMMEND")
    interview = sum(1 for r in ranking if r.get("outcome") == "INTERVIEW")
    type_text = "、".join(f"{k}{v}个" for k, v in by_type.items())
    return Figure(
        "AP-1",
        "绩效考核",
        {"examinees": len(ranking), "by_type": by_type, "commend": commend, "interview": interview},
        {"contract": "appraisals.selectors.appraisal_ranking", "fiscal_year": scope.work_year},
        f"对{len(ranking)}个单位（{type_text or '无'}）开展预算绩效管理工作考核，"
        f"通报表扬{commend}个，约谈{interview}个",
        table=[("考核对象（个）", str(len(ranking)))]
        + [(f"其中{k}（个）", str(v)) for k, v in by_type.items()]
        + [("通报表扬（个）", str(commend)), ("约谈（个）", str(interview))],
    )


def tr_1(scope: Scope) -> Figure:
    totals = sources.call("training_totals", scope.actor, scope.work_year)
    if totals is None:
        return _unavailable("TR-1", "培训", "training.selectors.training_totals")
    # 业务培训 is what “培训N期” says; 考察学习 and 上门指导 are other kinds of the same register, named apart.
    by_kind = dict(totals.get("by_kind") or {})
    training = by_kind.pop("training", {})
    sessions, attendance = int(training.get("sessions", 0)), int(training.get("attendance", 0))
    others = [
        (str(v.get("label", k)), int(v.get("sessions", 0)), int(v.get("attendance", 0))) for k, v in by_kind.items()
    ]
    other_text = "".join(f"；开展{label}{n}次、{people}人次" for label, n, people in others if n)
    return Figure(
        "TR-1",
        "业务培训",
        {
            "sessions": totals.get("sessions", 0),
            "attendance": totals.get("attendance", 0),
            "training_sessions": sessions,
            "training_attendance": attendance,
            "other_kinds": {label: {"sessions": n, "attendance": people} for label, n, people in others},
        },
        {"contract": "training.selectors.training_totals", "year": scope.work_year},
        f"组织预算绩效管理业务培训{sessions}期，培训{attendance}人次{other_text}",
        table=[("业务培训（期）", str(sessions)), ("业务培训（人次）", str(attendance))]
        + [
            row
            for label, n, people in others
            for row in ((f"{label}（次）", str(n)), (f"{label}（人次）", str(people)))
        ],
    )


def reg_1(scope: Scope) -> Figure:
    """The rules the region's own bureau issued, forwarded or revised in the year (制度办法; seeds 000 and 002 “1+X”);
    those of the regions above or below are theirs, not this report's."""
    totals = sources.call("regulation_totals", scope.actor, scope.work_year)
    if totals is None:
        return _unavailable("REG-1", "制度建设", "regulations.selectors.regulation_totals")
    counts = {action: int(row.get("records", 0)) for action, row in (totals.get("by_action") or {}).items()}
    issued, forwarded, revised = (counts.get(key, 0) for key in ("issued", "forwarded", "revised"))
    return Figure(
        "REG-1",
        "制度建设",
        {"records": issued + forwarded + revised, "issued": issued, "forwarded": forwarded, "revised": revised},
        {"contract": "regulations.selectors.regulation_totals", "year": scope.work_year},
        f"出台预算绩效管理制度办法{issued}项，转发{forwarded}项，修订{revised}项",
        table=[("出台制度办法（项）", str(issued)), ("转发（项）", str(forwarded)), ("修订（项）", str(revised))],
    )


def mon_6(scope: Scope) -> Figure:
    """季度检查 (seed 003 S40: 股室联镇、联部门, 每季度检查部门专项业务经费使用情况): the region's checks in the year,
    the departments they covered, those that found a problem. Not printed where no section recorded a check."""
    totals = sources.call("inspection_totals", scope.actor, scope.work_year)
    if totals is None:
        return _unavailable("MON-6", "季度检查", "inspections.selectors.inspection_totals")
    params = {"contract": "inspections.selectors.inspection_totals", "fiscal_year": scope.work_year}
    checks, departments, problems = (int(totals.get(k, 0)) for k in ("checks", "departments", "with_problems"))
    if not checks:
        return Figure(
            "MON-6",
            "季度检查",
            {},
            params,
            "本年度未登记股室季度检查",
            available=False,
            table=[("—", "未登记季度检查")],
        )
    quarters = [q for q in (totals.get("by_quarter") or {}).values() if q.get("checks")]
    per_quarter = "、".join(f"{q['label']}{q['checks']}次" for q in quarters)
    return Figure(
        "MON-6",
        "季度检查",
        {"checks": checks, "departments": departments, "with_problems": problems},
        params,
        f"财政业务股室联系部门（乡镇）按季度检查专项业务经费使用情况{checks}次（{per_quarter}），"
        f"覆盖{departments}个主管部门（乡镇），{problems}次检查发现问题并提出意见",
        table=[("检查（次）", str(checks)), ("覆盖部门（个）", str(departments)), ("发现问题（次）", str(problems))],
    )


def tp_1(scope: Scope) -> Figure:
    reviews = AgencyQualityReview.objects.filter(reviewed_at__year=scope.work_year, **in_region(scope, "agency__"))
    grades = dict(reviews.values("grade").annotate(c=Count("id")).values_list("grade", "c"))
    by_grade = {str(label): grades.get(value, 0) for value, label in QualityGrade.choices}
    count = sum(by_grade.values())
    text = "、".join(f"{k}{v}家" for k, v in by_grade.items() if v)
    return Figure(
        "TP-1",
        "第三方执业质量核查",
        {"reviewed": count, "by_grade": by_grade},
        {"model": "AgencyQualityReview", "reviewed_at__year": scope.work_year},
        f"对{count}家第三方机构开展执业质量核查" + (f"，核查结果{text}" if text else ""),
        table=[("核查机构（家）", str(count))] + [(f"{k}（家）", str(v)) for k, v in by_grade.items()],
    )
