"""Demo 事前绩效评估 (stage 1, DOMAIN.md §2.1): a handful of the demo county's new projects above the threshold of
the rule in force, filed by the unit (or the department), reviewed by 县教育局 and 教科文股 and concluded by the
performance section, in every conclusion and in progress:

- 予以支持 after an expert panel (expert1–3) scored all five dimensions;
- 核减后支持 after the demo agency (agency1) reviewed it, the project's amount cut to the supported amount;
- 调整后支持 still awaiting the revised plan, 暂缓支持 (with the reason for departing from the score), 不予支持;
- one under expert scoring (expert1 has it in its 待办, jxg has it to conclude), one waiting for 县教育局's review,
  and one 县人民医院 draft (health_unit's 待办).

Supportive conclusions go to projects already on their way into (or in) the library, since the project gate lets a
new project above the threshold in only with one; the others go to draft or returned projects, which stay out of
the library. Where the county has too few such projects (small scales), 县第一中学 files new ones through the project
services, and a supported one is then walked into the library through the project workflow (the gate passes).

This round goes through the services, as the personas would do it. Every other project of this year or last that
the rule sends to assessment and that is in the library or on its way there got through the same gate in an earlier
round: it holds a concluded 予以支持 or 核减后支持 from the autumn before its budget year, with its filing, reviews and
feasibility study (written in bulk: a few queries), so no project past the gate shows “须评估·未申报”. Deterministic
for a seed."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import F, Q
from django.utils import timezone

from jixiao.accounts.capabilities import Role
from jixiao.accounts.models import User
from jixiao.core.models import stored_file_path
from jixiao.demo.experts import AGENCY
from jixiao.demo.pdf import demo_pdf
from jixiao.experts.models import Agency
from jixiao.organizations.models import BudgetUnit
from jixiao.preassessment import panels, selectors, services
from jixiao.preassessment.models import (
    Attachment,
    Conclusion,
    PreAssessment,
    PreAssessmentEvent,
    PreAssessmentRuleSet,
    PreAssessmentStatus,
    ScoringTemplate,
)
from jixiao.preassessment.workflow import CONCLUDE, PREASSESSMENT_WORKFLOW
from jixiao.projects import services as project_services
from jixiao.projects.models import Project, ProjectStatus

DEPARTMENT = "县教育局"
SCHOOL = "县第一中学"
HOSPITAL = "县人民医院"
EXPERT_FIELD = "教育"
PANEL_SIZE = 3
SCORING_DAYS = 14
PDF = demo_pdf("Jixiao demo: pre-assessment document")
PDF_SHA256 = hashlib.sha256(PDF).hexdigest()
WAN = Decimal(10000)
PERSONAS = ("jxg", "jkw", "edu_admin", "edu_unit", "health_unit", "agency1", "expert1", "expert2", "expert3")

S = ProjectStatus
# Projects a supportive conclusion may go to: on their way into the library or in it (the gate let them pass).
SUPPORTIVE_STATUSES = (S.SUBMITTED, S.DEPT_APPROVED, S.IN_LIBRARY)
# Projects the other cases go to: not in the library, and kept out of it by the gate.
OPEN_STATUSES = (S.DRAFT, S.RETURNED)

# New projects 县第一中学 files when the county has too few (name, amount range in 万元).
NEW_PROJECTS = (
    ("县第一中学学生宿舍楼新建工程", 220, 300),
    ("县第一中学智慧校园建设", 90, 180),
    ("县第一中学标准化考点建设", 45, 90),
    ("县第一中学学生食堂提升改造", 60, 120),
    ("县第一中学图书馆数字化建设", 40, 80),
    ("县第一中学理化生实验室改造", 50, 100),
    ("县第一中学运动场改造", 70, 150),
)
HOSPITAL_PROJECT = ("县人民医院急诊急救能力提升建设", 150, 300)

# Report text (DOMAIN.md §2.1 outline); {name} is the project, {unit} the filing unit.
SECTIONS = {
    "basic_situation": "{name}由{unit}实施，拟申请县级财政资金{amount}万元，实施期为{period}。",
    "necessity": "项目符合县“十四五”规划和单位职能，现有设施不能满足需求，群众反映迫切，与现有项目不重复。",
    "economy": "预算按现行定额标准和近期市场询价测算，明细清晰；已通过方案比选压减非必要支出。",
    "target_reasonableness": "设定了数量、质量、时效、社会效益和满意度指标，指标值已细化量化，与资金规模相匹配。",
    "implementation_feasibility": "实施方案明确了组织分工、进度安排和验收方式，招标采购按规定程序开展，风险已评估。",
    "funding_compliance": "资金来源为县级一般公共预算，不涉及举债融资，财政承受能力经论证可行。",
}
OPINIONS = {
    Conclusion.SUPPORT: "项目立项依据充分，预算测算合理，绩效目标明确，实施方案可行，同意予以支持。",
    Conclusion.SUPPORT_REDUCED: "项目必要，但部分设备购置单价偏高、预备费比例偏大，按第三方评审意见核减后予以支持。",
    Conclusion.SUPPORT_AFTER_ADJUSTMENT: "绩效指标量化不足，实施进度安排过于集中，请细化指标、调整实施方案后再行确认。",
    Conclusion.DEFER: "项目必要，但用地和规划手续尚未办结，暂缓支持，手续完备后重新申报。",
    Conclusion.REJECT: "项目与已安排的项目内容交叉重复，测算依据不足，绩效目标不明确，不予支持。",
}
DEFER_REASON = "评分对应“调整后支持”，但项目用地和规划手续尚未办结，本年度不具备实施条件，改为暂缓支持"

# The earlier rounds' conclusions (weights) for the projects that went in: most 予以支持 at 80–95 points, the rest
# 核减后支持 at 66–79.5 points (the score's 调整后支持, acted on by a cut) to 80–92% of the request; seed 000: 63 of 68
# supported, 8% of the money asked for cut.
ARCHIVE_CONCLUSIONS = {Conclusion.SUPPORT: 65, Conclusion.SUPPORT_REDUCED: 35}
ARCHIVE_SCORES = {Conclusion.SUPPORT: (8000, 9500), Conclusion.SUPPORT_REDUCED: (6600, 7950)}  # in 0.01 points
ARCHIVE_SHARE = (80, 92)  # % of the request a 核减后支持 keeps
ARCHIVE_OPINIONS = {
    Conclusion.SUPPORT: OPINIONS[Conclusion.SUPPORT],
    Conclusion.SUPPORT_REDUCED: "项目必要，实施方案基本可行，但部分支出测算标准偏高、预备费比例偏大，核减后予以支持。",
}
# Each step of an earlier round: (action, the role that took it, its comment); the conclusion follows.
ARCHIVE_STEPS = (
    ("submit", Role.UNIT_USER, ""),
    ("dept_approve", Role.DEPT_ADMIN, "材料齐全，同意报送。"),
    ("section_pass", Role.BUSINESS, "符合评估范围，提请绩效股评审。"),
)
FEASIBILITY = "可行性研究报告.pdf"


@dataclass
class Cast:
    perf: User
    section: User
    dept: User
    unit: User
    health: User
    agency_user: User
    experts: dict[str, User]


def seed_preassessments(rng: random.Random, county: Any, year: int) -> int:
    """Seed the demo pre-assessments of `year`; return how many were created."""
    users = {u.username: u for u in User.objects.filter(username__in=PERSONAS)}
    agency = Agency.objects.filter(region=county, credit_code=AGENCY["credit_code"]).first()
    if any(name not in users for name in PERSONAS) or agency is None:
        return 0
    cast = Cast(
        perf=users["jxg"],
        section=users["jkw"],
        dept=users["edu_admin"],
        unit=users["edu_unit"],
        health=users["health_unit"],
        agency_user=users["agency1"],
        experts={name: users[name] for name in ("expert1", "expert2", "expert3")},
    )
    _ensure_templates(county, year)
    school = BudgetUnit.objects.filter(region=county, name=SCHOOL).first()
    hospital = BudgetUnit.objects.filter(region=county, name=HOSPITAL).first()
    if school is None or hospital is None:
        return 0
    builder = _Builder(rng, county, year, cast, school)
    supportive = builder.candidates(DEPARTMENT, SUPPORTIVE_STATUSES)
    open_projects = builder.candidates(DEPARTMENT, OPEN_STATUSES)
    # The earlier rounds first (lower ids: the list shows this round's work on top), leaving the two projects this
    # round's supportive conclusions go to.
    builder.archived((year - 1, year), keep=supportive[:2])

    builder.supported(builder.take(supportive), agency=None)
    builder.supported(builder.take(supportive), agency=agency)
    builder.concluded(builder.take(open_projects), Conclusion.SUPPORT_AFTER_ADJUSTMENT, low=64, high=76)
    builder.concluded(builder.take(open_projects), Conclusion.DEFER, low=66, high=78, reason=DEFER_REASON)
    builder.concluded(builder.take(open_projects), Conclusion.REJECT, low=45, high=58)
    builder.under_scoring(builder.take(open_projects))
    builder.submitted(builder.take(open_projects))
    health = builder.candidates(hospital.department.name, OPEN_STATUSES, under=hospital)
    builder.draft(builder.take(health, unit=hospital, template=HOSPITAL_PROJECT, filer=cast.health), cast.health)
    return builder.created


def _ensure_templates(county: Any, year: int) -> None:
    """The national scoring templates normally arrive with the migrations; a flushed test database needs them back."""
    if panels.template_for(county, year, ScoringTemplate.Kind.PROJECT) is None:
        import_module("jixiao.preassessment.migrations.0004_default_scoring_templates").install(apps, None)


def _pdf(name: str) -> ContentFile[bytes]:
    return ContentFile(PDF, name=name)


def _wan(yuan: Decimal) -> Decimal:
    return (yuan / WAN).quantize(Decimal("0.01"))


def _sections(project: Project, amount_yuan: Decimal) -> dict[str, str]:
    """The filing's section texts (SECTIONS) for a project and the amount it asks for."""
    values = {
        "name": project.name,
        "unit": project.unit.name,
        "amount": f"{_wan(amount_yuan).normalize():f}",
        "period": project.period_text,
    }
    return {field: text.format(**values) for field, text in SECTIONS.items()}


