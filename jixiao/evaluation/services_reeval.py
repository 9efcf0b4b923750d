"""抽评/再评价 (DOMAIN.md §2.4.5) and 真实性核查 (§2.4.6): batches drawn with core.sampling, re-scoring, findings.

The population of a draw is the finance-reviewed (final) self-evaluations in the batch's scope. The seed is stored
before the draw, together with the population snapshot (code, stratum, record id, amount) and the must-include codes,
so `batch_verify` (and anyone with the printed seed and list) re-runs the draw and gets the same sample.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from jixiao.core import audit, sampling, todos
from jixiao.core.errors import ConflictError, DomainError, NotFoundError
from jixiao.core.money import format_wan
from jixiao.core.numbers import is_year
from jixiao.core.permissions import require
from jixiao.core.text import checked_text
from jixiao.core.todos import TodoItem
from jixiao.core.uploads import check_upload
from jixiao.evaluation import selectors, services_upper
from jixiao.evaluation.models import (
    AuthenticityCheck,
    AuthenticityItem,
    ReEvaluationBatch,
    ReEvaluationSample,
    SelfEvalFund,
    SelfEvalStatus,
    SelfEvaluation,
)
from jixiao.evaluation.scoring.rules import fmt, grade
from jixiao.experts.models import Agency
from jixiao.projects.models import Project

GRADES = ("优", "良", "中", "差")
ZERO = Decimal(0)
CENT = Decimal("0.01")
RESULT_EXTENSIONS = (".pdf", ".docx", ".xlsx", ".zip", ".jpg", ".png")
COMMENT_LIMIT = 500  # a row's 说明 on the re-score grid (the box's maxlength)


# ---- shared -----------------------------------------------------------------------------------------------------


def self_score(record: SelfEvaluation) -> Decimal | None:
    """The score the unit stands by: its printed total, else the system's total of its values."""
    return record.total_claimed if record.total_claimed is not None else record.total_computed


def self_grade(record: SelfEvaluation) -> str:
    return record.grade_claimed or record.grade_computed


def draw_code(record: SelfEvaluation) -> str:
    """The sampling key of §2.4.5: the project code, or the department code for 部门整体."""
    if record.project_id and record.project is not None:
        return record.project.code
    return record.department.dept_code


def _with_amount(qs: QuerySet[SelfEvaluation]) -> Any:
    total = SelfEvalFund.objects.filter(self_eval=OuterRef("pk"), fund_source="TOTAL").values("annual_yuan")[:1]
    money: Any = DecimalField(max_digits=18, decimal_places=2)
    return qs.annotate(amount_yuan=Coalesce(Subquery(total, output_field=money), Value(ZERO, output_field=money)))


def flag_record(record_id: int, code: str, severity: str, message: str) -> None:
    """Put a re-evaluation or authenticity flag (§4.8 R_GAP, A_FALSIFIED) on the self-evaluation's flags."""
    record = SelfEvaluation.objects.select_for_update().get(pk=record_id)
    flags = dict(record.flags or {})
    messages = [m for m in flags.get("messages", []) if m.get("code") != code]
    if message:
        messages.append({"code": code, "severity": severity, "message": message})
    flags["messages"] = messages
    before = sum(1 for m in (record.flags or {}).get("messages", []) if m.get("code") == code)
    after = 1 if message else 0
    record.flags = flags
    if severity == "ERROR":
        record.error_count = max(0, record.error_count - before + after)
    else:
        record.warn_count = max(0, record.warn_count - before + after)
    record.save(update_fields=["flags", "error_count", "warn_count", "updated_at"])


def _check_upload(upload: UploadedFile | None) -> str:
    return check_upload(upload, allowed=RESULT_EXTENSIONS) if upload is not None else ""


# ---- 再评价 batches --------------------------------------------------------------------------------------------------


BATCH_FIELDS = [
    "fiscal_year",
    "title",
    "subject",
    "department",
    "amount_min_yuan",
    "amount_max_yuan",
    "grade",
    "category",
    "adjusted_only",
    "rate",
    "count",
    "n_min",
    "must_include_over_yuan",
    "must_include_errors",
    "must_include_major",
    "stratified",
]


def population_of(actor: Any, batch: ReEvaluationBatch) -> Any:
    """Finance-reviewed self-evaluations of the year in the batch's scope, each with `amount_yuan` (全年预算数)."""
    qs = _with_amount(
        selectors.records_visible(actor).filter(
            fiscal_year=batch.fiscal_year, subject=batch.subject, status=SelfEvalStatus.FIN_REVIEWED, is_final=True
        )
    )
    if batch.department_id:
        qs = qs.filter(department_id=batch.department_id)
    if batch.grade:
        qs = qs.filter(Q(grade_claimed=batch.grade) | Q(grade_claimed="", grade_computed=batch.grade))
    if batch.category:
        qs = qs.filter(project__category=batch.category)
    if batch.adjusted_only:
        qs = qs.filter(target__goal_version__gt=1)
    if batch.amount_min_yuan is not None:
        qs = qs.filter(amount_yuan__gte=batch.amount_min_yuan)
    if batch.amount_max_yuan is not None:
        qs = qs.filter(amount_yuan__lte=batch.amount_max_yuan)
    return qs.order_by("department__dept_code", "id")


