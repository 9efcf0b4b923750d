"""Demo 问题整改: findings taken from the demo's own sources (pre-assessment conclusions, returned targets, red
lights, self-evaluations …) plus audit findings on 县第一中学's projects, with a case in every state — one left as a
draft, issued, answered (待审核), returned, closed with a 预算调整意见, and one overdue that the sweep escalated to a
提醒敦促函. The cases are issued with each of the three issuing documents: 整改通知书 (most), one with a 绩效管理意见书
and one with a 约谈通知书. Everything goes through the services, as the performance section (jxg), the business
section (jkw) and the unit (edu_unit) would do it."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from jixiao.accounts.models import User
from jixiao.core.errors import DomainError
from jixiao.demo.pdf import demo_pdf
from jixiao.projects.models import Project
from jixiao.rectification import selectors, services
from jixiao.rectification.models import Rectification, RectificationLetter

PDF = demo_pdf("Jixiao demo: rectification report")
UNIT = "县第一中学"
AUDIT_PROBLEMS = [
    ("FUNDS", "HIGH", "项目资金未按合同约定进度支付，年末结余资金未及时上缴"),
    ("IMPLEMENTATION", "MEDIUM", "项目验收资料不完整，部分设备未登记固定资产"),
    ("OUTPUT", "MEDIUM", "年度绩效目标中“设备完好率”未达到目标值"),
    ("TARGET", "LOW", "绩效指标设置不够细化，满意度指标缺少调查依据"),
    ("FUNDS", "MEDIUM", "项目支出存在超范围列支办公经费的情况"),
]


def _report(name: str) -> ContentFile[bytes]:
    return ContentFile(PDF, name=name)


def _audit_case(perf: User, project: Project, year: int, problem: tuple[str, str, str]) -> Rectification:
    category, severity, description = problem
    return services.finding_create_manual(
        actor=perf,
        data={
            "fiscal_year": year,
            "source_type": "AUDIT",
            "source_label": f"{year}年度县审计局预算执行审计",
            "project": project,
            "category": category,
            "severity": severity,
            "description": description,
        },
    )


# Issued with a 绩效管理意见书: management problems (target setting, monitoring, self-evaluation), with advice.
OPINION_PROBLEM = ("TARGET", "MEDIUM", "绩效目标与预算资金不匹配，绩效监控和项目自评流于形式，自评结果未用于改进管理")
OPINION_REQUIREMENTS = "完善绩效目标设置，细化量化指标；建立监控台账，如实开展项目自评并将结果用于下年度预算编制"
# Issued with a 约谈通知书: a serious problem, the unit's head is summoned.
INTERVIEW_PROBLEM = ("FUNDS", "HIGH", "连续两年预算执行率低于50%，大额资金长期闲置")
INTERVIEW_PLACE = "县财政局三楼会议室"


def _issue(perf: User, rect: Rectification, days: int, **kwargs: Any) -> Rectification:
    deadline = timezone.localdate() + timedelta(days=days)
    requirements = kwargs.pop("requirements", "逐项明确责任人和整改措施，限期整改到位")
    return services.rectification_issue(
        actor=perf, rectification=rect, requirements=requirements, deadline=deadline, **kwargs
    )


def _interview() -> dict[str, str]:
    day = timezone.localdate() + timedelta(days=7)
    return {"interview_time": f"{day.year}年{day.month}月{day.day}日上午9:30", "interview_place": INTERVIEW_PLACE}


def _answer(unit_user: User, rect: Rectification) -> Rectification:
    return services.rectification_submit_feedback(
        actor=unit_user,
        rectification=rect,
        measures="已逐项整改：规范资金支付流程，补齐验收资料，结余资金已上缴财政。",
        files=[_report("问题整改报告.pdf")],
    )


def seed_rectification(rng: random.Random, county: Any, year: int) -> None:
    users = {u.username: u for u in User.objects.filter(username__in=["jxg", "jkw", "edu_unit"])}
    perf, section, unit_user = (users.get(n) for n in ("jxg", "jkw", "edu_unit"))
    if perf is None or section is None or unit_user is None:
        return
    projects = list(Project.objects.filter(region=county, unit__name=UNIT, fiscal_year=year).order_by("code")[:5])
    if len(projects) < 5:
        return
    try:
        _seed(rng, perf, section, unit_user, projects, year)
    except DomainError:
        return  # the demo still builds without this stage (e.g. the documents stage is not available)


def _seed(rng: random.Random, perf: User, section: User, unit_user: User, projects: list[Project], year: int) -> None:
    # Findings from the other stages: a few candidates of different sources, kept as drafts or issued.
    found = sorted(selectors.candidates(perf, year), key=lambda c: c.key)
    by_source: dict[str, Any] = {}
    for candidate in found:
        by_source.setdefault(candidate.source_type, candidate)
    picked = [by_source[s] for s in sorted(by_source)][:4]
    if picked:
        cases = services.findings_from_candidates(actor=perf, fiscal_year=year, keys=[c.key for c in picked])
        for rect in cases[1:]:
            _issue(perf, rect, rng.randint(10, 30))
    # Audit findings on 县第一中学's projects, one case in each state of the flow.
    problems = list(AUDIT_PROBLEMS)
    rng.shuffle(problems)
    cases = [_audit_case(perf, project, year, problem) for project, problem in zip(projects, problems, strict=True)]
    draft, issued, answered, returned, closed = cases
    del draft  # stays 待下达
    _issue(perf, issued, 15)
    _answer(unit_user, _issue(perf, answered, 20))
    services.rectification_return(
        actor=section,
        rectification=_answer(unit_user, _issue(perf, returned, 20)),
        reason="整改报告缺少结余资金上缴凭证",
    )
    services.rectification_close(
        actor=section,
        rectification=_answer(unit_user, _issue(perf, closed, 20)),
        opinion="整改到位，同意销号",
        fin_adjust_advice="下年度预算按实际需求安排，核减结余部分",
    )
    # The other two issuing documents: a 绩效管理意见书 and a 约谈通知书 (both 已下达, waiting for the unit).
    _issue(
        perf,
        _audit_case(perf, projects[1], year, OPINION_PROBLEM),
        30,
        document=RectificationLetter.Kind.OPINION,
        requirements=OPINION_REQUIREMENTS,
    )
    _issue(
        perf,
        _audit_case(perf, projects[2], year, INTERVIEW_PROBLEM),
        30,
        document=RectificationLetter.Kind.INTERVIEW,
        **_interview(),
    )
    # One case issued earlier and never answered: overdue, so the sweep sends a 提醒敦促函.
    # Not the problem of the draft on the same project (problems[0]): that one is registered already.
    late = AUDIT_PROBLEMS[2] if problems[0] != AUDIT_PROBLEMS[2] else AUDIT_PROBLEMS[3]
    overdue = _issue(perf, _audit_case(perf, projects[0], year, late), 10)
    Rectification.objects.filter(pk=overdue.pk).update(deadline=timezone.localdate() - timedelta(days=8))
    services.rectification_sweep(today=timezone.localdate())
