"""部门绩效考核 as a 结果应用 source (seed 004 S77): the department's issued appraisal outcome of the same year feeds
its projects' next-year proposals through a county rule; there is no national default."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import World
from jixiao.appraisals.models import (
    Appraisal,
    AppraisalTask,
    AppraisalTemplate,
    ExamineeKind,
    ExamineeType,
    Outcome,
    TaskStatus,
)
from jixiao.organizations.models import Department, FiscalRegion
from jixiao.projects.models import Project
from jixiao.results.models import ResultApplication, ResultApplicationRule
from jixiao.results.tests import helpers as h


def _appraisal(
    region: FiscalRegion,
    department: Department,
    outcome: str,
    *,
    status: str = TaskStatus.OUTCOMES_ISSUED,
    fiscal_year: int = h.YEAR,
) -> Appraisal:
    """The smallest DEPT appraisal of `department` in `region`'s task of the year, with its outcome."""
    task = AppraisalTask.objects.filter(region=region, fiscal_year=fiscal_year, kind="DEPT").first()
    if task is None:
        task = AppraisalTask.objects.create(
            region=region,
            fiscal_year=fiscal_year,
            name=f"{fiscal_year}年度部门预算绩效管理工作考核",
            template=AppraisalTemplate.objects.get(region=None, kind="DEPT"),
            kind="DEPT",
            self_score_deadline=dt.date(fiscal_year + 1, 1, 31),
            status=status,
        )
    return Appraisal.objects.create(
        task=task,
        region=region,
        examinee_type=ExamineeType.DEPARTMENT,
        examinee_kind=ExamineeKind.DEPARTMENT,
        department=department,
        examinee_name=department.name,
        outcome=outcome,
    )


def _interview_rule(world: World) -> ResultApplicationRule:
    return h.set_rule(world, "APPRAISAL-INTERVIEW", action="STRICT", is_active=True, priority=90)


@pytest.fixture
def projects(world: World) -> tuple[Project, Project]:
    """Two projects of two departments, spent (no national rule matches them)."""
    school, hospital = h.arranged(world.school_project), h.arranged(world.hospital_project, "100000.00")
    h.pay(school, "190000.00")
    h.pay(hospital, "90000.00")
    return school, hospital


def test_an_interview_rule_makes_the_departments_projects_strict_with_the_reason(
    world: World, projects: tuple[Project, Project]
) -> None:
    school, hospital = projects
    _appraisal(world.region, world.edu, Outcome.INTERVIEW)
    _appraisal(world.region, world.health, Outcome.COMMEND)
    assert not ResultApplicationRule.objects.filter(source="APPRAISAL").exists()  # no national default
    h.generate(world)
    assert not ResultApplication.objects.exists()  # no county rule yet: the outcome alone proposes nothing
    rule = _interview_rule(world)
    assert (rule.source, rule.condition, rule.values, rule.region) == (
        "APPRAISAL",
        "OUTCOME_IN",
        ["INTERVIEW"],
        world.region,
    )
    h.generate(world)
    app = h.proposal(school)
    assert app.proposed_action == "STRICT" and app.source == "APPRAISAL"
    assert app.proposed_amount_yuan == Decimal("200000.00")
    assert [r["text"] for r in app.reasons] == ["部门绩效考核结果：约谈"]
    assert not ResultApplication.objects.filter(project=hospital).exists()  # 表扬: no rule on it


def test_a_commendation_rule_and_the_strictest_wins(world: World, projects: tuple[Project, Project]) -> None:
    school, hospital = projects
    _appraisal(world.region, world.edu, Outcome.INTERVIEW)
    _appraisal(world.region, world.health, Outcome.COMMEND)
    _interview_rule(world)
    h.set_rule(world, "APPRAISAL-COMMEND", action="PRIORITY", is_active=True, priority=91)
    h.self_eval(school, "优")  # 优先保障 by the national rule, but the appraisal's 从严 is stricter
    h.generate(world)
    app = h.proposal(school)
    assert app.proposed_action == "STRICT"
    assert [r["text"] for r in app.reasons] == ["部门绩效考核结果：约谈", "单位自评等级为“优”"]
    assert h.proposal(hospital).proposed_action == "PRIORITY"
    assert h.proposal(hospital).reasons[0]["text"] == "部门绩效考核结果：通报表扬"