def batch_preview(actor: Any, batch: ReEvaluationBatch) -> dict[str, Any]:
    records = list(population_of(actor, batch))
    amount = sum((r.amount_yuan for r in records), ZERO)  # type: ignore[attr-defined]
    size = 0
    if records:
        size = sampling.sample_size(len(records), rate=batch.rate, count=batch.count, n_min=batch.n_min)
    return {"size": len(records), "amount_yuan": amount, "sample_size": size}


def _clean_batch(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in data.items() if k in BATCH_FIELDS}
    year = cleaned.get("fiscal_year")
    if not is_year(year):
        raise DomainError("请填写有效的评价年度")
    rate, count = cleaned.get("rate"), cleaned.get("count")
    if (rate is None) == (count is None):
        raise DomainError("请填写抽取比例或抽取数量（二选一）")
    if rate is not None and not ZERO < rate <= 1:
        raise DomainError("抽取比例应大于0且不超过100%")
    if count is not None and count < 1:
        raise DomainError("抽取数量至少为1")
    low, high = cleaned.get("amount_min_yuan"), cleaned.get("amount_max_yuan")
    if low is not None and high is not None and low > high:
        raise DomainError("全年预算数下限不能大于上限")
    if cleaned.get("grade") and cleaned["grade"] not in GRADES:
        raise DomainError("自评等级应为优、良、中、差之一")
    if (cleaned.get("n_min") or 0) < 1:
        cleaned["n_min"] = 1
    cleaned["title"] = (cleaned.get("title") or "").strip()[:200] or f"{year}年度部门自评财政再评价"
    return cleaned


def batch_create(*, actor: Any, data: dict[str, Any]) -> ReEvaluationBatch:
    require(actor, "evaluation.reevaluate")
    cleaned = _clean_batch(data)
    department = cleaned.get("department")
    if department is not None and department.region_id != actor.active_membership.region_id:
        raise DomainError("主管部门不在本区划")
    with transaction.atomic():
        batch = ReEvaluationBatch.objects.create(
            region=actor.active_membership.region, created_by=actor, updated_by=actor, **cleaned
        )
        audit.record(
            actor=actor,
            event_type="evaluation.reeval_create",
            obj=batch,
            changes={k: [None, audit.jsonable(getattr(batch, k))] for k in ("fiscal_year", "rate", "count")},
        )
    return batch


def batch_delete(*, actor: Any, batch: ReEvaluationBatch) -> None:
    """A batch created by mistake, while it is 待抽取: deleted, with an audit record (it counted in the 待办
    未办结的再评价批次 for good). A drawn batch has a seed and samples others may verify: it is never deleted."""
    require(actor, "evaluation.reevaluate")
    _delete_undrawn(actor, batch, "evaluation.reeval_delete", "再评价批次", "该批次已经抽取，不能删除")


def _delete_undrawn(
    actor: Any, obj: ReEvaluationBatch | AuthenticityCheck, event: str, noun: str, refusal: str
) -> None:
    """Delete a batch or check still 待抽取 (locked; 409 `refusal` otherwise), with its audit record."""
    with transaction.atomic():
        locked = type(obj).objects.select_for_update().get(pk=obj.pk)
        if locked.status != type(obj).Status.DRAFT:
            raise ConflictError(refusal)
        audit.record(actor=actor, event_type=event, obj=locked, reason=f"删除未抽取的{noun}“{locked.title}”")
        locked.delete()


def batch_draw(*, actor: Any, batch: ReEvaluationBatch) -> ReEvaluationBatch:
    """Store the seed and the population snapshot first, then draw and create the samples (one transaction)."""
    require(actor, "evaluation.reevaluate")
    with transaction.atomic():
        locked = ReEvaluationBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != ReEvaluationBatch.Status.DRAFT:
            raise ConflictError("该批次已经抽取")
        records = list(population_of(actor, locked).select_related("project", "department"))
        if not records:
            raise DomainError("抽样范围内没有已审定的单位自评，请调整范围")
        by_code: dict[str, SelfEvaluation] = {}
        for record in records:
            code = draw_code(record)
            if code in by_code:
                raise DomainError(f"抽样范围内编码“{code}”重复，不能抽样")
            by_code[code] = record
        forced = sorted(
            code
            for code, r in by_code.items()
            if (locked.must_include_over_yuan is not None and r.amount_yuan >= locked.must_include_over_yuan)  # type: ignore[attr-defined]
            or (locked.must_include_errors and r.error_count > 0)
            or (locked.must_include_major and r.project is not None and r.project.tier == Project.Tier.A)
        )
        locked.seed = sampling.new_seed()
        locked.population = [
            [code, r.department.dept_code, r.pk, str(r.amount_yuan)]  # type: ignore[attr-defined]
            for code, r in sorted(by_code.items())
        ]
        locked.population_size = len(records)
        locked.population_amount_yuan = sum((r.amount_yuan for r in records), ZERO)  # type: ignore[attr-defined]
        locked.must_include = forced
        locked.save(update_fields=["seed", "population", "population_size", "population_amount_yuan", "must_include"])
        drawn = redraw(locked)
        forced_set = set(drawn.must_include)
        samples = [_new_sample(locked, by_code[code], code, forced_set) for code in drawn.selected]
        ReEvaluationSample.objects.bulk_create(samples)
        locked.sample_size = len(samples)
        locked.status = ReEvaluationBatch.Status.DRAWN
        locked.drawn_at = timezone.now()
        locked.drawn_by = actor
        locked.version += 1
        locked.updated_by = actor
        locked.save()
        audit.record(
            actor=actor,
            event_type="evaluation.reeval_draw",
            obj=locked,
            changes={"seed": [None, locked.seed], "population": [0, len(records)], "sample": [0, len(samples)]},
        )
    return locked


