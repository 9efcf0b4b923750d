"""通报 reads: the bulletins a user sees, and the figures of each kind computed from the source apps' own selectors
(evaluation re-evaluation results, the alerts monitoring-round figures, keyeval statistics, the appraisal ranking).

A snapshot is plain JSON: {"figures": {...}, "sentences": [...], "tables": [{"title", "headers", "rows"}],
"empty": "<message when there is nothing to report>"}; money is yuan as a string (Decimal), shown in 万元.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from jixiao.alerts import selectors as alerts_selectors
from jixiao.alerts.bulletins import round_figures
from jixiao.appraisals import selectors as appraisal_selectors
from jixiao.bulletins.models import Bulletin, BulletinKind
from jixiao.core.money import format_wan
from jixiao.evaluation.models import ReEvaluationBatch
from jixiao.evaluation.services_reeval import batch_results, circular_sentence
from jixiao.keyeval import selectors as keyeval_selectors
from jixiao.keyeval.models import KeyEvalStatus

NO_APPRAISAL = "考核结果尚未产生"
ZERO = Decimal(0)


def bulletins_visible(user: Any) -> QuerySet[Bulletin]:
    return Bulletin.objects.visible_to(user).select_related("region", "document")


def bulletins_filtered(user: Any, params: dict[str, Any]) -> QuerySet[Bulletin]:
    qs = bulletins_visible(user)
    for key in ("kind", "status", "fiscal_year"):
        if params.get(key):
            qs = qs.filter(**{key: params[key]})
    return qs


def bulletin_get(user: Any, pk: Any) -> Bulletin:
    return Bulletin.objects.select_related("region", "document").get_visible_or_404(user, pk=pk)


def kept_by(user: Any, bulletin: Bulletin) -> bool:
    """The user's own region makes the bulletin: theirs to edit, regenerate and issue (under its 文号 series). A city
    bureau reads its counties' bulletins but does not change or issue them."""
    membership = getattr(user, "active_membership", None)
    return membership is not None and bulletin.region_id == membership.region_id


def bulletin_existing(region: Any, kind: str, fiscal_year: int, source_id: str) -> Bulletin | None:
    """The region's bulletin (not deleted, draft or issued) of this kind, year and source, if there is one."""
    rows = Bulletin.objects.filter(
        region=region, kind=kind, fiscal_year=fiscal_year, source_id=str(source_id or ""), is_deleted=False
    )
    return rows.order_by("-id").first()


# ---- sources -------------------------------------------------------------------------------------------------------


def reeval_batches(user: Any, fiscal_year: int | None = None) -> QuerySet[ReEvaluationBatch]:
    qs = ReEvaluationBatch.objects.visible_to(user).exclude(status=ReEvaluationBatch.Status.DRAFT)
    if fiscal_year:
        qs = qs.filter(fiscal_year=fiscal_year)
    return qs.order_by("-fiscal_year", "-id")


def batch_label(batch: Any) -> str:
    """A 再评价批次 as the list, the page and the generator name it: its title with the year in front, unless the title
    already begins with it (“2026年度 2026年度部门自评财政再评价” said the year twice)."""
    year = f"{batch.fiscal_year}年"
    return batch.title if batch.title.startswith(year) else f"{batch.fiscal_year}年度 {batch.title}"


def monitoring_rounds(user: Any, fiscal_year: int) -> Any:
    return alerts_selectors.rounds_for_bulletin(user, fiscal_year)


def source_choices(user: Any, fiscal_year: int) -> dict[str, list[tuple[str, str]]]:
    """Per kind with a source: (id, label) of the batches / rounds the user may generate a bulletin from."""
    return {
        BulletinKind.RE_EVAL: [(str(b.pk), batch_label(b)) for b in reeval_batches(user, fiscal_year)],
        BulletinKind.MONITORING: [(str(t.pk), t.title) for t in monitoring_rounds(user, fiscal_year)],
    }


def _wan(value: Any) -> str:
    return format_wan(Decimal(str(value or 0)))


def _num(value: Any) -> str:
    return "" if value is None else f"{Decimal(str(value)):.2f}"


# ---- re-evaluation -------------------------------------------------------------------------------------------------


