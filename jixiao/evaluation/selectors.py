from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse

from jixiao.core import config_rows
from jixiao.core.errors import ConflictError, DomainError
from jixiao.core.todos import TodoItem, countdown, counts, status_counts
from jixiao.evaluation.models import (
    AuthenticityCheck,
    AuthenticityItem,
    ReEvaluationBatch,
    ReEvaluationSample,
    ScoringSettings,
    SelfEvalEvent,
    SelfEvalEvidence,
    SelfEvalFund,
    SelfEvalIndicator,
    SelfEvalStatus,
    SelfEvalTask,
    SelfEvaluation,
    UpperCheckEvent,
    UpperCheckEvidence,
    UpperCheckProject,
    UpperCheckStatus,
)
from jixiao.evaluation.scoring import NATIONAL_DEFAULT, ScoringConfig
from jixiao.monitoring.models import MonitoringEvidence
from jixiao.organizations.selectors import in_region
from jixiao.targets.models import PerformanceTarget, TargetStatus


def scoring_settings_for(region: Any, fiscal_year: int) -> ScoringSettings | None:
    rows = config_rows.applicable(ScoringSettings.objects.select_related("region"), region, fiscal_year)
    return config_rows.most_specific(rows, region, fiscal_year)


def scoring_config(region: Any, fiscal_year: int) -> ScoringConfig:
    """The scoring numbers in force for a region and year; the national defaults when no row exists."""
    row = scoring_settings_for(region, fiscal_year) if region is not None else None
    return row.to_config() if row is not None else NATIONAL_DEFAULT


# ---- 单位自评 reads ------------------------------------------------------------------------------------------------


def tasks_visible(user: Any) -> QuerySet[SelfEvalTask]:
    return SelfEvalTask.objects.visible_to(user).select_related("region")


def records_visible(user: Any) -> QuerySet[SelfEvaluation]:
    return SelfEvaluation.objects.visible_to(user).select_related("department", "unit", "project", "task", "region")


def record_get(user: Any, pk: Any) -> SelfEvaluation:
    return SelfEvaluation.objects.select_related("department", "unit", "project", "task", "region").get_visible_or_404(
        user, pk=pk
    )


def adjusted_version(record: SelfEvaluation) -> int | None:
    """The target's approved version when it is not the one the record was generated from (调整 approved since the
    round started), else None: the record must then be generated again (services.selfeval_regenerate)."""
    version = PerformanceTarget.objects.filter(pk=record.target_id).values_list("goal_version", flat=True).first()
    return version if version is not None and version != record.goal_version else None


def records_filtered(user: Any, params: dict[str, Any]) -> QuerySet[SelfEvaluation]:
    qs = records_visible(user)
    if params.get("fiscal_year"):
        qs = qs.filter(fiscal_year=params["fiscal_year"])
    qs = in_region(qs, params.get("region"))
    if params.get("department"):
        qs = qs.filter(department=params["department"])
    if params.get("status"):
        qs = qs.filter(status=params["status"])
    if params.get("grade"):  # the grade of a submitted record: one still being filled in has a provisional grade
        qs = qs.filter(grade_computed=params["grade"]).exclude(status__in=UNSUBMITTED)
    if params.get("flagged") == "errors":
        qs = qs.filter(error_count__gt=0)
    elif params.get("flagged") == "flagged":
        qs = qs.filter(Q(error_count__gt=0) | Q(warn_count__gt=0))
    elif params.get("flagged") == "clean":
        qs = qs.filter(error_count=0, warn_count=0)
    if params.get("q"):
        qs = qs.filter(Q(name__icontains=params["q"]) | Q(project__code__icontains=params["q"]))
    return qs.order_by("-fiscal_year", "department__dept_code", "unit__agency_code", "id")


def record_rows(record: SelfEvaluation) -> list[SelfEvalIndicator]:
    return list(record.indicators.select_related("overridden_by").order_by("seq", "id"))


def record_funds(record: SelfEvaluation) -> list[SelfEvalFund]:
    order = {key: index for index, key in enumerate(("TOTAL", "FISCAL", "CARRYOVER", "OTHER"))}
    return sorted(record.funds.all(), key=lambda f: order.get(f.fund_source, 9))