def _new_sample(batch: ReEvaluationBatch, record: SelfEvaluation, code: str, forced: set[str]) -> ReEvaluationSample:
    return ReEvaluationSample(
        batch=batch,
        self_eval=record,
        code=code,
        stratum=record.department.dept_code if batch.stratified else "",
        selected_by=ReEvaluationSample.SelectedBy.MUST_INCLUDE
        if code in forced
        else ReEvaluationSample.SelectedBy.RANDOM,
        amount_yuan=record.amount_yuan,  # type: ignore[attr-defined]
        self_score=self_score(record),
        self_grade=self_grade(record),
        rows=initial_rows(record),
    )


def initial_rows(record: SelfEvaluation) -> list[dict[str, Any]]:
    """The re-score sheet starts from the self-evaluation's scores: the computed (or reviewer's) score per row."""
    exec_self = record.exec_score_claimed if record.exec_score_claimed is not None else record.exec_score_computed
    rows: list[dict[str, Any]] = [
        {
            "key": "exec",
            "name": "预算执行率",
            "weight": str(record.exec_weight),
            "self": None if exec_self is None else str(exec_self),
            "score": None if record.exec_score_computed is None else str(record.exec_score_computed),
            "comment": "",
        }
    ]
    for row in record.indicators.order_by("seq", "id"):
        own = row.claimed_score if row.claimed_score is not None else row.auto_score
        start = row.final_score if row.final_score is not None else row.auto_score
        rows.append(
            {
                "key": str(row.pk),
                "name": row.name,
                "weight": None if row.weight is None else str(row.weight),
                "self": None if own is None else str(own),
                "score": None if start is None else str(start),
                "comment": "",
            }
        )
    return rows


def redraw(batch: ReEvaluationBatch) -> sampling.Sample:
    """The draw of §2.4.5 from the batch's stored seed, population snapshot and must-include list."""
    population = {str(code): (str(stratum) if batch.stratified else None) for code, stratum, *_ in batch.population}
    return sampling.draw_sample(
        population,
        seed=batch.seed,
        rate=batch.rate,
        count=batch.count,
        n_min=batch.n_min,
        must_include=batch.must_include,
        stratified=batch.stratified,
    )


def batch_verify(batch: ReEvaluationBatch) -> tuple[bool, sampling.Sample]:
    """复核抽样: re-run the draw from the stored seed and population; True when it gives the stored samples."""
    if not batch.seed:
        raise DomainError("该批次尚未抽取")
    again = redraw(batch)
    stored = set(batch.samples.values_list("code", flat=True))
    return set(again.selected) == stored, again


def rule_text(batch: ReEvaluationBatch) -> str:
    """The sampling rule in words, printed on the batch page and in the circular so anyone can reproduce it."""
    size = f"抽取比例{batch.rate * 100:.2f}%" if batch.rate is not None else f"抽取数量{batch.count}个"
    parts = [
        f"样本量 n = max({batch.n_min}, ⌈比例 × N⌉)，{size}" if batch.rate is not None else f"样本量 n = {batch.count}",
        "必抽对象先入样，其余名额按 SHA-256(“种子:编码”) 的十六进制小写字符串升序依次入样",
    ]
    if batch.stratified:
        parts.append("按主管部门分层，名额按各层剩余对象数比例分配（最大余数法）")
    return "；".join(parts) + "。"


def sample_result_opened(*, actor: Any, sample: ReEvaluationSample) -> None:
    audit.record(
        actor=actor,
        event_type="evaluation.reeval_file_download",
        obj=sample,
        changes={"file": sample.result_file_name},
    )


def batch_results_exported(*, actor: Any, batch: ReEvaluationBatch, filename: str) -> None:
    """导出Excel of a batch's results (samples, scores, the population of the draw): audited."""
    audit.record(actor=actor, event_type="evaluation.reeval_export", obj=batch, changes={"file": [None, filename]})


def batch_circular_generated(*, actor: Any, batch: ReEvaluationBatch, filename: str) -> None:
    """生成结果通报 (the Word circular of a batch's results): audited."""
    audit.record(actor=actor, event_type="evaluation.reeval_circular", obj=batch, changes={"file": [None, filename]})


