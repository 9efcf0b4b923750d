"""领导驾驶舱: scoped to the viewer, every number a link to the list it counts, a bounded number of queries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import World
from jixiao.alerts.models import Color, FundAdjustment, Warning, WarningRule
from jixiao.evaluation.models import SelfEvalFund, SelfEvaluation
from jixiao.evaluation.tests.selfeval_helpers import set_amounts, start
from jixiao.projects.tests.factories import ProjectFactory
from jixiao.reports.tests.helpers import YEAR, arrange

URL = reverse("reports:dashboard")


def _panels(world: World, persona: str, year: int = YEAR) -> dict[str, Any]:
    response = world.login(persona).get(URL, {"year": year})
    assert response.status_code == 200
    return response.context["panels"]  # type: ignore[no-any-return]


def _cells(panel: Any) -> dict[str, Any]:
    return {c.key: c for c in panel.cells}


def test_leader_sees_the_whole_region_and_never_another_region(world: World) -> None:
    arrange(world)
    panels = _panels(world, "leader")

    warnings = _cells(panels["warnings"])
    assert (warnings["RED"].count, warnings["YELLOW"].count, warnings["GREEN"].count) == (1, 1, 0)
    stages = _cells(panels["stages"])
    assert stages["projects"].count == 3  # school, branch, hospital; not the far project
    assert stages["projects"].amount == Decimal("1500000.00")
    assert stages["preassessment"].count == 2
    assert stages["targets"].count == 2
    cuts = _cells(panels["cuts"])
    assert cuts["preassessment"].amount == Decimal("400000.00")  # (50 − 40) + (30 − 0) 万元
    assert cuts["ADJUST_DOWN"].amount == Decimal("100000.00")
    assert "RECOVER" not in cuts  # the far region's 收回
    grades = panels["grades"].extra["target"]
    assert [g["count"] for g in grades] == [1, 1, 0, 0]


def test_a_department_sees_only_its_own_figures(world: World) -> None:
    arrange(world)
    panels = _panels(world, "dept_admin")

    warnings = _cells(panels["warnings"])
    assert (warnings["RED"].count, warnings["YELLOW"].count) == (1, 0)
    assert [r["name"] for r in panels["warnings"].extra["rows"]] == ["县教育局"]
    stages = _cells(panels["stages"])
    assert stages["projects"].count == 2
    assert stages["preassessment"].count == 1
    assert _cells(panels["cuts"])["preassessment"].amount == Decimal("100000.00")


@pytest.mark.parametrize("persona", ["expert", "agency", "sys_admin", "unit_user"])
def test_roles_without_the_dashboard_are_refused(world: World, persona: str) -> None:
    assert world.login(persona).get(URL).status_code == 403


def test_anonymous_visitors_are_sent_to_login(client: Any) -> None:
    response = client.get(URL)
    assert response.status_code == 302


def test_every_number_links_to_a_list_that_opens_for_the_viewer(world: World) -> None:
    arrange(world)
    client = world.login("leader")
    panels = client.get(URL, {"year": YEAR}).context["panels"]
    urls = [c.url for p in panels.values() for c in p.cells if c.url]
    urls += [r["red_url"] for r in panels["warnings"].extra["rows"]]
    urls += [g["url"] for series in panels["grades"].extra.values() for g in series]
    assert len(urls) > 10
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_the_monitoring_cuts_are_mon_4s_cuts_and_open_the_adjustment_register(world: World) -> None:
    """Only the monitoring stage's adjustments, as MON-4 counts them: a goal-review 核减 and a pre-assessment 追减 are
    not 预警处置, and an 激励/追加 is no cut."""
    from jixiao.reports.statistics import CATALOGUE, Scope

    arrange(world)
    FundAdjustment.objects.create(
        project=world.school_project,
        fiscal_year=YEAR,
        source=FundAdjustment.Source.MONITORING,
        kind=FundAdjustment.Kind.INCREASE,
        amount_yuan=Decimal("20000.00"),
    )
    client = world.login("leader")
    cells = _cells(client.get(URL, {"year": YEAR}).context["panels"]["cuts"])
    kinds = {key for key in cells if key in FundAdjustment.Kind.values}
    assert kinds == {"ADJUST_DOWN"}
    cut = cells["ADJUST_DOWN"]
    assert (cut.label, cut.count, cut.amount) == ("运行监控调减", 1, Decimal("100000.00"))
    leader = world.users["leader"]
    mon_4 = CATALOGUE["MON-4"](Scope(region=world.region, work_year=YEAR, fiscal_year=YEAR, actor=leader))
    cuts = {k: v for k, v in mon_4.values["by_kind"].items() if v["count"] and k != "INCREASE"}
    assert {k: (v["count"], v["amount_yuan"]) for k, v in cuts.items()} == {
        k: (cells[k].count, cells[k].amount) for k in kinds
    }
    assert cut.url == f"/alerts/adjustments/?fiscal_year={YEAR}&source=MONITORING&kind=ADJUST_DOWN"
    listed = list(client.get(cut.url).context["page"].object_list)
    assert [(a.kind, a.amount_yuan) for a in listed] == [("ADJUST_DOWN", Decimal("100000.00"))]


def test_the_red_number_opens_the_warning_list_filtered_to_red(world: World) -> None:
    arrange(world)
    client = world.login("leader")
    red = _cells(client.get(URL, {"year": YEAR}).context["panels"]["warnings"])["RED"]
    assert "color=RED" in red.url

    listed = list(client.get(red.url).context["page"].object_list)
    assert len(listed) == red.count == 1
    assert {w.color for w in listed} == {"RED"}
    assert listed[0].project_id == world.school_project.pk


def test_the_light_card_counts_projects_not_warnings_and_matches_the_warning_list(world: World) -> None:
    """A project red on two rules is one red-light project: the same figure as the warning list's own card."""
    arrange(world)
    second = WarningRule.objects.filter(profile="national_default").order_by("-sort", "-code").first()
    assert second is not None
    Warning.objects.create(
        project=world.school_project, fiscal_year=YEAR, rule=second, color=Color.RED, as_of=date(YEAR, 9, 30)
    )
    client = world.login("leader")
    red = _cells(client.get(URL, {"year": YEAR}).context["panels"]["warnings"])["RED"]
    assert (red.count, red.amount) == (1, world.school_project.total_amount_yuan)
    card = {row["color"]: row["count"] for row in client.get(red.url).context["card"]}
    assert card["RED"] == red.count