class _Builder:
    def __init__(self, rng: random.Random, county: Any, year: int, cast: Cast, school: BudgetUnit) -> None:
        self.rng = rng
        self.county = county
        self.year = year
        self.cast = cast
        self.school = school
        self.rule = selectors.rule_for(county, year)
        self.used: set[int] = set()
        self.new_names = iter(NEW_PROJECTS)
        self.created = 0

    # -- projects

    def candidates(self, department: str, statuses: tuple[str, ...], under: BudgetUnit | None = None) -> list[Project]:
        """The department's new specific-purpose projects that need an assessment under the rule in force, the
        given unit's (or 县第一中学's) first, then by code."""
        unit = under or self.school
        projects = (
            Project.objects.filter(
                region=self.county,
                fiscal_year=self.year,
                department__name=department,
                category=Project.Category.SPECIFIC,
                is_new=True,
                is_policy=False,
                status__in=statuses,
                fiscal_amount_yuan__gte=self.rule.min_amount_yuan,
            )
            .select_related("region", "unit")
            .order_by("code")
        )
        required = [p for p in projects if selectors.assessment_required(p, self.rule)[0]]
        if under is not None:
            required = [p for p in required if p.unit.path.startswith(unit.path)]
        return sorted(required, key=lambda p: not p.unit.path.startswith(unit.path))

    def take(
        self,
        projects: list[Project],
        *,
        unit: BudgetUnit | None = None,
        template: tuple[str, int, int] | None = None,
        filer: User | None = None,
    ) -> Project:
        """The first project not used yet, or a new one the unit files (a draft) when none is left."""
        for project in projects:
            if project.pk not in self.used:
                self.used.add(project.pk)
                return project
        unit = unit or self.school
        name, low, high = template or next(self.new_names)
        amount = Decimal(self.rng.randint(low, high)) * WAN
        project = self._new_project(filer or self.cast.unit, unit, name, amount)
        self.used.add(project.pk)
        return project

    def _new_project(self, filer: User, unit: BudgetUnit, name: str, amount: Decimal) -> Project:
        dept_code = unit.department.dept_code
        codes = Project.objects.filter(region=self.county, fiscal_year=self.year, department=unit.department)
        serial = max((int(code.rsplit("-", 1)[-1]) for code in codes.values_list("code", flat=True)), default=0) + 1
        function_code = (
            Project.objects.filter(
                department=unit.department, fiscal_year=self.year, category=Project.Category.SPECIFIC
            )
            .order_by("unit__level", "code")
            .values_list("function_code", flat=True)
            .first()
        )
        return project_services.project_create(
            actor=filer,
            data={
                "fiscal_year": self.year,
                "code": f"{self.year}-{dept_code}-{serial:04d}",
                "name": name,
                "unit": unit,
                "category": Project.Category.SPECIFIC,
                "is_new": True,
                "budget_book": Project.BudgetBook.GENERAL,
                "function_code": function_code or "2050203",
                "fiscal_amount_yuan": amount,
                "start_year": self.year,
                "end_year": self.year,
                "tier": Project.Tier.A if amount >= 100 * WAN else Project.Tier.B,
                "description": f"{unit.name}拟于{self.year}年新增实施{name}，已完成前期论证。",
            },
        )

    def _into_library(self, project: Project) -> None:
        """A new draft project, once supported, goes through the project workflow into the library."""
        if project.status != S.DRAFT or project.created_by_id is None:
            return
        project.refresh_from_db()
        project = project_services.project_transition(actor=self._filer(project), project=project, action="submit")
        project = project_services.project_transition(actor=self.cast.dept, project=project, action="dept_approve")
        project_services.project_transition(actor=self.cast.section, project=project, action="section_approve")

    # -- assessments

    def _filer(self, project: Project) -> User:
        if project.unit.path.startswith(self.school.path):
            return self.cast.unit
        return self.cast.dept

    def _file(self, project: Project, filer: User | None = None) -> PreAssessment:
        filer = filer or self._filer(project)
        data = _sections(project, project.fiscal_amount_yuan)
        pa = services.preassessment_create(actor=filer, project=project, data={"kind": "project", **data})
        services.attachment_add(
            actor=filer, assessment=pa, kind=Attachment.Kind.FEASIBILITY, upload=_pdf("可行性研究报告.pdf")
        )
        self.created += 1
        return pa

    def _to_review(self, pa: PreAssessment, filer: User | None = None) -> PreAssessment:
        """Submitted by the filer, passed by 县教育局 and 教科文股: waiting for the performance section."""
        pa = services.preassessment_transition(actor=filer or self._filer(pa.project), assessment=pa, action="submit")
        pa = services.preassessment_transition(
            actor=self.cast.dept, assessment=pa, action="dept_approve", comment="材料齐全，同意报送。"
        )
        return services.preassessment_transition(
            actor=self.cast.section, assessment=pa, action="section_pass", comment="符合评估范围，提请绩效股评审。"
        )

    def _panel(self, pa: PreAssessment) -> PreAssessment:
        deadline = timezone.localdate() + timedelta(days=SCORING_DAYS)
        panels.panel_create(
            actor=self.cast.perf,
            assessment=pa,
            field=EXPERT_FIELD,
            size=PANEL_SIZE,
            deadline=deadline,
            seed=self.rng.randrange(2**31),
        )
        return pa

    def _score(self, pa: PreAssessment, experts: list[str], low: float, high: float) -> None:
        """The listed experts score every checkpoint (share `low`..`high` of its points, in half points)."""
        for member in panels.panel_members(pa):
            user = member.expert.user
            if user is None or user.username not in experts:
                continue
            points = {
                item.pk: (item.points * Decimal(str(self.rng.uniform(low, high))) * 2).quantize(
                    Decimal(1), rounding=ROUND_DOWN
                )
                / 2
                for dimension in panels.sheet_items(member)
                for item in dimension.children
            }
            panels.score_submit(actor=user, member=member, points=points, comment="同意专家组意见。")

    def supported(self, project: Project, agency: Agency | None) -> PreAssessment:
        """予以支持 by an expert panel, or (commissioned to the agency) 核减后支持 at about 85–90% of the request."""
        pa = self._to_review(self._file(project))
        if agency is None:
            self._panel(pa)
            self._score(pa, list(self.cast.experts), 0.82, 0.97)
            pa = panels.panel_confirm(actor=self.cast.perf, assessment=pa)
            pa = services.preassessment_conclude(
                actor=self.cast.perf,
                assessment=pa,
                conclusion=Conclusion.SUPPORT,
                score=pa.score,
                opinion=OPINIONS[Conclusion.SUPPORT],
            )
        else:
            pa = panels.agency_assign(actor=self.cast.perf, assessment=pa, agency=agency)
            score = Decimal(self.rng.randint(7000, 7800)) / 100
            pa = panels.agency_review_submit(
                actor=self.cast.agency_user,
                assessment=pa,
                score=score,
                opinion="项目实施必要，方案基本可行；设备购置单价高于市场询价，预备费比例偏高，建议核减后支持。",
                report=_pdf("第三方机构事前评估报告.pdf"),
            )
            share = Decimal(self.rng.randint(85, 90)) / 100
            supported = (pa.requested_amount_yuan * share / WAN).quantize(Decimal(1), rounding=ROUND_DOWN) * WAN
            pa = services.preassessment_conclude(
                actor=self.cast.perf,
                assessment=pa,
                conclusion=Conclusion.SUPPORT_REDUCED,
                supported_amount_yuan=supported,
                score=score,
                opinion=OPINIONS[Conclusion.SUPPORT_REDUCED],
            )
        self._into_library(project)
        return pa

    def concluded(self, project: Project, conclusion: str, *, low: int, high: int, reason: str = "") -> PreAssessment:
        """Concluded by the performance section after its own review (集中会审), with a score in `low`..`high`."""
        pa = self._to_review(self._file(project))
        return services.preassessment_conclude(
            actor=self.cast.perf,
            assessment=pa,
            conclusion=conclusion,
            score=Decimal(self.rng.randint(low * 100, high * 100)) / 100,
            override_reason=reason,
            opinion=OPINIONS[Conclusion(conclusion)],
        )

    def under_scoring(self, project: Project) -> PreAssessment:
        """With the expert panel: one expert has scored, expert1 and another still have it in their 待办."""
        pa = self._panel(self._to_review(self._file(project)))
        self._score(pa, ["expert2"], 0.75, 0.92)
        return pa

    def submitted(self, project: Project) -> PreAssessment:
        """Submitted by the unit, waiting for 县教育局's review."""
        pa = self._file(project)
        return services.preassessment_transition(actor=self._filer(project), assessment=pa, action="submit")

    def draft(self, project: Project, filer: User) -> PreAssessment:
        return self._file(project, filer)

    # -- the earlier rounds

    def archived(self, years: Iterable[int], keep: list[Project]) -> None:
        """A concluded 予以支持 or 核减后支持 for every project of `years` in the library or on its way there that the
        rule in force requires an assessment for (the gate let it pass): written in bulk, a handful of queries."""
        rounds = EarlierRounds(self.rng, self.county, years, perf=self.cast.perf)
        projects = (
            Project.objects.filter(
                rounds.maybe(), region=self.county, fiscal_year__in=rounds.years, status__in=SUPPORTIVE_STATUSES
            )
            .exclude(pk__in=[p.pk for p in keep])
            .exclude(preassessments__isnull=False)
            .select_related("unit")
            .order_by("fiscal_year", "code")
        )
        built = rounds.build(projects)
        if not built.assessments:
            return
        created = PreAssessment.objects.bulk_create(built.assessments)
        PreAssessmentEvent.objects.bulk_create(built.events())
        Attachment.objects.bulk_create(built.attachments(rounds.feasibility_study()))
        built.backdate([pa.pk for pa in created])
        self.created += len(created)


