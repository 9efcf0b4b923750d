"""Every stage feeds the 待整改问题 list (issue 7 item 2): the source rows are arranged with the source apps' own
services and factories; a candidate taken up once is never offered again; a viewer sees only their own scope."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from conftest import World
from jixiao.alerts.models import CaseStatus, Color, ProjectLight, WarningCase, WarningRule
from jixiao.alerts.sweep_writes import light_counts_refresh
from jixiao.core.errors import ConflictError, DomainError
from jixiao.core.models import AuditEvent
from jixiao.evaluation import services_reeval
from jixiao.evaluation.models import SelfEvaluation
from jixiao.evaluation.tests.selfeval_helpers import approved_target
from jixiao.evaluation.tests.test_reeval import final_records
from jixiao.keyeval import services as keyeval_services
from jixiao.keyeval.models import EvalTemplate, KeyEvalGrade, KeyEvaluation
from jixiao.preassessment.models import Conclusion
from jixiao.preassessment.tests.factories import concluded
from jixiao.projects.tests.factories import ProjectFactory
from jixiao.rectification import selectors, services, sources
from jixiao.rectification.models import Finding, Rectification
from jixiao.targets.models import PerformanceTarget, TargetIndicator

pytestmark = pytest.mark.django_db
YEAR = 2026


def _reeval_gap(world: World) -> None:
    perf = world.users["performance"]
    batch = services_reeval.batch_create(
        actor=perf, data={"fiscal_year": YEAR, "subject": "project", "rate": Decimal("1"), "n_min": 1}
    )
    batch = services_reeval.batch_draw(actor=perf, batch=batch)
    sample = batch.samples.get(code="P-SCHOOL")
    scores = {r["key"]: r["score"] for r in sample.rows}
    scores["exec"] = "10"
    for row in sample.rows:
        if row["name"] == "购置教学设备数量":
            scores[row["key"]] = "30"  # 20 points below the self-score: a gap over the tolerance
    services_reeval.sample_rescore(actor=perf, sample=sample, scores=scores, opinion="数量指标佐证不足")


def _authenticity(world: World) -> None:
    TargetIndicator.objects.filter(target__project=world.school_project, name="购置教学设备数量").update(is_core=True)
    business = world.users["business"]
    check = services_reeval.check_draw(
        actor=business, check=services_reeval.check_create(actor=business, fiscal_year=YEAR)
    )
    item = check.items.get(code="P-SCHOOL")
    services_reeval.item_record(
        actor=business, item=item, verified_value="80台", finding="FALSIFIED", evidence_note="验收单仅80台"
    )


def _key_eval(world: World) -> KeyEvaluation:
    template = EvalTemplate.objects.get(
        kind=EvalTemplate.Kind.PROJECT_10, region__isnull=True, fiscal_year__isnull=True
    )
    evaluation = keyeval_services.evaluation_create(
        actor=world.users["performance"],
        data={
            "fiscal_year": YEAR,
            "title": "分校食堂改造财政评价",
            "kind": KeyEvaluation.Kind.FINANCE,
            "object_type": KeyEvaluation.ObjectType.PROJECT,
            "budget_book": KeyEvaluation.BudgetBook.GENERAL,
            "mode": KeyEvaluation.Mode.SELF_RUN,
            "template": template,
        },
        projects=[world.branch_project],
    )
    # The grade is the outcome of the scoring flow (tested in keyeval); here only the result matters.
    KeyEvaluation.objects.filter(pk=evaluation.pk).update(grade=KeyEvalGrade.POOR, total_score=Decimal("55"))
    return evaluation


def _arrange_every_source(world: World) -> dict[str, Any]:
    records = final_records(world)  # school, branch, hospital: finance-reviewed self-evaluations
    SelfEvaluation.objects.filter(pk=records["hospital"].pk).update(grade_computed="中")
    _reeval_gap(world)
    _authenticity(world)
    _key_eval(world)
    extra = ProjectFactory(unit=world.school, code="P-EXTRA", name="一中操场改造")
    concluded(extra, Conclusion.REJECT, None)
    approved_target(world, extra, status=PerformanceTarget.Status.RETURNED)
    today = timezone.localdate()
    ProjectLight.objects.create(project=world.hospital_project, fiscal_year=YEAR, color=Color.RED, as_of=today)
    light_counts_refresh([world.region.pk], [YEAR])  # as the sweep keeps them
    rule = WarningRule.objects.filter(region__isnull=True).first()
    assert rule is not None
    WarningCase.objects.create(
        project=world.branch_project,
        fiscal_year=YEAR,
        rule=rule,
        rule_code=rule.code,
        reason="执行进度严重滞后",
        status=CaseStatus.OVERDUE,
        opened_on=today,
        due_date=today,
    )
    return records


def test_every_source_produces_candidates_and_none_twice(world: World) -> None:
    _arrange_every_source(world)
    perf = world.users["performance"]
    found = selectors.candidates(perf, YEAR)
    by_source: dict[str, list[Any]] = {}
    for c in found:
        by_source.setdefault(c.source_type, []).append(c)
    assert set(by_source) == {
        "PRE_ASSESSMENT",
        "TARGET_REVIEW",
        "MONITORING",
        "SELF_EVAL",
        "RE_EVAL",
        "AUTHENTICITY",
        "KEY_EVAL",
    }
    assert len(by_source["MONITORING"]) == 2  # the red light and the overdue disposition
    # The school's self-evaluation carries the A_FALSIFIED error; the hospital's is also graded 中.
    self_evals = {c.subject.split()[0]: c for c in by_source["SELF_EVAL"]}
    assert {"P-SCHOOL", "P-HOSP"} <= set(self_evals) and "“中”" in self_evals["P-HOSP"].label
    auth = by_source["AUTHENTICITY"][0]
    assert "验收单仅80台" in auth.description and auth.severity == "HIGH" and auth.unit_id == world.school.pk
    assert "分差" in by_source["RE_EVAL"][0].label
    assert by_source["KEY_EVAL"][0].project_id == world.branch_project.pk
    assert len({c.key for c in found}) == len(found)

    keys = [c.key for c in found]
    cases = services.findings_from_candidates(actor=perf, fiscal_year=YEAR, keys=keys)
    assert Finding.objects.count() == len(found)
    assert sum(r.findings.count() for r in cases) == len(found)
    assert all(r.status == "draft" for r in cases)
    # Grouped by source, addressee and project: the school's two MONITORING-free sources stay apart.
    assert len(cases) == len({(c.source_type, c.department_id, c.unit_id, c.project_id) for c in found})
    assert selectors.candidates(perf, YEAR) == []
    with pytest.raises(ConflictError):
        services.findings_from_candidates(actor=perf, fiscal_year=YEAR, keys=keys[:1])
    assert Finding.objects.count() == len(found)
    assert AuditEvent.objects.filter(event_type="rectification.finding_create").count() == len(found)


def test_candidates_follow_the_viewers_scope_and_page_turns_a_selection_into_a_case(world: World) -> None:
    concluded(world.school_project, Conclusion.DEFER, None)
    concluded(world.hospital_project, Conclusion.SUPPORT_AFTER_ADJUSTMENT, None)
    concluded(world.branch_project, Conclusion.SUPPORT, None)  # supported: nothing to rectify
    perf_keys = {c.subject for c in selectors.candidates(world.users["performance"], YEAR)}
    assert perf_keys == {"P-SCHOOL 一中教学设备购置", "P-HOSP 医院信息化建设"}
    business = [c.subject for c in selectors.candidates(world.users["business"], YEAR)]
    assert business == ["P-SCHOOL 一中教学设备购置"]
    client = world.login("business")
    page = client.get(f"/rectification/candidates/?year={YEAR}").content.decode()
    assert "一中教学设备购置" in page and "医院信息化建设" not in page
    key = selectors.candidates(world.users["business"], YEAR)[0].key
    response = client.post("/rectification/candidates/", {"year": YEAR, "key": [key]})
    rect = Rectification.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/rectification/{rect.pk}/"
    assert rect.source_type == "PRE_ASSESSMENT" and rect.project == world.school_project
    assert "暂缓支持" in rect.findings.get().description
    # A key outside the viewer's scope (or already taken) is refused, nothing is written.
    other = next(c.key for c in selectors.candidates(world.users["performance"], YEAR))
    response = client.post("/rectification/candidates/", {"year": YEAR, "key": [other]})
    assert response.status_code == 400 and Rectification.objects.count() == 1
    with pytest.raises(DomainError, match="请选择"):
        services.findings_from_candidates(actor=world.users["business"], fiscal_year=YEAR, keys=[])
    assert world.login("unit_user").get("/rectification/candidates/").status_code == 403


def test_the_candidate_page_shows_the_problems_a_page_at_a_time(world: World, monkeypatch: Any) -> None:
    from jixiao.rectification import views

    concluded(world.school_project, Conclusion.DEFER, None)
    concluded(world.hospital_project, Conclusion.SUPPORT_AFTER_ADJUSTMENT, None)
    monkeypatch.setattr(views, "CANDIDATES_PER_PAGE", 1)
    client = world.login("performance")
    first = client.get("/rectification/candidates/", {"year": YEAR})
    second = client.get("/rectification/candidates/", {"year": YEAR, "page": 2})
    shown = [c.subject for c in first.context["page"]] + [c.subject for c in second.context["page"]]
    assert sorted(shown) == ["P-HOSP 医院信息化建设", "P-SCHOOL 一中教学设备购置"]
    body = first.content.decode()
    assert "共 2 个问题" in body and "第 1 / 2 页" in body and body.count('name="key"') == 1


def test_the_candidate_list_counts_and_slices_in_the_database_like_the_whole_list(world: World) -> None:
    """The page's `CandidateList` reads only the rows of the page it shows (a province has 43,000 red lights); every
    slice across the source boundaries equals the same slice of the whole list."""
    _arrange_every_source(world)
    perf = world.users["performance"]
    whole = selectors.candidates(perf, YEAR)
    lazy = selectors.CandidateList(perf, YEAR)
    assert len(lazy) == len(whole) >= 8 and list(lazy) == whole
    for start in range(len(whole) + 1):
        for stop in range(start, len(whole) + 2):
            assert lazy[start:stop] == whole[start:stop], (start, stop)
    assert lazy[0] == whole[0] and lazy[-1] == whole[-1]
    with pytest.raises(IndexError):
        lazy[len(whole)]
    monitoring = selectors.CandidateList(perf, YEAR, "MONITORING")
    assert [c.key for c in monitoring] == [c.key for c in whole if c.source_type == "MONITORING"]

    # Taking one up removes it from the count and from every slice.
    services.findings_from_candidates(actor=perf, fiscal_year=YEAR, keys=[whole[2].key])
    assert selectors.CandidateList(perf, YEAR)[:] == whole[:2] + whole[3:]


def test_red_lights_are_counted_from_the_region_counts_less_those_taken_up(world: World) -> None:
    """Users who see whole regions count the red-light candidates from the sweep's region counts (a province has
    43,000 red lights) less the lights already taken up; narrower scopes count their lights. Both equal counting the
    open rows."""
    _arrange_every_source(world)
    red = ProjectLight.objects.create(
        project=world.school_project, fiscal_year=YEAR, color=Color.RED, as_of=timezone.localdate()
    )
    light_counts_refresh([world.region.pk], [YEAR])
    lights = next(s for s in sources.SOURCES if s.rows is sources._red_light_rows)
    perf, dept = world.users["performance"], world.users["dept_admin"]
    dept.set_active_membership(dept.memberships.first())
    assert lights.read_count is not None and lights.read_count(perf, YEAR) == 2
    assert lights.read_count(dept, YEAR) is None

    def counted(user: Any) -> tuple[int, int]:
        return lights.open_count(user, YEAR, lights.open_rows(user, YEAR)), lights.open_rows(user, YEAR).count()

    assert counted(perf) == (2, 2)
    services.findings_from_candidates(actor=perf, fiscal_year=YEAR, keys=[f"alerts.projectlight:{red.pk}"])
    assert counted(perf) == (1, 1)
    assert counted(dept)[0] == counted(dept)[1]
    assert len(selectors.CandidateList(perf, YEAR, "MONITORING")) == len(selectors.candidates(perf, YEAR, "MONITORING"))


def test_a_page_of_candidates_reads_only_its_own_rows(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _arrange_every_source(world)
    client = world.login("performance")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/rectification/candidates/", {"year": YEAR, "source": "MONITORING"})
    assert [c.label for c in response.context["page"]][:1] == ["运行监控红灯预警"]
    lights = [q["sql"] for q in queries.captured_queries if 'FROM "alerts_projectlight"' in q["sql"]]
    assert any("COUNT(" in sql for sql in lights) and any("LIMIT" in sql for sql in lights)
    assert all("COUNT(" in sql or "LIMIT" in sql for sql in lights)


def test_only_open_candidates_in_scope_can_be_taken_up_by_key(world: World) -> None:
    _arrange_every_source(world)
    perf, business = world.users["performance"], world.users["business"]
    keys = [c.key for c in selectors.candidates(perf, YEAR)]
    assert set(selectors.candidates_by_key(perf, YEAR, keys)) == set(keys)
    mine = {c.key for c in selectors.candidates(business, YEAR)}
    assert set(selectors.candidates_by_key(business, YEAR, keys)) == mine < set(keys)
    junk = ["alerts.projectlight:x", "auth.user:1", "nonsense", "alerts.projectlight:999999"]
    assert selectors.candidates_by_key(perf, YEAR, junk) == {}