def sample_assign(*, actor: Any, batch: ReEvaluationBatch, sample_ids: list[int], agency: Agency | None) -> int:
    """Assign samples to a third-party agency (or back to the performance section with None)."""
    require(actor, "evaluation.reevaluate")
    if agency is not None and not Agency.objects.visible_to(actor).filter(pk=agency.pk, is_active=True).exists():
        raise DomainError("第三方机构不存在或已停用")
    with transaction.atomic():
        locked = ReEvaluationBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != ReEvaluationBatch.Status.DRAWN:
            raise ConflictError("只有再评价中的批次可以委托")
        samples = list(locked.samples.filter(pk__in=sample_ids, re_score__isnull=True))
        if not samples:
            raise DomainError("请选择尚未评分的样本")
        for sample in samples:
            sample.agency = agency
            sample.agency_name = agency.name if agency else ""
        ReEvaluationSample.objects.bulk_update(samples, ["agency", "agency_name"])
        locked.version += 1
        locked.save(update_fields=["version", "updated_at"])
        audit.record(
            actor=actor,
            event_type="evaluation.reeval_assign",
            obj=locked,
            changes={"samples": [None, [s.code for s in samples]], "agency": [None, agency.name if agency else ""]},
        )
    return len(samples)


def _score(value: Any, label: str, weight: Decimal | None) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except Exception as exc:
        raise DomainError(f"“{label}”的再评分应为数字") from exc
    if not number.is_finite() or number < 0 or (weight is not None and number > weight):
        raise DomainError(f"“{label}”的再评分应在0至分值{fmt(weight)}之间")
    return number.quantize(CENT)


def _comment(value: Any, label: str) -> str:
    """A row's 说明, on one line (a tab or line break becomes a space), checked as any text read from the request
    (`core.text.checked_text`: refused, not cut short, when too long or holding a control character — NUL made
    PostgreSQL refuse the rows' JSON, a 500)."""
    return checked_text(re.sub(r"[\t\r\n]+", " ", str(value or "")), f"“{label}”的说明", COMMENT_LIMIT)


def sample_stamp(sample: ReEvaluationSample) -> str:
    """What a re-score page was shown: the time of the sample's last re-score (none yet: "-")."""
    return sample.scored_at.isoformat() if sample.scored_at is not None else "-"


def sample_rescore(
    *,
    actor: Any,
    sample: ReEvaluationSample,
    scores: dict[str, Any],
    comments: dict[str, str] | None = None,
    opinion: str = "",
    upload: UploadedFile | None = None,
    seen: str | None = None,
) -> ReEvaluationSample:
    """Re-score every row (0 ≤ score ≤ weight); total, grade by the grade bands, gap and the R_GAP flag.

    `seen`: the `sample_stamp` of the page the scores were typed on; a sample re-scored since (by a colleague of the
    same agency or section) is refused with 409 instead of being overwritten unseen."""
    require(actor, "evaluation.rescore")
    if not ReEvaluationSample.objects.visible_to(actor).filter(pk=sample.pk).exists():
        raise NotFoundError("样本不存在")
    file_name = _check_upload(upload)
    comments = comments or {}
    with transaction.atomic():
        locked = (
            ReEvaluationSample.objects.select_for_update(of=("self",))
            .select_related("batch", "self_eval")
            .get(pk=sample.pk)
        )
        refusal = selectors.rescore_refusal(actor, locked)
        if refusal is not None:
            raise refusal
        if seen is not None and seen != sample_stamp(locked):
            by = str(locked.scored_by) if locked.scored_by is not None else "他人"
            shown = f"（总分{fmt(locked.re_score)}分）" if locked.re_score is not None else ""
            raise ConflictError(
                f"您打开页面后，该样本已由{by}重新评分{shown}；您填写的内容仍在页面上，核对后再次保存将以您填写的为准"
            )
        rows = [dict(r) for r in locked.rows]
        missing = [r["name"] for r in rows if str(scores.get(r["key"], "")).strip() == ""]
        if missing:
            raise DomainError("请填写以下各项的再评分：" + "、".join(missing))
        total = ZERO
        for row in rows:
            weight = Decimal(row["weight"]) if row.get("weight") not in (None, "") else None
            value = _score(scores[row["key"]], row["name"], weight)
            row["score"] = str(value)
            row["comment"] = _comment(comments.get(row["key"]), row["name"])
            total += value
        cfg = selectors.scoring_config(locked.batch.region, locked.batch.fiscal_year)
        before = {"re_score": audit.jsonable(locked.re_score), "re_grade": locked.re_grade}
        locked.rows = rows
        locked.re_score = total
        locked.re_grade = grade(total, cfg) or ""
        locked.gap = total - locked.self_score if locked.self_score is not None else None
        grade_changed = bool(locked.self_grade) and locked.self_grade != locked.re_grade
        locked.flagged = grade_changed or (locked.gap is not None and abs(locked.gap) >= cfg.gap_tolerance)
        locked.opinion = (opinion or "").strip()[:2000]
        if upload is not None:
            locked.result_file = upload
            locked.result_file_name = file_name
        locked.scored_by = actor
        locked.scored_at = timezone.now()
        locked.save()
        message = ""
        if locked.flagged:
            message = (
                f"再评价得分{fmt(total)}（{locked.re_grade}），自评{fmt(locked.self_score)}（{locked.self_grade}），"
                f"分差{fmt(locked.gap)}"
            )
        flag_record(locked.self_eval_id, "R_GAP", "WARN", message)
        audit.record(
            actor=actor,
            event_type="evaluation.reeval_rescore",
            obj=locked.batch,
            object_repr=f"{locked.batch} {locked.code}",
            changes={
                "sample": [None, locked.code],
                "re_score": [before["re_score"], audit.jsonable(locked.re_score)],
                "re_grade": [before["re_grade"], locked.re_grade],
            },
        )
    return locked