def record_events(record: SelfEvaluation) -> QuerySet[SelfEvalEvent]:
    return record.events.select_related("actor").order_by("-occurred_at", "-id")


# ---- 佐证资料 --------------------------------------------------------------------------------------------------------


def record_evidence(record: SelfEvaluation) -> list[SelfEvalEvidence]:
    return list(record.evidence.select_related("row", "uploaded_by").order_by("uploaded_at", "id"))


def evidence_get(user: Any, pk: Any, evidence_pk: Any) -> SelfEvalEvidence:
    """A file of a record the user sees; another record's (or unit's) file is missing all the same (404)."""
    record = record_get(user, pk)
    evidence = record.evidence.select_related("row").filter(pk=evidence_pk).first()
    if evidence is None:
        raise Http404
    evidence.self_eval = record
    return evidence


def evidence_row_choices(rows: list[SelfEvalIndicator]) -> list[tuple[int, str]]:
    """The upload form's 对应指标 options: the record's rows in their order."""
    choices = []
    for row in sorted(rows, key=lambda r: (r.seq, r.pk)):
        levels = "／".join(n for n in (row.lv1, row.lv2) if n)
        choices.append((row.pk, f"{row.name}（{levels}）" if levels else row.name))
    return choices


def items_with_evidence(items: list[AuthenticityItem]) -> list[AuthenticityItem]:
    """Sets each item's `evidence` (the files of its self-evaluation tied to its indicator row) and, on the first
    item of each self-evaluation, `untied_evidence` (the files tied to no row, or to a row that is not checked)."""
    files = SelfEvalEvidence.objects.filter(self_eval_id__in={i.self_eval_id for i in items}).order_by(
        "uploaded_at", "id"
    )
    checked = {(i.self_eval_id, i.row_id) for i in items if i.row_id is not None}
    by_row: dict[tuple[int, int | None], list[SelfEvalEvidence]] = {}
    for f in files:
        key = (f.self_eval_id, f.row_id) if (f.self_eval_id, f.row_id) in checked else (f.self_eval_id, None)
        by_row.setdefault(key, []).append(f)
    seen: set[int] = set()
    for item in items:
        item.evidence = by_row.get((item.self_eval_id, item.row_id), []) if item.row_id else []  # type: ignore[attr-defined]
        first = item.self_eval_id not in seen
        item.untied_evidence = by_row.get((item.self_eval_id, None), []) if first else []  # type: ignore[attr-defined]
        item.first_of_project = first  # type: ignore[attr-defined]
        seen.add(item.self_eval_id)
    return items


# ---- 上级核查 印证资料 ----------------------------------------------------------------------------------------------


def upper_entries_visible(user: Any) -> QuerySet[UpperCheckProject]:
    """The projects of upper-level checks the user works on: the organising side its checks' projects, a unit (or
    主管部门) its own projects' (UpperCheckProjectQuerySet)."""
    return (
        UpperCheckProject.objects.visible_to(user)
        .select_related("check_batch", "check_batch__organiser", "self_eval__unit", "self_eval__department")
        .annotate(file_count=Count("evidence"))
    )


def upper_entry_get(user: Any, pk: Any) -> UpperCheckProject:
    return UpperCheckProject.objects.select_related(
        "check_batch",
        "check_batch__organiser",
        "check_batch__forwarded_by",
        "self_eval",
        "self_eval__unit",
        "self_eval__department",
        "reviewed_by",
        "submitted_by",
    ).get_visible_or_404(user, pk=pk)


def upper_evidence_get(user: Any, pk: Any, evidence_pk: Any) -> UpperCheckEvidence:
    """A file of a project the user sees; another project's (or unit's) file is missing all the same (404)."""
    entry = upper_entry_get(user, pk)
    evidence = entry.evidence.select_related("row").filter(pk=evidence_pk).first()
    if evidence is None:
        raise Http404
    evidence.entry = entry
    return evidence