@pytest.mark.parametrize(
    "arrange",
    [
        pytest.param(lambda w: _appraisal(w.region, w.edu, Outcome.INTERVIEW, status=TaskStatus.RANKED), id="ranked"),
        pytest.param(lambda w: _appraisal(w.region, w.edu, Outcome.INTERVIEW, fiscal_year=2025), id="other-year"),
        pytest.param(lambda w: _appraisal(w.other_region, w.edu, Outcome.INTERVIEW), id="other-county"),
    ],
)
def test_an_appraisal_not_issued_of_another_year_or_county_gives_no_fact(
    world: World, projects: tuple[Project, Project], arrange: Callable[[World], Appraisal]
) -> None:
    arrange(world)
    _interview_rule(world)
    h.generate(world)
    assert not ResultApplication.objects.exists()


def test_regeneration_follows_the_outcome_and_keeps_decided_proposals(
    world: World, projects: tuple[Project, Project]
) -> None:
    school, _ = projects
    appraisal = _appraisal(world.region, world.edu, Outcome.INTERVIEW)
    _interview_rule(world)
    h.generate(world)
    assert h.generate(world)["unchanged"] == 1  # the same data gives the same proposal
    Appraisal.objects.filter(pk=appraisal.pk).update(outcome=Outcome.NONE)
    assert h.generate(world)["removed"] == 1
    Appraisal.objects.filter(pk=appraisal.pk).update(outcome=Outcome.INTERVIEW)
    h.generate(world)
    app = h.proposal(school)
    app.status, app.decided_action, app.decided_amount_yuan = "decided", "STRICT", app.proposed_amount_yuan
    app.save()
    Appraisal.objects.filter(pk=appraisal.pk).update(outcome=Outcome.NONE)
    assert h.generate(world)["kept_decided"] == 1
    assert h.proposal(school).reasons[0]["text"] == "部门绩效考核结果：约谈"


def test_the_rules_page_adds_an_appraisal_rule_and_refuses_an_unknown_outcome(world: World) -> None:
    client = world.login("performance")
    page = client.get(reverse("results:rules")).content.decode()
    assert "APPRAISAL-INTERVIEW 部门绩效考核结果为约谈" in page
    data = {"code": "APPRAISAL-INTERVIEW", "values": "约谈、责令限期整改", "action": "STRICT", "priority": "90"}
    assert client.post(reverse("results:rules"), {**data, "is_active": "on"}).status_code == 302
    row = ResultApplicationRule.objects.get(code="APPRAISAL-INTERVIEW", region=world.region)
    assert row.values == ["INTERVIEW", "RECTIFY_BY_DEADLINE"] and row.is_active
    page = client.get(reverse("results:rules")).content.decode()
    assert "部门绩效考核" in page and "考核结果属于 约谈、责令限期整改" in page
    for code in (">INTERVIEW<", "属于 INTERVIEW", "RECTIFY_BY_DEADLINE<"):
        assert code not in page, code
    bad = client.post(reverse("results:rules"), {**data, "values": "约谈、BOGUS"})
    body = bad.content.decode()
    assert bad.status_code == 400
    assert "条件取值“BOGUS”无法识别，可填：无、通报表扬、约谈、责令限期整改" in body


def test_the_generate_form_names_the_appraisal_among_the_sources_it_reads(world: World) -> None:
    page = world.login("performance").get(reverse("results:list")).content.decode()
    hint = page.split('data-testid="results-generate"')[1].split("</form>")[0]
    assert "部门绩效考核结果" in hint


def test_the_county_rule_kinds_start_from_real_outcome_codes() -> None:
    from jixiao.results.models import COUNTY_RULE_KINDS

    codes = {str(code) for code, _label in Outcome.choices}
    assert all(set(values) <= codes for _name, _source, _condition, values in COUNTY_RULE_KINDS.values())