@dataclass
class EarlierRoundRows:
    """The unsaved rows of the earlier rounds: each assessment with the times of its steps."""

    assessments: list[PreAssessment]
    times: list[list[datetime]]
    perf: User | None

    def events(self) -> list[PreAssessmentEvent]:
        """Each assessment filed and submitted at its first time, then each review and the conclusion at the next
        (call once the assessments have their ids)."""
        return [
            event
            for pa, times in zip(self.assessments, self.times, strict=True)
            for event in _archive_events(pa, times, self.perf)
        ]

    def attachments(self, stored: str) -> list[Attachment]:
        """The feasibility study each filing carries: one stored document, the same for all of them."""
        return [
            Attachment(
                assessment=pa,
                kind=Attachment.Kind.FEASIBILITY,
                file=stored,
                original_name=FEASIBILITY,
                size_bytes=len(PDF),
                sha256=PDF_SHA256,
            )
            for pa in self.assessments
        ]

    @staticmethod
    def backdate(ids: list[int]) -> None:
        """Filed and concluded in the autumn before the budget year, not today."""
        PreAssessment.objects.filter(pk__in=ids).update(created_at=F("submitted_at"), updated_at=F("concluded_at"))


class EarlierRounds:
    """The 事前评估 of the rounds before this one, for the projects the gate let into the library (or on their way
    there): a concluded 予以支持 or 核减后支持 from the autumn before the budget year, with its filing, the two
    reviews and the conclusion as events and a feasibility study. Built in memory, so that the demo county writes
    them with bulk_create and the province generator (jixiao/demo/province) with its fast inserts."""

    def __init__(self, rng: random.Random, county: Any, years: Iterable[int], *, perf: User | None) -> None:
        self.rng = rng
        self.perf = perf
        self.years = sorted(years)
        rules = selectors.rules_for([county], self.years)
        self.rule = {y: selectors.pick_rule(rules, county, y) for y in self.years}

    def maybe(self) -> Q:
        """A filter that leaves out only what no rule of these years could send to assessment (the rule decides)."""
        rules = self.rule.values()
        return (
            Q(fiscal_amount_yuan__gte=min(r.min_amount_yuan for r in rules))
            | Q(is_special_bond=True)
            | Q(budget_book__in=[book for r in rules for book in r.budget_books or []])
        )

    def build(self, projects: Iterable[Project]) -> EarlierRoundRows:
        """The rows for those of `projects` (in the order given, which the random draws follow) that are in the
        library or on their way there and that the rule of their year sends to assessment. Each project's `unit`
        must be loaded."""
        required = [
            p
            for p in projects
            if p.status in SUPPORTIVE_STATUSES and selectors.assessment_required(p, self.rule[p.fiscal_year])[0]
        ]
        rows = [self._row(p, self.rule[p.fiscal_year]) for p in required]
        return EarlierRoundRows([pa for pa, _ in rows], [times for _, times in rows], self.perf)

    @staticmethod
    def feasibility_study() -> str:
        """One stored feasibility study: the filed copies of the earlier rounds are the same document."""
        return default_storage.save(stored_file_path(Attachment(), FEASIBILITY), ContentFile(PDF))

    def _row(self, project: Project, rule: PreAssessmentRuleSet) -> tuple[PreAssessment, list[datetime]]:
        """The concluded assessment of `project` and the times of its steps (filing, the two reviews, conclusion)."""
        rng = self.rng
        conclusion = rng.choices(list(ARCHIVE_CONCLUSIONS), weights=list(ARCHIVE_CONCLUSIONS.values()))[0]
        low, high = ARCHIVE_SCORES[conclusion]
        score = Decimal(rng.randint(low, high)) / 100
        supported = project.fiscal_amount_yuan  # the project asks for what was supported
        requested = supported
        if conclusion == Conclusion.SUPPORT_REDUCED:
            share = Decimal(rng.randint(*ARCHIVE_SHARE)) / 100
            requested = (supported / share / WAN).quantize(Decimal(1), rounding=ROUND_UP) * WAN
        # Filed (and submitted) in August or September before the budget year, each review a few days later.
        filed = datetime(project.fiscal_year - 1, 8, 1, 9, tzinfo=timezone.get_current_timezone())
        steps = [filed + timedelta(days=rng.randint(0, 40), minutes=rng.randint(0, 480))]
        for _ in (*ARCHIVE_STEPS[1:], CONCLUDE):
            steps.append(steps[-1] + timedelta(days=rng.randint(2, 12), minutes=rng.randint(0, 480)))
        pa = PreAssessment(
            project=project,
            fiscal_year=project.fiscal_year,
            region_id=project.region_id,
            department_id=project.department_id,
            unit_id=project.unit_id,
            kind=PreAssessment.Kind.POLICY if project.is_policy else PreAssessment.Kind.PROJECT,
            requested_amount_yuan=requested,
            status=PreAssessmentStatus.CONCLUDED,
            submitted_at=steps[0],
            score=score,
            suggested_conclusion=selectors.suggested_conclusion(score, rule),
            conclusion=conclusion,
            conclusion_opinion=ARCHIVE_OPINIONS[conclusion],
            supported_amount_yuan=supported,
            reduction_amount_yuan=requested - supported,
            concluded_at=steps[-1],
            **_sections(project, requested),
        )
        return pa, steps