def reeval_snapshot(user: Any, source_id: str) -> tuple[str, dict[str, Any]]:
    batch = ReEvaluationBatch.objects.visible_to(user).filter(pk=source_id).first() if source_id.isdigit() else None
    if batch is None or batch.status == ReEvaluationBatch.Status.DRAFT:
        raise Http404
    results = batch_results(batch)
    flagged = [s for s in results.gaps if s.flagged]
    figures = {
        "population": batch.population_size,
        "sample_size": batch.sample_size,
        "scored": results.scored,
        "sample_amount_yuan": str(results.sample_amount_yuan),
        "grades": {g: {"count": n, "amount_yuan": str(a)} for g, n, a in results.grades},
        "flagged": len(flagged),
    }
    sentences = [
        circular_sentence(results),
        f"已完成再评价{results.scored}个；再评价得分与自评得分相差较大或等级发生变化的项目{len(flagged)}个。",
    ]
    sentences += [
        f"{d['name']}：抽取{d['samples']}个，平均绝对分差{_num(d['mean_abs_gap'])}分，等级变化{d['grade_changes']}个。"
        for d in results.departments
        if d["scored"]
    ]
    tables = [
        {
            "title": "再评价结果等级分布",
            "headers": ["等级", "项目个数", "涉及资金（万元）"],
            "rows": [[g, str(n), format_wan(a)] for g, n, a in results.grades],
        },
        {
            "title": "各部门自评质量",
            "headers": ["主管部门", "样本数", "已评分", "平均绝对分差", "等级变化数"],
            "rows": [
                [d["name"], str(d["samples"]), str(d["scored"]), _num(d["mean_abs_gap"]), str(d["grade_changes"])]
                for d in results.departments
            ],
        },
        {
            "title": "自评与再评价差异较大的项目",
            "headers": ["序号", "项目名称", "主管部门", "自评得分", "再评价得分", "分差", "等级变化"],
            "rows": [
                [
                    str(i),
                    s.self_eval.name,
                    s.self_eval.department.name,
                    _num(s.self_score),
                    _num(s.re_score),
                    _num(s.gap),
                    f"{s.self_grade}→{s.re_grade}" if s.self_grade != s.re_grade else "",
                ]
                for i, s in enumerate(flagged, start=1)
            ],
        },
    ]
    snapshot = {"figures": figures, "sentences": sentences, "tables": tables, "empty": ""}
    return batch_label(batch), snapshot


# ---- monitoring ----------------------------------------------------------------------------------------------------


def monitoring_snapshot(user: Any, source_id: str) -> tuple[str, dict[str, Any]]:
    task = alerts_selectors.round_get(user, source_id)
    f = round_figures(user, task)
    rate = f.rate_pct.quantize(Decimal("0.01"))
    figures = {
        "projects": f.projects,
        "budget_yuan": str(f.budget),
        "executed_yuan": str(f.executed),
        "rate_pct": str(rate),
        "progress_pct": str(f.progress_pct.quantize(Decimal("0.01"))),
        "red": f.counts["RED"],
        "red_amount_yuan": str(f.amounts["RED"]),
        "yellow": f.counts["YELLOW"],
        "yellow_amount_yuan": str(f.amounts["YELLOW"]),
        "cuts": f.cuts,
        "cut_amount_yuan": str(f.cut_amount),
    }
    sentences = [
        f"{f.period}共监控项目{f.projects}个，全年预算{format_wan(f.budget)}万元，已执行{format_wan(f.executed)}万元，"
        f"执行率{rate}%，{f.comparison}。",
        f"红色预警项目{f.counts['RED']}个，涉及资金{format_wan(f.amounts['RED'])}万元；黄色预警项目"
        f"{f.counts['YELLOW']}个，涉及资金{format_wan(f.amounts['YELLOW'])}万元。",
        f"对红色预警项目调减或收回资金{f.cuts}个，金额{format_wan(f.cut_amount)}万元。",
    ]
    tables = [
        {
            "title": "红色预警项目",
            "headers": ["序号", "项目名称", "实施单位", "全年预算数（万元）", "执行率", "预警原因"],
            "rows": f.red_rows,
        }
    ]
    empty = "" if f.projects else "本轮监控没有项目监控记录"
    return task.title, {"figures": figures, "sentences": sentences, "tables": tables, "empty": empty}


# ---- key evaluations -----------------------------------------------------------------------------------------------


def keyeval_snapshot(user: Any, fiscal_year: int) -> tuple[str, dict[str, Any]]:
    stats = keyeval_selectors.statistics(user, fiscal_year)
    issued = list(
        keyeval_selectors.evaluations_filtered(
            user, {"fiscal_year": fiscal_year, "status": KeyEvalStatus.ISSUED}
        ).order_by("department__dept_code", "id")
    )
    by_type = [r for r in stats.by_object_type if r.count]
    figures = {
        "count": stats.total_count,
        "amount_yuan": str(stats.total_amount_yuan),
        "third_party": stats.third_party_count,
        "by_object_type": {r.key: {"count": r.count, "amount_yuan": str(r.amount_yuan)} for r in by_type},
        "issued": len(issued),
        "grades": {r.label: r.count for r in stats.by_grade},
    }
    types = "、".join(f"{r.label}{r.count}个" for r in by_type) or "无"
    grades = "、".join(f"“{r.label}”{r.count}个" for r in stats.by_grade)
    sentences = [
        f"{fiscal_year}年度共开展财政重点绩效评价{stats.total_count}个，涉及资金{format_wan(stats.total_amount_yuan)}万元，"
        f"其中委托第三方机构评价{stats.third_party_count}个。按评价对象分：{types}。",
        f"已下达评价结果{len(issued)}个，其中{grades}。",
    ]
    tables = [
        {
            "title": "重点绩效评价结果",
            "headers": ["序号", "评价对象", "对象类型", "主管部门", "评价资金（万元）", "评价得分", "评价等级"],
            "rows": [
                [
                    str(i),
                    e.title,
                    e.get_object_type_display(),
                    e.department.name if e.department is not None else "",
                    format_wan(e.amount_yuan),
                    _num(e.total_score),
                    e.get_grade_display(),
                ]
                for i, e in enumerate(issued, start=1)
            ],
        }
    ]
    empty = "" if stats.total_count else f"{fiscal_year}年度尚未开展财政重点绩效评价"
    return f"{fiscal_year}年度财政重点绩效评价", {
        "figures": figures,
        "sentences": sentences,
        "tables": tables,
        "empty": empty,
    }


