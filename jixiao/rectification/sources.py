"""Candidate problems (待整改问题) computed from the records of every earlier stage.

Each source reads its app's rows through that app's own scope (`visible_to`), so a viewer is offered only what they
may see. The source apps are read, never written. A candidate is keyed by its record (`app_label.model:pk`); a
record already taken up as a Finding is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from jixiao.alerts.models import CaseStatus, Color, ProjectLight, WarningCase
from jixiao.evaluation.models import AuthenticityItem, ReEvaluationSample, SelfEvalStatus, SelfEvaluation
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


def _preassessment(user: Any, year: int) -> Iterable[Candidate]:
    rows = (
        PreAssessment.objects.visible_to(user)
        .filter(fiscal_year=year, status=PreAssessmentStatus.CONCLUDED, conclusion__in=list(PA_SEVERITY))
        .select_related("project")
    )
    for pa in rows:
        opinion = (getattr(pa, "conclusion_opinion", "") or "").strip()
        yield Candidate(
            key=candidate_key(pa),
            source_type=SourceType.PRE_ASSESSMENT,
            fiscal_year=pa.fiscal_year,
            label=f"事前评估结论：{pa.get_conclusion_display()}",
            description=f"事前绩效评估结论为“{pa.get_conclusion_display()}”。{opinion}".strip(),
            category=Category.DECISION,
            severity=PA_SEVERITY[Conclusion(pa.conclusion)],
            **_project_fields(pa.project),
        )


def _targets(user: Any, year: int) -> Iterable[Candidate]:
    rows = (
        PerformanceTarget.objects.visible_to(user)
        .filter(fiscal_year=year)
        .filter(models.Q(status__in=[TargetStatus.RETURNED, TargetStatus.REJECTED]) | models.Q(review_grade=Grade.POOR))
        .select_related("project")
    )
    for target in rows:
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
        yield Candidate(
            key=candidate_key(target),
            source_type=SourceType.TARGET_REVIEW,
            fiscal_year=target.fiscal_year,
            label=f"绩效目标审核：{what}",
            description=f"绩效目标“{target.name}”{what}，目标设置不够明确、细化、量化。",
            category=Category.TARGET,
            severity=Severity.HIGH if target.status == TargetStatus.REJECTED else Severity.MEDIUM,
            **fields,
        )


def _monitoring(user: Any, year: int) -> Iterable[Candidate]:
    lights = ProjectLight.objects.visible_to(user).filter(fiscal_year=year, color=Color.RED).select_related("project")
    for light in lights:
        reasons = "；".join(str(r) for r in (light.reasons or [])[:3])
        yield Candidate(
            key=candidate_key(light),
            source_type=SourceType.MONITORING,
            fiscal_year=light.fiscal_year,
            label="运行监控红灯预警",
            description=f"绩效运行监控亮红灯。{reasons}".strip(),
            category=Category.IMPLEMENTATION,
            severity=Severity.HIGH,
            **_project_fields(light.project),
        )
    cases = WarningCase.objects.visible_to(user).filter(fiscal_year=year, status=CaseStatus.OVERDUE)
    for case in cases.select_related("project"):
        yield Candidate(
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


def _self_eval(user: Any, year: int) -> Iterable[Candidate]:
    rows = (
        SelfEvaluation.objects.visible_to(user)
        .filter(fiscal_year=year, status__in=REVIEWED_SELF_EVAL)
        .filter(models.Q(grade_computed__in=["中", "差"]) | models.Q(error_count__gt=0))
        .select_related("project")
    )
    for record in rows:
        parts = []
        if record.grade_computed in ("中", "差"):
            parts.append(f"自评等级为“{record.grade_computed}”")
        if record.error_count:
            parts.append(f"有{record.error_count}项错误校验")
        fields = _project_fields(record.project) if record.project_id else _subject(record)
        yield Candidate(
            key=candidate_key(record),
            source_type=SourceType.SELF_EVAL,
            fiscal_year=record.fiscal_year,
            label="单位自评：" + "，".join(parts),
            description=f"“{record.name}”{'，'.join(parts)}。",
            category=Category.OUTPUT if record.grade_computed else Category.AUTHENTICITY,
            severity=Severity.HIGH if record.grade_computed == "差" or record.error_count else Severity.MEDIUM,
            **fields,
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


def _re_eval(user: Any, year: int) -> Iterable[Candidate]:
    rows = (
        ReEvaluationSample.objects.visible_to(user)
        .filter(batch__fiscal_year=year, flagged=True)
        .select_related("self_eval__project", "batch")
    )
    for sample in rows:
        record = sample.self_eval
        yield Candidate(
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


def _authenticity(user: Any, year: int) -> Iterable[Candidate]:
    from jixiao.evaluation.models import AuthenticityCheck

    checks = AuthenticityCheck.objects.visible_to(user).filter(fiscal_year=year).values("pk")
    rows = (
        AuthenticityItem.objects.filter(check_batch__in=checks, finding__in=AUTH_PROBLEMS)
        .select_related("self_eval__project", "check_batch")
        .order_by("pk")
    )
    for item in rows:
        yield Candidate(
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


def _key_eval(user: Any, year: int) -> Iterable[Candidate]:
    rows = (
        KeyEvaluation.objects.visible_to(user)
        .filter(fiscal_year=year, grade__in=[KeyEvalGrade.FAIR, KeyEvalGrade.POOR])
        .prefetch_related("projects")
    )
    for evaluation in rows:
        projects = list(evaluation.projects.all())
        project = projects[0] if len(projects) == 1 else None
        department_id = evaluation.department_id or (project.department_id if project else None)
        if department_id is None:
            continue  # a lower-government or cross-department evaluation has no single addressee
        fields = (
            _project_fields(project)
            if project is not None
            else {
                "region_id": evaluation.region_id,
                "department_id": department_id,
                "unit_id": None,
                "project_id": None,
                "subject": evaluation.title,
            }
        )
        yield Candidate(
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


SOURCES: tuple[Callable[[Any, int], Iterable[Candidate]], ...] = (
    _preassessment,
    _targets,
    _monitoring,
    _self_eval,
    _re_eval,
    _authenticity,
    _key_eval,
)


def taken_keys(keys: Iterable[str]) -> set[str]:
    """Keys of records that already have a Finding."""
    by_model: dict[str, set[int]] = {}
    for key in keys:
        label, _, pk = key.partition(":")
        by_model.setdefault(label, set()).add(int(pk))
    taken: set[str] = set()
    for label, pks in by_model.items():
        app_label, model = label.split(".")
        ct = ContentType.objects.get_by_natural_key(app_label, model)
        for object_id in Finding.objects.filter(source_content_type=ct, source_object_id__in=pks).values_list(
            "source_object_id", flat=True
        ):
            taken.add(f"{label}:{object_id}")
    return taken


def candidates(user: Any, fiscal_year: int, source_type: str = "") -> list[Candidate]:
    """Every problem a stage has found for the year that is not yet a Finding, visible to `user`."""
    found: list[Candidate] = []
    for source in SOURCES:
        found.extend(source(user, fiscal_year))
    if source_type:
        found = [c for c in found if c.source_type == source_type]
    taken = taken_keys(c.key for c in found)
    return [c for c in found if c.key not in taken]


def source_object(key: str) -> tuple[ContentType, int]:
    label, _, pk = key.partition(":")
    app_label, model = label.split(".")
    return ContentType.objects.get_by_natural_key(app_label, model), int(pk)