def test_department_tables_and_the_rate_chart_are_bounded(world: World, monkeypatch: Any) -> None:
    """A province has thousands of departments: the page shows the first rows and links to the full lists."""
    from jixiao.execution import selectors as execution_selectors
    from jixiao.reports import selectors

    arrange(world)
    monkeypatch.setattr(selectors, "DEPARTMENTS_SHOWN", 1)
    monkeypatch.setattr(execution_selectors, "CHART_DEPARTMENTS", 1)
    response = world.login("leader").get(URL, {"year": YEAR})
    execution = response.context["panels"]["execution"].extra
    assert len(execution["departments"]) == 1 and execution["department_count"] == 2
    assert execution["lagging"][0]["rate"] == min(r["rate"] for r in execution["departments"] + execution["lagging"])
    assert len(response.context["chart"]["departments"]) == 1
    assert len(response.context["panels"]["warnings"].extra["rows"]) == 1
    body = response.content.decode()
    assert 'data-testid="execution-more"' in body and "共2个" in body
    assert world.login("leader").get(execution["more_url"]).status_code == 200
    # Each drawn row links to its department's payments (only the drawn rows get a link: a province has ~20,000).
    row = execution["departments"][0]
    assert row["url"] == f"/execution/payments/?fiscal_year={YEAR}&department={row['department_id']}"
    assert f'href="{row["url"].replace("&", "&amp;")}"' in body
    payments = world.login("leader").get(row["url"])
    assert payments.status_code == 200
    assert payments.context["filter"].form.cleaned_data["department"] == row["department_id"]