# ---- appraisal -----------------------------------------------------------------------------------------------------


def appraisal_snapshot(user: Any, fiscal_year: int) -> tuple[str, dict[str, Any]]:
    rows = appraisal_selectors.appraisal_ranking(user, fiscal_year)
    if not rows:
        return f"{fiscal_year}年度考核", {"figures": {}, "sentences": [], "tables": [], "empty": NO_APPRAISAL}
    commended = [r for r in rows if r["outcome"] == "COMMEND"]
    interviewed = [r for r in rows if r["outcome"] == "INTERVIEW"]
    by_type: dict[str, int] = {}
    for r in rows:
        by_type[r["examinee_type_label"]] = by_type.get(r["examinee_type_label"], 0) + 1
    figures = {
        "examinees": len(rows),
        "by_type": by_type,
        "commended": len(commended),
        "interviewed": len(interviewed),
    }
    types = "、".join(f"{label}{n}个" for label, n in by_type.items())
    sentences = [
        f"{fiscal_year}年度共考核{len(rows)}个单位（{types}）。",
        f"通报表扬{len(commended)}个：{'、'.join(r['examinee'] for r in commended) or '无'}。",
        f"约谈{len(interviewed)}个：{'、'.join(r['examinee'] for r in interviewed) or '无'}。",
    ]
    tables = [
        {
            "title": "考核结果排名",
            "headers": ["考核任务", "被考核单位", "类型", "得分", "名次", "等次", "结果运用"],
            "rows": [
                [
                    r["task"],
                    r["examinee"],
                    r["examinee_type_label"],
                    _num(r["total"]),
                    str(r["rank"] or ""),
                    r["grade"] or "",
                    r["outcome_label"],
                ]
                for r in rows
            ],
        },
        {
            "title": "通报表扬名单",
            "headers": ["序号", "单位", "得分"],
            "rows": [[str(i), r["examinee"], _num(r["total"])] for i, r in enumerate(commended, start=1)],
        },
        {
            "title": "约谈名单",
            "headers": ["序号", "单位", "得分"],
            "rows": [[str(i), r["examinee"], _num(r["total"])] for i, r in enumerate(interviewed, start=1)],
        },
    ]
    return f"{fiscal_year}年度预算绩效管理工作考核", {
        "figures": figures,
        "sentences": sentences,
        "tables": tables,
        "empty": "",
    }


def compute_snapshot(user: Any, kind: str, fiscal_year: int, source_id: str = "") -> tuple[str, dict[str, Any]]:
    """(source label, snapshot) for a bulletin of `kind`; Http404 when the source is not the user's."""
    if kind == BulletinKind.RE_EVAL:
        return reeval_snapshot(user, source_id)
    if kind == BulletinKind.MONITORING:
        return monitoring_snapshot(user, source_id)
    if kind == BulletinKind.KEY_EVAL:
        return keyeval_snapshot(user, fiscal_year)
    if kind == BulletinKind.APPRAISAL:
        return appraisal_snapshot(user, fiscal_year)
    raise Http404


def default_title(kind: str, fiscal_year: int, source_label: str) -> str:
    if kind == BulletinKind.MONITORING:
        return f"关于{source_label}结果的通报"
    if kind == BulletinKind.APPRAISAL:  # what is appraised: the 预算绩效管理工作, as the template's title says
        return f"关于{fiscal_year}年度预算绩效管理工作考核结果的通报"
    return f"关于{fiscal_year}年度{BulletinKind(kind).label.removesuffix('通报')}的通报"


def default_narrative(snapshot: dict[str, Any]) -> str:
    if snapshot.get("empty"):
        return snapshot["empty"] + "。"
    return "\n".join(snapshot.get("sentences", []))


def snapshot_lines(bulletin: Bulletin) -> list[str]:
    return [line.strip() for line in (bulletin.narrative or "").split("\n") if line.strip()]