def batch_finish(*, actor: Any, batch: ReEvaluationBatch) -> ReEvaluationBatch:
    require(actor, "evaluation.reevaluate")
    with transaction.atomic():
        locked = ReEvaluationBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != ReEvaluationBatch.Status.DRAWN:
            raise ConflictError("只有再评价中的批次可以办结")
        left = locked.samples.filter(re_score__isnull=True).count()
        if left:
            raise DomainError(f"还有{left}个样本未评分，不能办结")
        locked.status = ReEvaluationBatch.Status.FINISHED
        locked.finished_at = timezone.now()
        locked.version += 1
        locked.updated_by = actor
        locked.save()
        audit.record(
            actor=actor, event_type="evaluation.reeval_finish", obj=locked, changes={"status": ["drawn", "finished"]}
        )
    return locked


@dataclass
class BatchResults:
    batch: ReEvaluationBatch
    samples: list[ReEvaluationSample]
    grades: list[tuple[str, int, Decimal]]
    scored: int
    sample_amount_yuan: Decimal
    departments: list[dict[str, Any]]

    @property
    def rate_text(self) -> str:
        b = self.batch
        if not b.population_size:
            return "—"
        return f"{b.sample_size} / {b.population_size} = {Decimal(b.sample_size * 100) / b.population_size:.2f}%"

    @property
    def rate_text_zh(self) -> str:
        b = self.batch
        if not b.population_size:
            return "—"
        pct = Decimal(b.sample_size * 100) / b.population_size
        return f"从{b.population_size}个中抽取{b.sample_size}个，抽取比例{pct:.2f}%"

    @property
    def flagged_count(self) -> int:
        return sum(1 for s in self.samples if s.flagged)

    @property
    def gaps(self) -> list[ReEvaluationSample]:
        return sorted((s for s in self.samples if s.gap is not None), key=lambda s: (-abs(s.gap or ZERO), s.code))


def batch_results(batch: ReEvaluationBatch) -> BatchResults:
    samples = list(
        batch.samples.select_related("self_eval", "self_eval__department", "self_eval__unit", "agency").order_by(
            "self_eval__department__dept_code", "code"
        )
    )
    counts: dict[str, int] = defaultdict(int)
    amounts: dict[str, Decimal] = defaultdict(Decimal)
    per_dept: dict[str, list[ReEvaluationSample]] = defaultdict(list)
    for s in samples:
        if s.re_grade:
            counts[s.re_grade] += 1
            amounts[s.re_grade] += s.amount_yuan
        per_dept[s.self_eval.department.name].append(s)
    departments = []
    for name, items in sorted(per_dept.items()):
        scored = [s for s in items if s.gap is not None]
        changed = [s for s in scored if s.self_grade and s.self_grade != s.re_grade]
        departments.append(
            {
                "name": name,
                "samples": len(items),
                "scored": len(scored),
                "mean_abs_gap": (sum((abs(s.gap or ZERO) for s in scored), ZERO) / len(scored)).quantize(CENT)
                if scored
                else None,
                "grade_changes": len(changed),
                "change_share": Decimal(len(changed)) / len(scored) if scored else None,
            }
        )
    return BatchResults(
        batch=batch,
        samples=samples,
        grades=[(g, counts[g], amounts[g]) for g in GRADES],
        scored=sum(1 for s in samples if s.re_score is not None),
        sample_amount_yuan=sum((s.amount_yuan for s in samples), ZERO),
        departments=departments,
    )


def circular_sentence(results: BatchResults) -> str:
    b = results.batch
    dist = "、".join(f"“{g}”{n}个" for g, n, _ in results.grades)
    return (
        f"{b.fiscal_year}年度部门自评财政再评价从{b.population_size}个已审定的单位自评中随机抽取{b.sample_size}个"
        f"（{results.rate_text_zh.split('，')[-1]}），涉及资金{format_wan(results.sample_amount_yuan)}万元。"
        f"再评价结果：{dist}。抽样种子为{b.seed}，抽样规则：{rule_text(b)}"
    )


# ---- 真实性核查 ------------------------------------------------------------------------------------------------------