def upper_entry_evidence(entry: UpperCheckProject) -> list[UpperCheckEvidence]:
    return list(entry.evidence.select_related("row", "uploaded_by").order_by("uploaded_at", "id"))


def upper_entry_items(entry: UpperCheckProject) -> list[AuthenticityItem]:
    """The project's indicators under check (its core indicators, all when it marks none), in the check's order."""
    return list(
        AuthenticityItem.objects.filter(check_batch_id=entry.check_batch_id, self_eval_id=entry.self_eval_id)
        .select_related("row")
        .order_by("id")
    )


def upper_row_choices(items: list[AuthenticityItem]) -> list[tuple[int, str]]:
    """The upload form's 对应指标 options: the indicators under check."""
    return evidence_row_choices([i.row for i in items if i.row is not None])


def upper_items_with_files(items: list[AuthenticityItem], files: list[UpperCheckEvidence]) -> list[UpperCheckEvidence]:
    """Sets each item's `files` (the 印证资料 tied to its row); returns the other files (tied to no row under check)."""
    checked = {i.row_id for i in items if i.row_id is not None}
    for item in items:
        item.files = [f for f in files if item.row_id is not None and f.row_id == item.row_id]  # type: ignore[attr-defined]
    return [f for f in files if f.row_id not in checked]


def upper_entry_events(entry: UpperCheckProject) -> QuerySet[UpperCheckEvent]:
    return entry.events.select_related("actor").order_by("-occurred_at", "-id")


def upper_check_entries(check: AuthenticityCheck) -> list[UpperCheckProject]:
    return list(
        check.upper_projects.select_related("self_eval", "self_eval__unit", "reviewed_by")
        .annotate(file_count=Count("evidence"))
        .order_by("code", "id")
    )


def upper_check_counts(check: AuthenticityCheck) -> dict[str, int]:
    return check.upper_projects.aggregate(
        total=Count("pk"), approved=Count("pk", filter=Q(status=UpperCheckStatus.APPROVED))
    )


def upper_todos(user: Any) -> list[TodoItem]:
    """Units and 主管部门: 印证资料 to upload (待上传, 被退回); the organising section: 印证资料 to review, and checks
    whose projects have all passed, to forward. Only checks not yet forwarded; a section counts its own checks (the
    performance section, which sees every check, is not asked to review a business section's)."""
    membership = user.active_membership
    if membership is None:
        return []
    open_entries = UpperCheckProject.objects.visible_to(user).filter(check_batch__forwarded_at__isnull=True)
    url = reverse("evaluation:upper_list")
    if membership.can("evaluation.fill"):
        statuses = [UpperCheckStatus.PENDING, UpperCheckStatus.RETURNED]
        waiting = open_entries.filter(status__in=statuses).aggregate(
            n=Count("pk"), deadline=Min("check_batch__materials_deadline")
        )
        hint = f"最早截止日期 {waiting['deadline']:%Y-%m-%d}" if waiting["deadline"] else ""
        return [TodoItem("真实性核查", "待报送的上级核查印证资料", waiting["n"], f"{url}?status=todo", hint)]
    if not membership.can("evaluation.authenticity"):
        return []
    own = Q(check_batch__organiser_id=membership.section_id)
    checks = AuthenticityCheck.objects.visible_to(user).filter(
        upper_level_request=True, forwarded_at__isnull=True, organiser_id=membership.section_id
    )
    ready = checks.filter(pk__in=UpperCheckProject.objects.values("check_batch")).exclude(
        pk__in=UpperCheckProject.objects.exclude(status=UpperCheckStatus.APPROVED).values("check_batch")
    )
    totals = counts(review=open_entries.filter(own, status=UpperCheckStatus.SUBMITTED), forward=ready)
    review_url = f"{url}?status={UpperCheckStatus.SUBMITTED}&mine=on"
    return [
        TodoItem("真实性核查", "待审核的上级核查印证资料", totals["review"], review_url),
        TodoItem("真实性核查", "待报送上级的真实性核查", totals["forward"], reverse("evaluation:authenticity_list")),
    ]