def test_grade_links_filter_the_target_list(world: World) -> None:
    arrange(world)
    client = world.login("leader")
    excellent = client.get(URL, {"year": YEAR}).context["panels"]["grades"].extra["target"][0]
    listed = list(client.get(excellent["url"]).context["page"].object_list)
    assert [t.review_grade for t in listed] == ["excellent"] == ["excellent"] * excellent["count"]


def test_the_year_selector_changes_every_figure(world: World) -> None:
    arrange(world)
    panels = _panels(world, "leader", YEAR - 1)
    assert all(c.count in (0, None) for c in panels["warnings"].cells)
    assert _cells(panels["stages"])["projects"].count == 0


def _query_count(client: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, {"year": YEAR}).status_code == 200
    return len(queries.captured_queries)


def test_the_dashboard_runs_a_bounded_number_of_queries_whatever_the_data(world: World) -> None:
    arrange(world)
    client = world.login("leader")
    client.get(URL, {"year": YEAR})  # warm the session and caches
    before = _query_count(client)
    assert before <= 60
    rule = WarningRule.objects.filter(profile="national_default").order_by("sort", "code").first()
    for n in range(20):
        project = ProjectFactory(unit=world.hospital if n % 2 else world.school, in_library=True)
        Warning.objects.create(project=project, fiscal_year=YEAR, rule=rule, color=Color.RED, as_of=date(YEAR, 9, 30))
        FundAdjustment.objects.create(
            project=project, fiscal_year=YEAR, kind=FundAdjustment.Kind.RECOVER, amount_yuan=Decimal("1000.00")
        )
    assert _query_count(client) <= before + 1  # set-based: no query per project (one more row kind may appear)


def test_missing_stages_show_no_data_instead_of_failing(world: World) -> None:
    response = world.login("performance").get(URL, {"year": YEAR})
    assert response.status_code == 200
    assert "暂无数据" in response.content.decode() or response.context["panels"]["rectification"].available


def test_the_self_evaluation_cell_counts_each_record_once_and_sums_its_total_fund_row(world: World) -> None:
    """The count and the 资金总额 come from one join with each record's TOTAL fund row: the other fund rows neither
    multiply the count nor add to the amount, and a record without fund rows still counts."""
    arrange(world)
    set_amounts(world.school_project, fiscal="300000", carryover="50000", other="20000")
    set_amounts(world.hospital_project, fiscal="100000")
    start(world)
    records = SelfEvaluation.objects.filter(fiscal_year=YEAR, region=world.school_project.region)
    assert records.count() == 2  # the school and the hospital (the projects with approved targets)
    assert SelfEvalFund.objects.filter(self_eval__in=records).exclude(fund_source="TOTAL").exists()
    bare = records.get(project=world.hospital_project)
    bare.funds.all().delete()
    expected = sum(
        (f.annual_yuan for f in SelfEvalFund.objects.filter(self_eval__in=records, fund_source="TOTAL")),
        Decimal("0.00"),
    )
    assert expected > 0

    cell = _cells(_panels(world, "leader")["stages"])["selfeval"]
    assert cell.count == records.count()
    assert cell.amount == expected


def test_keyeval_grade_counts_open_the_list_of_that_grade(world: World) -> None:
    """Each 重点评价 grade count opens the year's issued evaluations of that grade, a list of exactly that size (the
    list filters by grade); the row title opens all of them."""
    from jixiao.results.tests.helpers import key_eval

    arrange(world)
    key_eval(world.school_project, "优")
    key_eval(world.branch_project, "优")
    key_eval(world.hospital_project, "中")
    response = world.login("leader").get(URL, {"year": YEAR})
    series = response.context["panels"]["grades"].extra["keyeval"]
    assert [g["count"] for g in series][:3] == [2, 0, 1]
    assert all("status=issued" in g["list_url"] and "grade=" not in g["list_url"] for g in series)
    page = response.content.decode()
    assert 'data-testid="grade-keyeval-list">重点评价等级</a>' in page
    client = world.login("leader")
    for g in series:
        assert "status=issued" in g["url"] and "grade=" in g["url"]
        listed = client.get(g["url"])
        assert listed.status_code == 200
        assert listed.context["page"].paginator.count == g["count"]