def check_create(
    *,
    actor: Any,
    fiscal_year: int,
    title: str = "",
    sample_size: int | None = None,
    upper_level_request: bool = False,
    materials_deadline: date | None = None,
) -> AuthenticityCheck:
    """A check of the organiser's section; an upper-level one (`upper_level_request`) also asks the sampled
    projects' units for 印证资料, by `materials_deadline` when given (services_upper)."""
    require(actor, "evaluation.authenticity")
    if not is_year(fiscal_year):
        raise DomainError("请填写有效的评价年度")
    if not upper_level_request:
        materials_deadline = None
    elif materials_deadline is not None and materials_deadline < timezone.localdate():
        raise DomainError("印证资料报送截止日期不能早于今天")
    membership = actor.active_membership
    if sample_size is None:
        settings_row = selectors.scoring_settings_for(membership.region, fiscal_year)
        sample_size = settings_row.authenticity_sample_size if settings_row is not None else 20
    if sample_size < 1:
        raise DomainError("抽取数量至少为1")
    with transaction.atomic():
        check = AuthenticityCheck.objects.create(
            region=membership.region,
            fiscal_year=fiscal_year,
            title=(title or "").strip()[:200] or f"{fiscal_year}年度预算绩效真实性核查",
            organiser=membership.section,
            upper_level_request=upper_level_request,
            materials_deadline=materials_deadline,
            sample_size=sample_size,
            created_by=actor,
            updated_by=actor,
        )
        audit.record(
            actor=actor,
            event_type="evaluation.authenticity_create",
            obj=check,
            changes={"sample_size": [None, sample_size]},
        )
    return check


def check_delete(*, actor: Any, check: AuthenticityCheck) -> None:
    """A check created by mistake, while it is 待抽取 (nothing drawn or designated, no item, no 印证资料 request):
    deleted, with an audit record. A check under way is never deleted."""
    require(actor, "evaluation.authenticity")
    _delete_undrawn(actor, check, "evaluation.authenticity_delete", "真实性核查", "该核查已经确定核查项目，不能删除")


def check_population(actor: Any, check: AuthenticityCheck) -> QuerySet[SelfEvaluation]:
    return selectors.records_visible(actor).filter(
        fiscal_year=check.fiscal_year,
        subject=SelfEvaluation.Subject.PROJECT,
        status=SelfEvalStatus.FIN_REVIEWED,
        is_final=True,
        project__isnull=False,
    )


def check_draw(*, actor: Any, check: AuthenticityCheck) -> AuthenticityCheck:
    """Seed first, then the draw (core.sampling, fixed count); one item per core indicator (all rows if none)."""
    require(actor, "evaluation.authenticity")
    with transaction.atomic():
        locked, records = _undrawn(actor, check)
        locked.seed = sampling.new_seed()
        locked.population = sorted(records)
        locked.population_size = len(records)
        locked.save(update_fields=["seed", "population", "population_size"])
        drawn = sampling.draw_sample(dict.fromkeys(locked.population), seed=locked.seed, count=locked.sample_size)
        items = _take(actor, locked, records, drawn.selected)
        audit.record(
            actor=actor,
            event_type="evaluation.authenticity_draw",
            obj=locked,
            changes={"seed": [None, locked.seed], "projects": [0, len(drawn.selected)], "items": [0, items]},
        )
    return locked


MAX_DESIGNATED = 1000
CODE_SEPARATORS = re.compile(r"[\s,，、;；]+")


def check_designate(*, actor: Any, check: AuthenticityCheck, codes_text: str) -> AuthenticityCheck:
    """The projects an upper-level check names (DOMAIN.md §2.4.6 "a task listing the projects"), entered by project
    code instead of drawn: every code must be a finance-reviewed project self-evaluation the section sees, or nothing
    is taken. The items and the 印证资料 requests are those of a draw; there is no seed and nothing to re-draw."""
    require(actor, "evaluation.authenticity")
    codes = list(dict.fromkeys(c for c in CODE_SEPARATORS.split(codes_text or "") if c))
    if not codes:
        raise DomainError("请填写上级指定的项目编码，每行一个或以逗号、顿号分隔")
    if len(codes) > MAX_DESIGNATED:
        raise DomainError(f"一次最多指定{MAX_DESIGNATED}个项目")
    with transaction.atomic():
        locked, records = _undrawn(actor, check)
        if not locked.upper_level_request:
            raise DomainError("只有上级财政核查可以按上级指定的项目确定核查范围；本级核查请抽取项目")
        unknown = [c for c in codes if c not in records]
        if unknown:
            shown = "、".join(unknown[:20]) + (f"等{len(unknown)}个" if len(unknown) > 20 else "")
            raise DomainError(f"以下项目编码不在可核查范围内（须为财政已审定的项目自评）：{shown}")
        locked.designated = True
        locked.population = sorted(records)
        locked.population_size = len(records)
        locked.sample_size = len(codes)
        locked.save(update_fields=["designated", "population", "population_size", "sample_size"])
        items = _take(actor, locked, records, sorted(codes))
        audit.record(
            actor=actor,
            event_type="evaluation.authenticity_designate",
            obj=locked,
            changes={"projects": [0, len(codes)], "items": [0, items], "codes": [None, sorted(codes)]},
        )
    return locked