def items_with_monitoring_evidence(items: list[AuthenticityItem], fiscal_year: int) -> list[AuthenticityItem]:
    """Sets each item's `monitoring_evidence` (佐证资料 of the project's 监控表 of the same year tied to the same
    indicator: the same target indicator, or one of the same name — an adjusted target keeps the name, not the row)
    and, on the first item of each project, `monitoring_untied` (that year's other monitoring files of the project).
    Each file carries its record and round (`f.record.task.period_label`)."""
    projects: dict[int, list[AuthenticityItem]] = {}
    for item in items:
        item.monitoring_evidence = []  # type: ignore[attr-defined]
        item.monitoring_untied = []  # type: ignore[attr-defined]
        project_id = item.self_eval.project_id
        if project_id is not None:
            projects.setdefault(project_id, []).append(item)
    if not projects:
        return items
    files = (
        MonitoringEvidence.objects.filter(
            record__project_id__in=projects,
            record__fiscal_year=fiscal_year,
            record__is_deleted=False,
            record__task__is_deleted=False,
        )
        .select_related("record", "record__task", "row")
        .order_by("record__task__period_end_month", "uploaded_at", "id")
    )
    for f in files:
        checked = projects[f.record.project_id]  # type: ignore[index]
        row = f.row
        tied = [
            i
            for i in checked
            if row is not None
            and i.row is not None
            and ((row.indicator_id is not None and row.indicator_id == i.row.indicator_id) or row.name == i.row.name)
        ]
        for item in tied:
            item.monitoring_evidence.append(f)  # type: ignore[attr-defined]
        if not tied:
            checked[0].monitoring_untied.append(f)  # type: ignore[attr-defined]
    return items


SEVERITY_ORDER = {"ERROR": 0, "WARN": 1, "INFO": 2}


def worst(messages: list[dict[str, str]]) -> str:
    return min((m["severity"] for m in messages), key=lambda s: SEVERITY_ORDER.get(s, 3), default="")


def rows_flagged_first(rows: list[SelfEvalIndicator]) -> list[SelfEvalIndicator]:
    """Rows with an ERROR or WARN first (DOMAIN.md §4.8), each with `worst` set for the template."""
    for row in rows:
        row.worst = worst(row.flags or [])  # type: ignore[attr-defined]
    return sorted(rows, key=lambda r: (SEVERITY_ORDER.get(r.worst, 3), r.seq, r.pk))  # type: ignore[attr-defined]


def record_messages(record: SelfEvaluation) -> list[dict[str, str]]:
    """The record-level and budget-execution flags (row flags are shown on their rows)."""
    flags = record.flags or {}
    return [*flags.get("messages", []), *flags.get("exec", {}).get("messages", [])]


UNSUBMITTED = (SelfEvalStatus.FILLING, SelfEvalStatus.RETURNED)


def statistics(user: Any, fiscal_year: int | None) -> dict[str, Any]:
    """Counts by status and computed grade, and coverage = records ÷ approved targets of the year."""
    records = records_visible(user)
    targets = PerformanceTarget.objects.visible_to(user).filter(
        status__in=(TargetStatus.APPROVED, TargetStatus.ADJUSTING)
    )
    if fiscal_year:
        records = records.filter(fiscal_year=fiscal_year)
        targets = targets.filter(fiscal_year=fiscal_year)
    # One scan for every count but the departments': grouped by status and computed grade. A record still being
    # filled in (or returned to its unit) has a provisional computed grade (an empty form scores 差): the grade
    # counts are of the submitted records only.
    by_status: Counter[str] = Counter()
    by_grade: Counter[str] = Counter()
    flagged = 0
    for status, grade, n, n_flagged in (
        records.order_by()
        .values("status", "grade_computed")
        .annotate(n=Count("id"), flagged=Count("id", filter=Q(error_count__gt=0) | Q(warn_count__gt=0)))
        .values_list("status", "grade_computed", "n", "flagged")
    ):
        by_status[status] += n
        if status not in UNSUBMITTED:
            by_grade[grade] += n
        flagged += n_flagged
    total = sum(by_status.values())
    approved = targets.count()
    evaluated = total - sum(by_status[s] for s in UNSUBMITTED)
    submitted = ~Q(status__in=UNSUBMITTED)
    return {
        "total": total,
        "approved_targets": approved,
        "evaluated": evaluated,
        "coverage": (Decimal(evaluated) / Decimal(approved)) if approved else None,
        "generated_coverage": (Decimal(total) / Decimal(approved)) if approved else None,
        "grades": [(g, by_grade.get(g, 0)) for g in ("优", "良", "中", "差")],
        "statuses": [(value, label, by_status.get(value, 0)) for value, label in SelfEvalStatus.choices],
        "flagged": flagged,
        "by_department": list(
            records.order_by()
            .values("department__name")
            .annotate(
                n=Count("id"),
                done=Count("id", filter=Q(status=SelfEvalStatus.FIN_REVIEWED)),
                excellent=Count("id", filter=submitted & Q(grade_computed="优")),
                poor=Count("id", filter=submitted & Q(grade_computed="差")),
            )
            .order_by("department__name")
        ),
    }


