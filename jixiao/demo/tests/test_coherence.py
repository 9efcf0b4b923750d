"""The demo county tells one story: a target is no further along than its project, and every project in the library
(or on its way there) that the 事前评估 rule sends to assessment holds a supportive conclusion."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from jixiao.accounts.demo_logins import DEMO_PASSWORD
from jixiao.accounts.models import User
from jixiao.core import todos
from jixiao.core.views_helpers import PAGE_SIZE
from jixiao.preassessment import selectors
from jixiao.preassessment.models import Conclusion, PreAssessmentStatus
from jixiao.projects import gates
from jixiao.projects.models import Project, ProjectEvent
from jixiao.targets.models import PerformanceTarget
from jixiao.targets.services import STAGE_OF_STATE

NOT_FILED = "须评估·未申报"
# How far the review chain has gone: a project's state, and the review a target is in (or passed).
PROJECT_STAGE = {"submitted": 1, "dept_approved": 2, "in_library": 3}
TARGET_STAGE = {
    "unit_submitted": 1,
    "section_review": 2,
    "perf_review": 3,
    "panel_review": 3,
    "ready_for_budget": 3,
    "approved": 3,
    "rejected": 3,
    "adjusting": 3,
}
PASSED = ("submitted", "dept_approved", "in_library")  # through the gate's `submit`, or into the library


@pytest.mark.django_db
def test_no_target_is_further_along_than_its_project_and_every_persona_has_targets_waiting(demo_county: str) -> None:
    # The review a returned project came back from (主管部门 = 1, the business section = 2).
    returned_at = {
        pid: PROJECT_STAGE[status]
        for pid, status in ProjectEvent.objects.filter(to_status="returned").values_list("project_id", "from_status")
    }
    targets = list(
        PerformanceTarget.objects.filter(
            fiscal_year=2026, subject_type=PerformanceTarget.Subject.PROJECT
        ).select_related("project")
    )
    assert targets
    for target in targets:
        project, status = target.project, target.status
        reached = PROJECT_STAGE.get(project.status, 0)
        label = f"{project.name}: {project.status} / {status}"
        if status in TARGET_STAGE:  # under review, passed or approved: only as far as the project got
            assert TARGET_STAGE[status] <= reached, label
        if status == "returned":  # came back from a review the project went through
            assert TARGET_STAGE[target.returned_from] <= max(reached, returned_at.get(project.pk, 0)), label
            # ... with the reviewer's 修改意见 of that stage (the 年度工作总结's TG-2 counted none in the demo).
            opinions = list(target.comments.values_list("stage", flat=True))
            assert opinions == [STAGE_OF_STATE[target.returned_from]], label
        if project.status in ("draft", "returned"):  # back with the unit: so is its target
            assert status in ("draft", "returned"), label
        if project.status == "in_library":  # past the section's 初审 with it: with 绩效股, passed, or sent back by it
            assert TARGET_STAGE.get(status) == 3 or target.returned_from == "perf_review", label
    assert {"draft", "returned", "unit_submitted", "section_review", "perf_review", "panel_review"} <= {
        t.status for t in targets
    }
    assert {"ready_for_budget", "approved"} <= {t.status for t in targets}
    # An approved target carries its 批复 date, from which its 信息公开 deadline counts; no other target has one.
    assert all((t.approved_at is not None) == (t.status == "approved") for t in targets)

    users = {u.username: u for u in User.objects.filter(username__in=["jxg", "ysg", "jkw", "edu_admin", "edu_unit"])}
    users.update({u.username: u for u in User.objects.filter(username__in=["health_unit", "expert1"])})

    def waiting(username: str) -> set[str]:
        return {i.title for i in todos.for_user(users[username]) if i.stage == "绩效目标" and i.count}

    assert {"绩效目标草稿", "绩效目标被退回"} <= waiting("edu_unit")
    assert {"绩效目标草稿", "绩效目标被退回"} <= waiting("health_unit")
    assert "绩效目标待主管部门审核" in waiting("edu_admin")
    assert "绩效目标待业务股室初审" in waiting("jkw")
    assert "绩效目标待绩效股复审" in waiting("jxg")
    assert "绩效目标待批复" in waiting("ysg")
    assert "待会审的绩效目标" in waiting("expert1")
    # 县第一中学 has a project in the library with an approved target: its 单位自评, returned by the department.
    returned = [i for i in todos.for_user(users["edu_unit"]) if i.title == "被退回的单位自评"]
    assert returned and returned[0].count == 1


@pytest.mark.django_db
def test_projects_past_the_gate_hold_a_supportive_pre_assessment_where_the_rule_asks_for_one(demo_county: str) -> None:
    projects = list(Project.objects.filter(status__in=PASSED).select_related("region", "unit"))
    overviews = selectors.assessment_overviews(projects)
    required = [p for p in projects if overviews[p.pk].required]
    for project in projects:
        overview = overviews[project.pk]
        assert overview.label != NOT_FILED, project.name
        if overview.required:
            assert overview.assessment is not None and overview.assessment.is_supported, project.name
            gates.check(project, "section_approve")  # the gate would let it in now
        else:
            assert overview.assessment is None or overview.assessment.is_supported, project.name
    # A realistic mix: most projects need none (人员类/运转类 and continuing ones never do); the large new ones went
    # through with 予以支持 or 核减后支持, in both years.
    assert 0 < len(required) < len(projects) / 4
    assert all(p.is_new and p.category == "specific" for p in required)
    assert {p.fiscal_year for p in required} == {2025, 2026}
    assessed = [overviews[p.pk].assessment for p in required]
    assert {pa.conclusion for pa in assessed if pa is not None} == {Conclusion.SUPPORT, Conclusion.SUPPORT_REDUCED}
    for pa in assessed:
        assert pa is not None and pa.status == PreAssessmentStatus.CONCLUDED
        assert pa.events.exists() and pa.attachments.exists()
        assert pa.reduction_amount_yuan == pa.requested_amount_yuan - pa.supported_amount_yuan
        assert pa.project.fiscal_amount_yuan == pa.supported_amount_yuan
        if pa.conclusion == Conclusion.SUPPORT_REDUCED:
            assert Decimal(0) < pa.supported_amount_yuan < pa.requested_amount_yuan
            assert pa.suggested_conclusion == Conclusion.SUPPORT_AFTER_ADJUSTMENT  # acted on by the cut
        else:
            assert pa.suggested_conclusion == Conclusion.SUPPORT == pa.conclusion
        if pa.fiscal_year == 2025:  # concluded in the autumn before its budget year
            assert pa.concluded_at is not None and pa.concluded_at.year == 2024

    # The performance section's project list shows no in-library project waiting for its assessment.
    client = Client()
    assert client.login(username="jxg", password=DEMO_PASSWORD)
    for year in (2025, 2026):
        for status in PASSED:
            count = Project.objects.filter(fiscal_year=year, status=status).count()
            for number in range(1, (count + PAGE_SIZE - 1) // PAGE_SIZE + 1):
                query = {"fiscal_year": year, "status": status, "page": number}
                page = client.get(reverse("projects:list"), query).content.decode()
                assert "无需评估" in page or "予以支持" in page, query  # the 事前评估 column is there
                assert NOT_FILED not in page, query
    # …while a draft that needs one still does (the unit's work waiting).
    drafts = client.get(reverse("projects:list"), {"fiscal_year": 2026, "status": "draft"}).content.decode()
    assert NOT_FILED in drafts
