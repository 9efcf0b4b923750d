"""Demo 重点绩效评价 and 第三方委托: one finance key evaluation of a 县教育局 project finished with its report (scored
by two finance staff, answered by the department, results issued), one still in fieldwork commissioned to the demo
agency (agency1 has it in its scoring list), the agency's engagement, and last year's 执业质量核查 (优秀).

Everything goes through the services, as the performance section (jxg) would do it."""

from __future__ import annotations

import random
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.files.base import ContentFile

from jixiao.accounts.models import User
from jixiao.core.errors import DomainError
from jixiao.demo.experts import AGENCY
from jixiao.demo.pdf import demo_pdf
from jixiao.experts import services as expert_services
from jixiao.experts.models import Agency
from jixiao.keyeval import selectors, services
from jixiao.keyeval.documents import evaluation_report_docx
from jixiao.keyeval.models import EvalTemplate, KeyEvalDocument, KeyEvaluation
from jixiao.projects.models import Project

DEPARTMENT = "县教育局"
PDF = demo_pdf("Jixiao demo: key evaluation document")


def _pdf(name: str) -> ContentFile[bytes]:
    return ContentFile(PDF, name=name)


def _scores(rng: random.Random, ev: KeyEvaluation, low: float, high: float) -> dict[int, Decimal]:
    return {
        leaf.row.pk: (leaf.row.weight * Decimal(str(rng.uniform(low, high)))).quantize(
            Decimal("0.5"), rounding=ROUND_HALF_UP
        )
        for leaf in selectors.all_leaves(ev)
    }


def _advance(perf: User, ev: KeyEvaluation, until: str) -> KeyEvaluation:
    steps = [
        ("notify", KeyEvalDocument.Kind.NOTICE, "重点绩效评价通知.pdf"),
        ("approve_plan", KeyEvalDocument.Kind.WORK_PLAN, "评价工作方案.pdf"),
        ("start_fieldwork", None, ""),
    ]
    for action, kind, name in steps:
        if kind is not None:
            services.document_add(actor=perf, evaluation=ev, kind=kind, upload=_pdf(name))
        ev = services.evaluation_transition(actor=perf, evaluation=ev, action=action)
        if action == until:
            break
    return ev


def seed_keyeval(rng: random.Random, county: Any, year: int) -> int:
    """Seed the demo key evaluations, engagement and quality review; return how many evaluations were created."""
    users = {u.username: u for u in User.objects.filter(username__in=["jxg", "ysg", "jkw", "edu_admin"])}
    perf, budget, section, dept = (users.get(n) for n in ("jxg", "ysg", "jkw", "edu_admin"))
    agency = Agency.objects.filter(region=county, credit_code=AGENCY["credit_code"]).first()
    projects = list(
        Project.objects.filter(region=county, department__name=DEPARTMENT, fiscal_year=year).order_by(
            "-fiscal_amount_yuan", "code"
        )[:2]
    )
    if perf is None or budget is None or section is None or dept is None or agency is None or len(projects) < 2:
        return 0
    template = selectors.template_for(county, year, EvalTemplate.Kind.PROJECT_10)
    if template is None:
        return 0
    try:
        engagement = expert_services.engagement_save(
            actor=perf,
            engagement=None,
            data={
                "agency": agency,
                "scope": "key_evaluation",
                "fiscal_year": year,
                "title": f"{year}年度财政重点绩效评价委托",
                "commissioner": "县财政局绩效管理股",
                "contract_no": f"JX-{year}-001",
                "fee_yuan": Decimal("180000.00"),
                "team": "周凯（项目负责人）、评价组成员3人",
                "start_date": date(year, 4, 1),
                "end_date": date(year, 9, 30),
                "deadline": date(year, 8, 31),
                "team_users": list(agency.users.all()),
            },
        )
        expert_services.quality_review_save(
            actor=perf,
            agency=agency,
            fiscal_year=year - 1,
            scores={
                "basic_mgmt": Decimal(95),
                "service_quality": Decimal(92),
                "archives": Decimal(90),
                "branch_mgmt": Decimal(94),
                "completeness": Decimal(91),
                "timeliness": Decimal(96),
            },
            note="内控制度健全，工作底稿完整，报告按期报送。",
        )
        finished = _finished(rng, perf, budget, section, dept, projects[0], template, year)
        in_progress = services.evaluation_create(
            actor=perf,
            data={
                "fiscal_year": year,
                "title": projects[1].name,
                "kind": KeyEvaluation.Kind.FINANCE,
                "object_type": KeyEvaluation.ObjectType.OTHER_MAJOR_PROJECT,
                "budget_book": KeyEvaluation.BudgetBook.GENERAL,
                "mode": KeyEvaluation.Mode.THIRD_PARTY,
                "engagement": engagement,
                "template": template,
                "methods": "社会调查、实地核查",
                "basic_situation": f"{projects[1].name}为县委县政府确定的重点支出，资金量大、社会关注度高。",
            },
            projects=[projects[1]],
        )
        in_progress = _advance(perf, in_progress, "start_fieldwork")
        services.scorers_from_engagement(actor=perf, evaluation=in_progress)
        # The 教育局's own 部门评价 (DOMAIN.md §6.10), just planned: edu_admin runs it, the 绩效股 reads it.
        services.evaluation_create(
            actor=dept,
            data={
                "fiscal_year": year,
                "title": f"{year}年度教育局部门评价：{projects[0].name}",
                "kind": KeyEvaluation.Kind.DEPT,
                "object_type": KeyEvaluation.ObjectType.PROJECT,
                "budget_book": KeyEvaluation.BudgetBook.GENERAL,
                "mode": KeyEvaluation.Mode.SELF_RUN,
                "template": template,
                "methods": "查阅资料、实地核查",
            },
            projects=[projects[0]],
        )
    except DomainError:
        return 0
    return 3 if finished is not None else 2