def selfeval_todos(user: Any) -> list[TodoItem]:
    membership = user.active_membership
    if membership is None or not membership.can("evaluation.view"):
        return []
    # One status per line, so that each count opens the list of exactly its records.
    shown = [
        (title, status, hint)
        for title, capability, status, hint in (
            ("待填报的单位自评", "evaluation.fill", SelfEvalStatus.FILLING, "在截止日期前填报并提交"),
            ("被退回的单位自评", "evaluation.fill", SelfEvalStatus.RETURNED, "请按审核意见修改后重新提交"),
            ("待主管部门审核的单位自评", "evaluation.review_dept", SelfEvalStatus.SUBMITTED, "待审核"),
            ("待业务股室审核的单位自评", "evaluation.review_section", SelfEvalStatus.DEPT_REVIEWED, "待审核"),
            ("待绩效股审定的单位自评", "evaluation.review_final", SelfEvalStatus.SECTION_REVIEWED, "待审定"),
        )
        if membership.can(capability)
    ]
    stats = status_counts(records_visible(user), (status for _title, status, _hint in shown))
    # The unit's lines name the nearest 填报截止 of their records with its countdown (once passed: 已逾期N天).
    to_fill = [s for _t, s, _h in shown if s in (SelfEvalStatus.FILLING, SelfEvalStatus.RETURNED) and stats.get(s)]
    deadlines = (
        dict(
            records_visible(user)
            .filter(status__in=to_fill)
            .order_by()
            .values("status")
            .annotate(nearest=Min("task__deadline"))
            .values_list("status", "nearest")
        )
        if to_fill
        else {}
    )

    def hint_of(status: str, hint: str) -> str:
        nearest = deadlines.get(status)
        if nearest is None:
            return hint
        due = f"最近截止{nearest:%Y-%m-%d}，{countdown(nearest)[1]}"
        return due if status == SelfEvalStatus.FILLING else f"{hint}；{due}"

    url = reverse("evaluation:selfeval_list")
    return [
        TodoItem("单位自评", title, stats.get(status, 0), f"{url}?status={status}", hint_of(status, hint))
        for title, status, hint in shown
    ]


# ---- 再评价 and 真实性核查 (views_reeval, views_upper) ------------------------------------------------------------


def reeval_batch_get(user: Any, pk: Any) -> ReEvaluationBatch:
    return ReEvaluationBatch.objects.select_related("region", "department").get_visible_or_404(user, pk=pk)


def reeval_batches(user: Any, *, open_only: bool = False) -> QuerySet[ReEvaluationBatch]:
    """The user's batches, newest first; `open_only`: those not 已办结 (the 待办 “未办结的再评价批次”)."""
    batches = ReEvaluationBatch.objects.visible_to(user)
    if open_only:
        batches = batches.exclude(status=ReEvaluationBatch.Status.FINISHED)
    return batches.select_related("department").order_by("-id")  # type: ignore[no-any-return]