def _archive_events(pa: PreAssessment, times: list[datetime], perf: User | None) -> list[PreAssessmentEvent]:
    """Filed and submitted at `times[0]`, then each review and the conclusion at the next time."""
    events = [
        PreAssessmentEvent(
            assessment=pa,
            occurred_at=times[0],
            actor_role=Role.UNIT_USER,
            action="create",
            action_label="创建评估申报",
            to_status=PreAssessmentStatus.DRAFT,
        )
    ]
    status: str = PreAssessmentStatus.DRAFT
    for (action, role, comment), when in zip(ARCHIVE_STEPS, times[:-1], strict=True):
        transition = PREASSESSMENT_WORKFLOW.get(status, action)
        events.append(
            PreAssessmentEvent(
                assessment=pa,
                occurred_at=when,
                actor_role=role,
                action=action,
                action_label=transition.label,
                from_status=status,
                to_status=transition.target,
                comment=comment,
            )
        )
        status = transition.target
    events.append(
        PreAssessmentEvent(
            assessment=pa,
            occurred_at=times[-1],
            actor=perf,
            actor_role=Role.PERFORMANCE,
            action=CONCLUDE,
            action_label=f"评估结论：{Conclusion(pa.conclusion).label}",
            from_status=status,
            to_status=PreAssessmentStatus.CONCLUDED,
            comment=pa.conclusion_opinion,
        )
    )
    return events