def _undrawn(actor: Any, check: AuthenticityCheck) -> tuple[AuthenticityCheck, dict[str, SelfEvaluation]]:
    """The check locked while nothing is taken yet, and the population it takes from (project code → record)."""
    locked = AuthenticityCheck.objects.select_for_update().get(pk=check.pk)
    if locked.status != AuthenticityCheck.Status.DRAFT:
        raise ConflictError("该核查已经确定核查项目")
    records = {r.project.code: r for r in check_population(actor, locked).select_related("project")}  # type: ignore[union-attr]
    if not records:
        raise DomainError("没有可核查的已审定项目自评")
    return locked, records


def _take(actor: Any, locked: AuthenticityCheck, records: dict[str, SelfEvaluation], codes: Iterable[str]) -> int:
    """One item per core indicator of each chosen project (all rows if none), the upper-level 印证资料 requests,
    and the check under way; the number of items."""
    items: list[AuthenticityItem] = []
    for code in codes:
        record = records[code]
        rows = list(record.indicators.select_related("indicator").order_by("seq", "id"))
        core = [r for r in rows if r.indicator is not None and r.indicator.is_core] or rows
        items += [
            AuthenticityItem(
                check_batch=locked,
                self_eval=record,
                row=row,
                code=code,
                indicator_name=row.name,
                target_text=row.target_text,
                reported_value=row.actual_text,
            )
            for row in core
        ]
    AuthenticityItem.objects.bulk_create(items)
    # An upper-level check asks each chosen project's unit for 印证资料.
    services_upper.entries_create(locked)
    locked.status = AuthenticityCheck.Status.CHECKING
    locked.drawn_at = timezone.now()
    locked.version += 1
    locked.updated_by = actor
    locked.save()
    return len(items)


def check_verify(check: AuthenticityCheck) -> bool:
    if check.designated:
        raise DomainError("本核查的项目由上级指定，没有抽样可复核")
    if not check.seed:
        raise DomainError("该核查尚未抽取")
    again = sampling.draw_sample(dict.fromkeys(check.population), seed=check.seed, count=check.sample_size)
    return set(again.selected) == set(check.items.values_list("code", flat=True))


def item_stamp(item: AuthenticityItem) -> str:
    """What a finding's row was shown: the time of the item's last recorded finding (none yet: "-")."""
    return item.checked_at.isoformat() if item.checked_at is not None else "-"


def item_record(
    *,
    actor: Any,
    item: AuthenticityItem,
    verified_value: str,
    finding: str,
    evidence_note: str = "",
    seen: str | None = None,
) -> AuthenticityItem:
    """Record the verified value, finding and evidence note of one core indicator.

    `seen`: the `item_stamp` of the page the finding was typed on; a finding recorded since (by a colleague, or in
    another tab) is refused with 409 instead of being overwritten unseen."""
    require(actor, "evaluation.authenticity")
    if not AuthenticityCheck.objects.visible_to(actor).filter(pk=item.check_batch_id).exists():
        raise NotFoundError("核查不存在")
    if finding not in AuthenticityItem.Finding.values:
        raise DomainError("请选择核查结论")
    evidence_note = (evidence_note or "").strip()[:2000]
    if finding != AuthenticityItem.Finding.CONFIRMED and not evidence_note:
        raise DomainError("核查结论不是“属实”时须说明问题")
    with transaction.atomic():
        locked = AuthenticityItem.objects.select_for_update(of=("self",)).select_related("check_batch").get(pk=item.pk)
        if locked.check_batch.status != AuthenticityCheck.Status.CHECKING:
            raise ConflictError("核查已完成，不能修改")
        if seen is not None and seen != item_stamp(locked):
            by = str(locked.checked_by) if locked.checked_by is not None else "他人"
            shown = f"为“{locked.get_finding_display()}”" if locked.finding else ""
            raise ConflictError(
                f"您打开页面后，“{locked.indicator_name}”的核查结论已由{by}记录{shown}；"
                "您填写的内容仍在页面上，核对后再次保存将以您填写的为准"
            )
        before = locked.finding
        locked.verified_value = (verified_value or "").strip()[:1000]
        locked.finding = finding
        locked.evidence_note = evidence_note
        locked.checked_by = actor
        locked.checked_at = timezone.now()
        locked.save()
        falsified = list(
            AuthenticityItem.objects.filter(
                self_eval_id=locked.self_eval_id, finding=AuthenticityItem.Finding.FALSIFIED
            ).values_list("indicator_name", flat=True)
        )
        message = ("真实性核查认定弄虚作假：" + "、".join(falsified)) if falsified else ""
        flag_record(locked.self_eval_id, "A_FALSIFIED", "ERROR", message)
        audit.record(
            actor=actor,
            event_type="evaluation.authenticity_finding",
            obj=locked.check_batch,
            object_repr=f"{locked.code} {locked.indicator_name}",
            changes={"finding": [before, finding], "verified_value": [None, locked.verified_value]},
        )
    return locked


