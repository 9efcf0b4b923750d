"""Candidate problems (待整改问题) computed from the records of every earlier stage.

Each source reads its app's rows through that app's own scope (`visible_to`), so a viewer is offered only what they
may see. The source apps are read, never written. A candidate is keyed by its record (`app_label.model:pk`); a
record already taken up as a Finding is left out, in the same statement (`NOT EXISTS`).

A source is a queryset of problem records and a function turning one record into a `Candidate`: the list is
counted and sliced in the database (`CandidateList`), so a province's 43,000 red lights cost a count and the 100 rows
of the page shown, not 43,000 Python objects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from jixiao.alerts.models import CaseStatus, Color, ProjectLight, WarningCase
from jixiao.alerts.selectors import region_light_count
from jixiao.core.numbers import MAX_ID, is_digits
from jixiao.evaluation.models import AuthenticityItem, ReEvaluationSample, SelfEvalStatus, SelfEvaluation
from jixiao.inspections.models import Inspection
from jixiao.keyeval.models import KeyEvalGrade, KeyEvaluation
from jixiao.preassessment.models import Conclusion, PreAssessment, PreAssessmentStatus
from jixiao.rectification.models import Category, Finding, Severity, SourceType
from jixiao.targets.models import Grade, PerformanceTarget, TargetStatus


@dataclass(frozen=True)
class Candidate:
    key: str
    source_type: str
    fiscal_year: int
    region_id: int
    department_id: int
    unit_id: int | None
    project_id: int | None
    subject: str
    label: str
    description: str
    category: str
    severity: str

    @property
    def source_type_label(self) -> str:
        return str(SourceType(self.source_type).label)

    @property
    def severity_label(self) -> str:
        return str(Severity(self.severity).label)

    @property
    def category_label(self) -> str:
        return str(Category(self.category).label)


def candidate_key(obj: models.Model) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def _project_fields(project: Any) -> dict[str, Any]:
    return {
        "region_id": project.region_id,
        "department_id": project.department_id,
        "unit_id": project.unit_id,
        "project_id": project.pk,
        "subject": f"{project.code} {project.name}",
    }


PA_SEVERITY = {
    Conclusion.REJECT: Severity.HIGH,
    Conclusion.DEFER: Severity.MEDIUM,
    Conclusion.SUPPORT_AFTER_ADJUSTMENT: Severity.LOW,
}


def _preassessment_rows(user: Any, year: int) -> QuerySet[Any]:
    return (
        PreAssessment.objects.visible_to(user)
        .filter(fiscal_year=year, status=PreAssessmentStatus.CONCLUDED, conclusion__in=list(PA_SEVERITY))
        .select_related("project")
    )


def _preassessment(pa: Any) -> Candidate:
    opinion = (getattr(pa, "conclusion_opinion", "") or "").strip()
    return Candidate(
        key=candidate_key(pa),
        source_type=SourceType.PRE_ASSESSMENT,
        fiscal_year=pa.fiscal_year,
        label=f"事前评估结论：{pa.get_conclusion_display()}",
        description=f"事前绩效评估结论为“{pa.get_conclusion_display()}”。{opinion}".strip(),
        category=Category.DECISION,
        severity=PA_SEVERITY[Conclusion(pa.conclusion)],
        **_project_fields(pa.project),
    )


def _target_rows(user: Any, year: int) -> QuerySet[Any]:
    return (
        PerformanceTarget.objects.visible_to(user)
        .filter(fiscal_year=year)
        .filter(Q(status__in=[TargetStatus.RETURNED, TargetStatus.REJECTED]) | Q(review_grade=Grade.POOR))
        .select_related("project")
    )


def _target(target: Any) -> Candidate:
    grade = target.get_review_grade_display() if target.review_grade else ""
    what = f"审核等级“{grade}”" if target.review_grade == Grade.POOR else f"{target.get_status_display()}"
    fields = (
        _project_fields(target.project)
        if target.project_id
        else {
            "region_id": target.region_id,
            "department_id": target.department_id,
            "unit_id": target.unit_id,
            "project_id": None,
            "subject": target.name,
        }
    )
    return Candidate(
        key=candidate_key(target),
        source_type=SourceType.TARGET_REVIEW,
        fiscal_year=target.fiscal_year,
        label=f"绩效目标审核：{what}",
        description=f"绩效目标“{target.name}”{what}，目标设置不够明确、细化、量化。",
        category=Category.TARGET,
        severity=Severity.HIGH if target.status == TargetStatus.REJECTED else Severity.MEDIUM,
        **fields,
    )


def _red_light_rows(user: Any, year: int) -> QuerySet[Any]:
    return ProjectLight.objects.visible_to(user).filter(fiscal_year=year, color=Color.RED).select_related("project")


def _red_light_count(user: Any, year: int) -> int | None:
    return region_light_count(user, year, Color.RED)


def _red_light(light: Any) -> Candidate:
    reasons = "；".join(str(r) for r in (light.reasons or [])[:3])
    return Candidate(
        key=candidate_key(light),
        source_type=SourceType.MONITORING,
        fiscal_year=light.fiscal_year,
        label="运行监控红灯预警",
        description=f"绩效运行监控亮红灯。{reasons}".strip(),
        category=Category.IMPLEMENTATION,
        severity=Severity.HIGH,
        **_project_fields(light.project),
    )


def _overdue_case_rows(user: Any, year: int) -> QuerySet[Any]:
    return (
        WarningCase.objects.visible_to(user)
        .filter(fiscal_year=year, status=CaseStatus.OVERDUE)
        .select_related("project")
    )


def _overdue_case(case: Any) -> Candidate:
    return Candidate(
        key=candidate_key(case),
        source_type=SourceType.MONITORING,
        fiscal_year=case.fiscal_year,
        label=f"预警处置逾期（{case.rule_code}）",
        description=f"红灯预警处置逾期未办（期限{case.due_date:%Y-%m-%d}）。{case.reason}".strip(),
        category=Category.IMPLEMENTATION,
        severity=Severity.HIGH,
        **_project_fields(case.project),
    )


REVIEWED_SELF_EVAL = [
    SelfEvalStatus.SUBMITTED,
    SelfEvalStatus.DEPT_REVIEWED,
    SelfEvalStatus.SECTION_REVIEWED,
    SelfEvalStatus.FIN_REVIEWED,
]


def _self_eval_rows(user: Any, year: int) -> QuerySet[Any]:
    return (
        SelfEvaluation.objects.visible_to(user)
        .filter(fiscal_year=year, status__in=REVIEWED_SELF_EVAL)
        .filter(Q(grade_computed__in=["中", "差"]) | Q(error_count__gt=0))
        .select_related("project")
    )


def _self_eval(record: Any) -> Candidate:
    parts = []
    if record.grade_computed in ("中", "差"):
        parts.append(f"自评等级为“{record.grade_computed}”")
    if record.error_count:
        parts.append(f"有{record.error_count}项错误校验")
    return Candidate(
        key=candidate_key(record),
        source_type=SourceType.SELF_EVAL,
        fiscal_year=record.fiscal_year,
        label="单位自评：" + "，".join(parts),
        description=f"“{record.name}”{'，'.join(parts)}。",
        category=Category.OUTPUT if record.grade_computed else Category.AUTHENTICITY,
        severity=Severity.HIGH if record.grade_computed == "差" or record.error_count else Severity.MEDIUM,
        **_self_eval_fields(record),
    )


def _subject(record: Any) -> dict[str, Any]:
    return {
        "region_id": record.region_id,
        "department_id": record.department_id,
        "unit_id": record.unit_id,
        "project_id": None,
        "subject": record.name,
    }


def _self_eval_fields(record: SelfEvaluation) -> dict[str, Any]:
    return _project_fields(record.project) if record.project_id else _subject(record)


def _re_eval_rows(user: Any, year: int) -> QuerySet[Any]:
    return (
        ReEvaluationSample.objects.visible_to(user)
        .filter(batch__fiscal_year=year, flagged=True)
        .select_related("self_eval__project", "batch")
    )


def _re_eval(sample: Any) -> Candidate:
    record = sample.self_eval
    return Candidate(
        key=candidate_key(sample),
        source_type=SourceType.RE_EVAL,
        fiscal_year=sample.batch.fiscal_year,
        label=f"再评价分差{sample.gap}分",
        description=(
            f"“{record.name}”自评{sample.self_score}分（{sample.self_grade}），再评价{sample.re_score}分"
            f"（{sample.re_grade}），分差{sample.gap}分。{sample.opinion}"
        ).strip(),
        category=Category.AUTHENTICITY,
        severity=Severity.MEDIUM,
        **_self_eval_fields(record),
    )


AUTH_PROBLEMS = [
    AuthenticityItem.Finding.INSUFFICIENT_EVIDENCE,
    AuthenticityItem.Finding.INCONSISTENT,
    AuthenticityItem.Finding.FALSIFIED,
]


def _authenticity_rows(user: Any, year: int) -> QuerySet[Any]:
    from jixiao.evaluation.models import AuthenticityCheck

    checks = AuthenticityCheck.objects.visible_to(user).filter(fiscal_year=year).values("pk")
    return AuthenticityItem.objects.filter(check_batch__in=checks, finding__in=AUTH_PROBLEMS).select_related(
        "self_eval__project", "check_batch"
    )


def _authenticity(item: Any) -> Candidate:
    return Candidate(
        key=candidate_key(item),
        source_type=SourceType.AUTHENTICITY,
        fiscal_year=item.check_batch.fiscal_year,
        label=f"真实性核查：{item.get_finding_display()}",
        description=(
            f"指标“{item.indicator_name}”填报完成值“{item.reported_value}”，核实值“{item.verified_value}”，"
            f"核查结论：{item.get_finding_display()}。{item.evidence_note}"
        ).strip(),
        category=Category.AUTHENTICITY,
        severity=Severity.HIGH if item.finding == AuthenticityItem.Finding.FALSIFIED else Severity.MEDIUM,
        **_self_eval_fields(item.self_eval),
    )


def _key_eval_rows(user: Any, year: int) -> QuerySet[Any]:
    # A lower-government or cross-department evaluation (no department, several projects) has no single addressee.
    return (
        KeyEvaluation.objects.visible_to(user)
        .filter(fiscal_year=year, grade__in=[KeyEvalGrade.FAIR, KeyEvalGrade.POOR])
        .annotate(project_count=Count("projects", distinct=True))
        .filter(Q(department__isnull=False) | Q(project_count=1))
        .prefetch_related("projects")
    )


def _key_eval(evaluation: Any) -> Candidate:
    projects = list(evaluation.projects.all())
    project = projects[0] if len(projects) == 1 else None
    fields = (
        _project_fields(project)
        if project is not None
        else {
            "region_id": evaluation.region_id,
            "department_id": evaluation.department_id,
            "unit_id": None,
            "project_id": None,
            "subject": evaluation.title,
        }
    )
    return Candidate(
        key=candidate_key(evaluation),
        source_type=SourceType.KEY_EVAL,
        fiscal_year=evaluation.fiscal_year,
        label=f"{evaluation.get_kind_display()}等级“{evaluation.get_grade_display()}”",
        description=(
            f"{evaluation.get_kind_display()}“{evaluation.title}”得分{evaluation.total_score}，"
            f"等级“{evaluation.get_grade_display()}”。{evaluation.suggestions[:500]}"
        ).strip(),
        category=Category.BENEFIT,
        severity=Severity.HIGH if evaluation.grade == KeyEvalGrade.POOR else Severity.MEDIUM,
        **fields,
    )


def _inspection_rows(user: Any, year: int) -> QuerySet[Any]:
    # The 季度检查 that found a problem (seed 003 S40); the checked department rectifies.
    return (
        Inspection.objects.visible_to(user).filter(fiscal_year=year).exclude(findings="").select_related("department")
    )


def _inspection(inspection: Any) -> Candidate:
    return Candidate(
        key=candidate_key(inspection),
        source_type=SourceType.INSPECTION,
        fiscal_year=inspection.fiscal_year,
        region_id=inspection.region_id,
        department_id=inspection.department_id,
        unit_id=None,
        project_id=None,
        subject=inspection.department.name,
        label=f"{inspection.get_quarter_display()}{inspection.subject}检查（{inspection.inspected_on:%Y-%m-%d}）",
        description=inspection.findings.strip()[:4000],
        category=Category.FUNDS,
        severity=Severity.MEDIUM,
    )


@dataclass(frozen=True)
class Source:
    """The records of one kind that are problems (visible to the user, of the year) and how one becomes a Candidate."""

    source_type: str
    rows: Callable[[Any, int], QuerySet[Any]]
    candidate: Callable[[Any], Candidate]
    # The number of `rows` from a read model when the user's scope allows it (None: count the rows).
    read_count: Callable[[Any, int], int | None] | None = None

    def open_rows(self, user: Any, year: int) -> QuerySet[Any]:
        """The problem records not yet taken up as a Finding, in a stable order (pages slice it)."""
        rows = self.rows(user, year)
        return rows.filter(~Exists(self._taken(rows).filter(source_object_id=OuterRef("pk")))).order_by("pk")

    def open_count(self, user: Any, year: int, open_rows: QuerySet[Any]) -> int:
        """`open_rows(…).count()`; with a read model, its count less the records taken up (read from the few
        Findings of this source, not by scanning a province's problem records)."""
        total = self.read_count(user, year) if self.read_count is not None else None
        if total is None:
            return open_rows.count()
        rows = self.rows(user, year)
        return max(total - rows.filter(pk__in=self._taken(rows).values("source_object_id")).count(), 0)

    @staticmethod
    def _taken(rows: QuerySet[Any]) -> QuerySet[Finding]:
        return Finding.objects.filter(source_content_type=ContentType.objects.get_for_model(rows.model))


SOURCES: tuple[Source, ...] = (
    Source(SourceType.PRE_ASSESSMENT, _preassessment_rows, _preassessment),
    Source(SourceType.TARGET_REVIEW, _target_rows, _target),
    Source(SourceType.MONITORING, _red_light_rows, _red_light, _red_light_count),
    Source(SourceType.MONITORING, _overdue_case_rows, _overdue_case),
    Source(SourceType.SELF_EVAL, _self_eval_rows, _self_eval),
    Source(SourceType.RE_EVAL, _re_eval_rows, _re_eval),
    Source(SourceType.AUTHENTICITY, _authenticity_rows, _authenticity),
    Source(SourceType.KEY_EVAL, _key_eval_rows, _key_eval),
    Source(SourceType.INSPECTION, _inspection_rows, _inspection),
)


class CandidateList(Sequence[Candidate]):
    """The open candidates of a user and year (optionally one source type), in source order: `len()` is one COUNT
    per source and a slice reads only the rows it covers, so the paginator never builds the whole list."""

    def __init__(self, user: Any, year: int, source_type: str = "") -> None:
        self._user, self._year = user, year
        self._parts = [
            (source, source.open_rows(user, year))
            for source in SOURCES
            if not source_type or source.source_type == source_type
        ]
        self._counts: list[int] | None = None

    def _sizes(self) -> list[int]:
        if self._counts is None:
            self._counts = [source.open_count(self._user, self._year, rows) for source, rows in self._parts]
        return self._counts

    def __len__(self) -> int:
        return sum(self._sizes())

    def __iter__(self) -> Iterator[Candidate]:
        for source, rows in self._parts:
            for row in rows:
                yield source.candidate(row)

    @overload
    def __getitem__(self, index: int) -> Candidate: ...

    @overload
    def __getitem__(self, index: slice) -> list[Candidate]: ...

    def __getitem__(self, index: int | slice) -> Candidate | list[Candidate]:
        if isinstance(index, int):
            position = index if index >= 0 else len(self) + index
            one = self[position : position + 1] if position >= 0 else []
            if not one:
                raise IndexError(index)
            return one[0]
        start, stop, step = index.indices(len(self))
        if step != 1:
            raise ValueError("CandidateList slices have no step")
        found: list[Candidate] = []
        offset = 0
        for (source, rows), size in zip(self._parts, self._sizes(), strict=True):
            low, high = max(start - offset, 0), min(stop - offset, size)
            if low < high:
                found.extend(source.candidate(row) for row in rows[low:high])
            offset += size
        return found


def candidates(user: Any, fiscal_year: int, source_type: str = "") -> list[Candidate]:
    """Every problem a stage has found for the year that is not yet a Finding, visible to `user` (the whole list:
    pages use `CandidateList`)."""
    return list(CandidateList(user, fiscal_year, source_type))


def candidates_by_key(user: Any, fiscal_year: int, keys: Iterable[str]) -> dict[str, Candidate]:
    """The open candidates among `keys` that `user` may take up; a key outside the scope, already taken or not a
    candidate at all is simply absent."""
    wanted: dict[str, set[int]] = {}
    for key in keys:
        label, _, pk = key.partition(":")
        if is_digits(pk) and int(pk) <= MAX_ID:  # an id: not "²" (int() refuses it), not beyond a bigint
            wanted.setdefault(label, set()).add(int(pk))
    found: dict[str, Candidate] = {}
    for source in SOURCES:
        rows = source.open_rows(user, fiscal_year)
        pks = wanted.get(rows.model._meta.label_lower)
        if pks:
            for row in rows.filter(pk__in=pks):
                candidate = source.candidate(row)
                found[candidate.key] = candidate
    return found


def source_object(key: str) -> tuple[ContentType, int]:
    label, _, pk = key.partition(":")
    app_label, model = label.split(".")
    return ContentType.objects.get_by_natural_key(app_label, model), int(pk)