def test_self_evaluation_grades_count_submitted_records_only_and_open_a_list_of_that_size(world: World) -> None:
    """A record still being filled in has a provisional computed grade (an empty form scores 差): the panel counts
    the submitted records only, as the 自评统计 page does, and each count opens a list of exactly that size."""
    arrange(world)
    start(world)
    records = SelfEvaluation.objects.filter(fiscal_year=YEAR, region=world.school_project.region)
    assert records.count() == 2
    records.update(grade_computed="差")  # what the pre-filled execution score alone gives
    submitted = records.get(project=world.school_project)
    SelfEvaluation.objects.filter(pk=submitted.pk).update(status="submitted", grade_computed="良")

    response = world.login("leader").get(URL, {"year": YEAR})
    series = {g["label"]: g for g in response.context["panels"]["grades"].extra["selfeval"]}
    assert {label: g["count"] for label, g in series.items()} == {"优": 0, "良": 1, "中": 0, "差": 0}
    client = world.login("leader")
    for g in series.values():
        listed = client.get(g["url"])
        assert listed.status_code == 200
        assert listed.context["page"].paginator.count == g["count"]
    assert [r.pk for r in client.get(series["良"]["url"]).context["page"]] == [submitted.pk]


def test_rectification_drafts_cell_only_for_those_who_see_drafts(world: World) -> None:
    # A department never sees a 待下达 case and its list offers no such filter: a “0” linking to every case misleads.
    assert "draft" in _cells(_panels(world, "performance")["rectification"])
    department = _cells(_panels(world, "dept_admin")["rectification"])
    assert "draft" not in department and "issued" in department


def test_a_document_count_opens_the_issued_documents_of_that_type_not_the_drafts(world: World) -> None:
    """The 文书 cells count issued documents (any later state too); the link opens exactly them, not a draft."""
    from jixiao.documents import services as documents
    from jixiao.documents.models import DocType

    arrange(world)
    context = {"subject": "一中教学设备购置", "project": "一中教学设备购置", "problems": "1.绩效目标未细化量化"}
    kind = {"actor": world.users["performance"], "doc_type": DocType.RECTIFICATION_NOTICE, "region": world.region}
    documents.document_issue(**kind, recipients=[world.school], context=context, fiscal_year=YEAR)
    documents.document_draft(**kind, recipients=[world.school], context=context, fiscal_year=YEAR)
    cell = _cells(_panels(world, "leader")["activity"])[f"doc-{DocType.RECTIFICATION_NOTICE}"]
    assert cell.count == 1
    listed = world.login("leader").get(cell.url)
    assert listed.status_code == 200 and listed.context["page"].paginator.count == 1
    drafts_too = world.login("performance").get(cell.url.replace("status=issued_any", "status="))
    assert drafts_too.context["page"].paginator.count == 2


def test_a_year_outside_the_usual_range_stays_chosen_in_the_selector(world: World) -> None:
    """A bookmarked or typed ?year=2019 shows 2019's figures: the selector names 2019, so 查询 does not jump to
    another year."""
    year = date.today().year - 7
    response = world.login("leader").get(URL, {"year": year})
    assert response.status_code == 200
    assert response.context["year"] == year
    assert year in response.context["years"]
    assert f'<option value="{year}" selected>' in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "shown"), [("leader", True), ("performance", True), ("dept_admin", False), ("business", False)]
)
def test_the_training_cell_is_left_out_for_viewers_who_see_no_training(world: World, persona: str, shown: bool) -> None:
    """Training is the bureau's own work: a 主管部门 or a business section sees none of it, and was shown 培训 0/0."""
    from jixiao.training import services as training_services

    training_services.training_create(
        actor=world.users["performance"],
        data={
            "held_on": date(YEAR, 4, 10),
            "topic": "预算绩效管理业务培训",
            "organiser": "县财政局绩效股",
            "trainer_type": "staff",
            "session_count": 2,
            "attendance": 150,
        },
    )
    cells = _cells(_panels(world, persona)["activity"])
    assert ("training" in cells) is shown
    if shown:
        assert (cells["training"].count, cells["training"].note) == (2, "150人次")