def reeval_samples_open(user: Any, *, to_score: bool = False) -> QuerySet[ReEvaluationSample]:
    """The samples of drawn batches the user re-scores, the unscored first (NULLS FIRST: PostgreSQL puts them last
    otherwise). `to_score`: only those the 待办 line counts (`reeval_samples_to_score`)."""
    samples = reeval_samples_to_score(user) if to_score else ReEvaluationSample.objects.visible_to(user)
    return (
        samples.filter(batch__status=ReEvaluationBatch.Status.DRAWN)
        .select_related("batch", "self_eval", "self_eval__department", "self_eval__unit")
        .order_by(F("re_score").asc(nulls_first=True), "batch_id", "code")
    )


def reeval_samples_to_score(user: Any) -> QuerySet[ReEvaluationSample]:
    """The 待办 “待评分的再评价样本”: unscored samples of drawn batches; the performance section's are those it scores
    itself (not commissioned to an agency), an agency's are its own."""
    samples = ReEvaluationSample.objects.visible_to(user).filter(
        batch__status=ReEvaluationBatch.Status.DRAWN, re_score__isnull=True
    )
    membership = user.active_membership
    if membership is None or membership.role != "agency":
        samples = samples.filter(agency__isnull=True)
    return samples  # type: ignore[no-any-return]


def rescore_refusal(user: Any, sample: ReEvaluationSample) -> DomainError | None:
    """Why the user may not re-score the sample, None when they may: its batch is still being scored, and a sample
    commissioned to an agency is scored by the agency's staff only (the performance section reads it). The sample
    page offers the grid when None; `services_reeval.sample_rescore` raises the refusal on the locked row."""
    if sample.batch.status != ReEvaluationBatch.Status.DRAWN:
        return ConflictError("批次已完成，不能再评分")
    if getattr(user.active_membership, "role", "") != "agency" and sample.agency_id:
        return DomainError(f"该样本已委托“{sample.agency_name}”评分")
    return None


def reeval_sample_get(user: Any, pk: Any) -> ReEvaluationSample:
    samples = ReEvaluationSample.objects.visible_to(user).select_related(
        "batch", "self_eval", "self_eval__department", "self_eval__unit", "agency"
    )
    return get_object_or_404(samples, pk=pk)


def sample_record(sample: ReEvaluationSample) -> tuple[list[SelfEvalIndicator], list[SelfEvalEvidence]]:
    """What the re-scorer reads of the sampled self-evaluation: its indicator rows (year target, reported actual,
    deviation analysis), each with its 佐证资料 as `files`, and the files tied to no row. An agency sees no
    self-evaluation otherwise (its scope is its samples)."""
    record = sample.self_eval
    rows = list(record.indicators.order_by("seq", "id"))
    by_row: dict[int | None, list[SelfEvalEvidence]] = {}
    for evidence in record_evidence(record):
        by_row.setdefault(evidence.row_id, []).append(evidence)
    for row in rows:
        row.files = by_row.pop(row.pk, [])  # type: ignore[attr-defined]
    # Files of a row no longer among the rows count as untied, as on the record page.
    untied = [f for files in by_row.values() for f in files]
    return rows, untied


def sample_evidence_get(user: Any, pk: Any, evidence_pk: Any) -> SelfEvalEvidence:
    """A 佐证资料 file of a sample the user re-scores (or oversees); a file of another record is 404."""
    sample = reeval_sample_get(user, pk)
    evidence = sample.self_eval.evidence.filter(pk=evidence_pk).first()
    if evidence is None:
        raise Http404
    evidence.self_eval = sample.self_eval
    return evidence


def authenticity_check_get(user: Any, pk: Any) -> AuthenticityCheck:
    return AuthenticityCheck.objects.select_related("organiser").get_visible_or_404(user, pk=pk)


def authenticity_checks(user: Any, *, open_only: bool = False) -> QuerySet[AuthenticityCheck]:
    """The user's checks, newest first; `open_only`: those not 已办结 (the 待办 “未办结的真实性核查”)."""
    checks = AuthenticityCheck.objects.visible_to(user)
    if open_only:
        checks = checks.exclude(status=AuthenticityCheck.Status.FINISHED)
    return checks.select_related("organiser").order_by("-id")  # type: ignore[no-any-return]