def _finished(
    rng: random.Random,
    perf: User,
    budget: User,
    section: User,
    dept: User,
    project: Project,
    template: EvalTemplate,
    year: int,
) -> KeyEvaluation:
    ev = services.evaluation_create(
        actor=perf,
        data={
            "fiscal_year": year,
            "title": project.name,
            "kind": KeyEvaluation.Kind.FINANCE,
            "object_type": KeyEvaluation.ObjectType.PROJECT,
            "budget_book": KeyEvaluation.BudgetBook.GENERAL,
            "mode": KeyEvaluation.Mode.SELF_RUN,
            "template": template,
            "methods": "实地核查、问卷调查、比较法",
            "basic_situation": f"{project.name}由{project.unit.name}实施，资金已全部到位。",
            "work_summary": "评价组查阅了项目立项、资金拨付和验收资料，实地查看了项目现场，并发放满意度问卷120份。",
            "analysis": "项目立项依据充分，资金使用合规；产出数量和质量达到预期，个别产出时效略有滞后。",
            "experience": "单位建立了项目台账和验收制度；存在的问题是部分绩效指标未细化量化，时效指标偏离。",
            "suggestions": "细化量化绩效指标，加强项目实施进度管理，及时组织验收。",
        },
        projects=[project],
    )
    ev = _advance(perf, ev, "start_fieldwork")
    services.scorer_add_staff(actor=perf, evaluation=ev, user=budget)
    services.scorer_add_staff(actor=perf, evaluation=ev, user=section)
    for scorer, (low, high) in ((budget, (0.80, 0.95)), (section, (0.82, 0.97))):
        scores = _scores(rng, ev, low, high)
        evidence = dict.fromkeys(scores, "查阅资料并实地核查")
        services.score_submit(actor=scorer, evaluation=ev, scores=scores, evidence=evidence, comment="同意评价结论")
    ev = services.evaluation_transition(actor=perf, evaluation=ev, action="draft_report")
    draft = ContentFile(evaluation_report_docx(ev), name="评价报告初稿.docx")
    services.document_add(actor=perf, evaluation=ev, kind=KeyEvalDocument.Kind.DRAFT_REPORT, upload=draft)
    ev = services.evaluation_transition(actor=perf, evaluation=ev, action="request_feedback")
    ev = services.evaluation_transition(
        actor=dept, evaluation=ev, action="respond", comment="对评价结论无异议，将督促单位按建议整改。"
    )
    final = ContentFile(evaluation_report_docx(ev), name="评价报告定稿.docx")
    services.document_add(actor=perf, evaluation=ev, kind=KeyEvalDocument.Kind.FINAL_REPORT, upload=final)
    return services.evaluation_transition(actor=perf, evaluation=ev, action="issue")