def check_finish(*, actor: Any, check: AuthenticityCheck) -> AuthenticityCheck:
    require(actor, "evaluation.authenticity")
    with transaction.atomic():
        locked = AuthenticityCheck.objects.select_for_update().get(pk=check.pk)
        if locked.status != AuthenticityCheck.Status.CHECKING:
            raise ConflictError("只有核查中的批次可以办结")
        left = locked.items.filter(finding="").count()
        if left:
            raise DomainError(f"还有{left}个指标未核查，不能办结")
        locked.status = AuthenticityCheck.Status.FINISHED
        locked.version += 1
        locked.updated_by = actor
        locked.save()
        audit.record(
            actor=actor,
            event_type="evaluation.authenticity_finish",
            obj=locked,
            changes={"status": ["checking", "finished"]},
        )
    return locked


def rectification_items(check: AuthenticityCheck) -> list[dict[str, Any]]:
    """Findings other than CONFIRMED, listed as rectification items (the full 整改 flow comes later)."""
    found = check.items.exclude(finding__in=("", AuthenticityItem.Finding.CONFIRMED)).select_related(
        "self_eval", "self_eval__unit"
    )
    return [
        {
            "source": f"真实性核查（{check.title}）",
            "project": f"{i.code} {i.self_eval.name}",
            "unit": i.self_eval.unit.name,
            "problem": f"“{i.indicator_name}”填报{i.reported_value or '—'}，核实{i.verified_value or '—'}："
            f"{i.get_finding_display()}。{i.evidence_note}",
            "finding": i.finding,
        }
        for i in found
    ]


# ---- statistics (DOMAIN.md §2.9 EV-1, EV-2, EV-4) ---------------------------------------------------------------


def statistics(user: Any, fiscal_year: int | None) -> dict[str, Any]:
    records = _with_amount(selectors.records_visible(user))
    if fiscal_year:
        records = records.filter(fiscal_year=fiscal_year)
    evaluated = records.exclude(status__in=(SelfEvalStatus.FILLING, SelfEvalStatus.RETURNED))
    coverage = []
    for value, label in SelfEvaluation.Subject.choices:
        rows = list(evaluated.filter(subject=value).values_list("amount_yuan", "department_id"))
        coverage.append(
            {
                "label": label,
                "count": len(rows),
                "amount_yuan": sum((a for a, _ in rows), ZERO),
                "departments": len({d for _, d in rows}),
            }
        )
    batches = ReEvaluationBatch.objects.visible_to(user).exclude(status=ReEvaluationBatch.Status.DRAFT)
    checks = AuthenticityCheck.objects.visible_to(user).exclude(status=AuthenticityCheck.Status.DRAFT)
    if fiscal_year:
        batches = batches.filter(fiscal_year=fiscal_year)
        checks = checks.filter(fiscal_year=fiscal_year)
    findings: dict[str, int] = defaultdict(int)
    for finding in AuthenticityItem.objects.filter(check_batch__in=checks).values_list("finding", flat=True):
        findings[finding] += 1
    return {
        "coverage": coverage,
        "batches": [batch_results(b) for b in batches.order_by("-id")[:20]],
        "checks": checks.count(),
        "check_projects": AuthenticityItem.objects.filter(check_batch__in=checks)
        .values("self_eval")
        .distinct()
        .count(),
        "check_items": sum(findings.values()),
        "findings": [(label, findings.get(value, 0)) for value, label in AuthenticityItem.Finding.choices],
    }


def reeval_todos(user: Any) -> list[TodoItem]:
    """Agency staff (and the performance section): samples to re-score; the performance section: batches to finish
    and authenticity checks in progress (all the counts in one query)."""
    membership = user.active_membership
    if membership is None:
        return []
    wanted: dict[str, QuerySet[Any]] = {}
    if membership.can("evaluation.rescore"):
        wanted["samples"] = selectors.reeval_samples_to_score(user)
    if membership.can("evaluation.reevaluate"):
        wanted["batches"] = selectors.reeval_batches(user, open_only=True).order_by()
    if membership.can("evaluation.authenticity"):
        wanted["checks"] = selectors.authenticity_checks(user, open_only=True).order_by()
    totals = todos.counts(**wanted)
    items: list[TodoItem] = []
    if "samples" in wanted:
        to_score = f"{reverse('evaluation:reeval_samples')}?todo=score"  # the list of exactly the counted samples
        items.append(TodoItem("再评价", "待评分的再评价样本", totals["samples"], to_score))
    if "batches" in wanted:
        open_batches = f"{reverse('evaluation:reeval_list')}?open=1"  # each line opens the list of its count
        items.append(TodoItem("再评价", "未办结的再评价批次", totals["batches"], open_batches))
    if "checks" in wanted:
        open_checks = f"{reverse('evaluation:authenticity_list')}?open=1"
        items.append(TodoItem("真实性核查", "未办结的真实性核查", totals["checks"], open_checks))
    return items
