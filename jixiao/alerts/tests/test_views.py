"""Pages: warnings list with filters, scope and xlsx export; rules, profile and sweep; tiers and finance opinions;
the calendar; lights on the project library."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from typing import Any

import openpyxl
from django.utils import timezone

from jixiao.alerts.models import (
    FinanceOpinion,
    FundAdjustment,
    ProjectLight,
    ProjectMonitoringTier,
    TierRule,
    Warning,
    WarningRule,
    WarningSetting,
)
from jixiao.alerts.selectors import rules_in_force
from jixiao.alerts.services import select_tiers
from jixiao.alerts.sweep import sweep_region
from jixiao.alerts.tests.conftest import in_library, pay, use_sichuan
from jixiao.alerts.tests.test_rule_form import band_fields, rule_post
from jixiao.core import list_exports
from jixiao.core.models import AuditEvent, Job
from jixiao.organizations.models import CalendarDay
from jixiao.projects.tests.factories import ProjectFactory


def _swept(w: Any) -> None:
    pay(w.school_project, "150000", date(2026, 6, 10))
    pay(w.hospital_project, "400000", date(2026, 6, 10))
    sweep_region(w.region, 2026, date(2026, 6, 15))


def test_warning_list_filters_scope_and_card(library: Any) -> None:
    w = library
    _swept(w)
    page = w.login("performance").get("/alerts/?fiscal_year=2026").content.decode()
    assert w.school_project.name in page and w.branch_project.name in page and w.hospital_project.name in page
    assert 'data-testid="card-RED"' in page
    page = w.login("performance").get("/alerts/?fiscal_year=2026&color=RED").content.decode()
    assert w.branch_project.name in page and w.school_project.name not in page
    page = w.login("performance").get(f"/alerts/?fiscal_year=2026&department={w.health.pk}").content.decode()
    assert w.hospital_project.name in page and w.school_project.name not in page
    # The colour cards count the department's projects only, as the list beside them does.
    card = w.login("performance").get("/alerts/", {"fiscal_year": 2026, "department": w.health.pk}).context["card"]
    health = ProjectLight.objects.filter(fiscal_year=2026, project__department=w.health)
    assert sum(c["count"] for c in card) == health.count() == 1
    # A year typed wrong is shown at its field; the other filters still apply, to the current year.
    response = w.login("performance").get("/alerts/", {"fiscal_year": "20266", "department": w.health.pk})
    assert response.status_code == 200 and response.context["form"].errors.get("fiscal_year")
    text = response.content.decode()
    assert w.hospital_project.name in text and w.school_project.name not in text
    unit_page = w.login("other_unit_user").get("/alerts/?fiscal_year=2026").content.decode()
    assert w.hospital_project.name in unit_page and w.school_project.name not in unit_page
    assert w.login("sys_admin").get("/alerts/").status_code == 403


def test_export_xlsx(library: Any) -> None:
    w = library
    _swept(w)
    response = w.login("performance").get("/alerts/export/?fiscal_year=2026&color=YELLOW")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "年度" and rows[0][7] == "颜色"
    assert [r[2] for r in rows[1:]] == [w.school_project.name]
    assert rows[1][7] == "黄灯" and rows[1][5] == 50
    shown = Warning.objects.get(project=w.school_project, color="YELLOW")
    assert not shown.value_text and shown.value is not None
    assert rows[1][8] == round(float(shown.value), 2)  # the value as the list shows it, a number, not text
    assert rows[0][-1] == "财政区划" and rows[1][-1] == w.region.name  # a city's file tells its counties apart


def test_long_export_is_a_job_with_the_same_filter(library: Any, settings: Any) -> None:
    w = library
    _swept(w)
    settings.JIXIAO_EXPORT_SYNC_ROWS = 0
    client = w.login("performance")
    response = client.get("/alerts/export/?fiscal_year=2026&color=YELLOW")
    job = Job.objects.get(kind="alerts.export")
    assert response.status_code == 302 and job.status == Job.Status.DONE, job.message
    download = client.get(f"/jobs/{job.pk}/download/result/")
    rows = list(
        openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active.iter_rows(values_only=True)
    )
    assert [r[2] for r in rows[1:]] == [w.school_project.name]


def test_the_export_cuts_nothing_off(library: Any, settings: Any, monkeypatch: Any) -> None:
    """The export stopped silently at 50,000 warnings (`MAX_EXPORT_ROWS`): a province's year lost the rest. It now
    writes every filtered row, directly, as CSV or by the background job; with the old cap shrunk to one row, the
    files still hold all of them (and the 预算调整登记 export too)."""
    from jixiao.alerts import views

    w = library
    _swept(w)
    monkeypatch.setattr(views, "MAX_EXPORT_ROWS", 1, raising=False)
    expected = sorted(Warning.objects.filter(fiscal_year=2026).values_list("project__name", flat=True))
    assert len(expected) > 1
    client = w.login("performance")
    response = client.get("/alerts/export/?fiscal_year=2026")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(r[2] for r in list(book.active.iter_rows(values_only=True))[1:]) == expected
    text = b"".join(client.get("/alerts/export/?fiscal_year=2026&format=csv").streaming_content).decode("utf-8-sig")
    assert sum(name in line for line in text.splitlines() for name in set(expected)) == len(expected)
    settings.JIXIAO_EXPORT_SYNC_ROWS = 0
    client.get("/alerts/export/?fiscal_year=2026")
    job = Job.objects.get(kind="alerts.export")
    assert job.status == Job.Status.DONE, job.message
    download = b"".join(client.get(f"/jobs/{job.pk}/download/result/").streaming_content)
    rows = list(openpyxl.load_workbook(io.BytesIO(download)).active.iter_rows(values_only=True))
    assert sorted(r[2] for r in rows[1:]) == expected
    for kind in ("REDUCE_ON_REVIEW", "RETRO_REDUCE"):
        FundAdjustment.objects.create(project=w.school_project, fiscal_year=2026, kind=kind, amount_yuan=1, reason="x")
    download = b"".join(client.get("/alerts/adjustments/export/?fiscal_year=2026&format=csv").streaming_content)
    assert download.decode("utf-8-sig").count(w.school_project.code) == 2
    # More warnings than a sheet holds: the job says to export CSV (the list's 导出CSV) instead of failing mutely.
    page = client.get("/alerts/?fiscal_year=2026").content.decode()
    assert 'href="/alerts/export/?fiscal_year=2026&amp;format=csv" data-testid="warnings-export-csv"' in page
    monkeypatch.setattr(list_exports, "MAX_SHEET_ROWS", 1)
    client.get("/alerts/export/?fiscal_year=2026")
    refused = Job.objects.filter(kind="alerts.export").latest("pk")
    assert refused.status == Job.Status.FAILED and "超过Excel单表上限1行，请点“导出CSV”导出全部" in refused.message


def test_rule_edit_validates_and_audits(library: Any) -> None:
    w = library
    client = w.login("performance")
    rule = WarningRule.objects.get(code="W-EXEC-RATIO", profile="national_default")
    assert client.get("/alerts/rules/").status_code == 200
    data = rule_post(rule, ("RED", "<", "50"), ("GREEN", ">=", "50"))
    bad = client.post(f"/alerts/rules/{rule.pk}/", {**data, **band_fields(("BLUE", "<", "1"))})
    assert bad.status_code == 400 and "颜色无效" in bad.content.decode()
    bad = client.post(f"/alerts/rules/{rule.pk}/", {**data, **band_fields(("RED", "<", "not a number"))})
    assert bad.status_code == 400 and "不是数字" in bad.content.decode()
    assert client.post(f"/alerts/rules/{rule.pk}/", data).status_code == 302
    # The national row stays; the county gets its own row, which wins for it only.
    rule.refresh_from_db()
    assert rule.bands[0]["value"] == 60 and rule.version == 1
    own = WarningRule.objects.get(code="W-EXEC-RATIO", profile="national_default", region=w.region)
    assert own.bands[0]["value"] == 50 and own.version == 2
    assert AuditEvent.objects.filter(event_type="alerts.rule_override", object_id=str(own.pk)).exists()
    assert AuditEvent.objects.filter(event_type="alerts.rule_update", object_id=str(own.pk)).exists()
    by_code = {r.code: r for r in rules_in_force(w.region, 2026)[1]}
    assert by_code["W-EXEC-RATIO"].pk == own.pk
    assert {r.code: r for r in rules_in_force(w.other_region, 2026)[1]}["W-EXEC-RATIO"].pk == rule.pk
    stale = client.post(f"/alerts/rules/{own.pk}/", {**data, "version": 1, "name": "改名"})
    assert stale.status_code == 409 and "已被他人修改" in stale.content.decode()
    assert w.login("unit_user").get(f"/alerts/rules/{rule.pk}/").status_code == 403
    # Switch off: the sweep no longer produces it.
    client.post(f"/alerts/rules/{own.pk}/", {**data, "version": 2, "enabled": ""})
    own.refresh_from_db()
    assert not own.enabled
    sweep_region(w.region, 2026, date(2026, 6, 15))
    assert not Warning.objects.filter(rule__code="W-EXEC-RATIO").exists()


def test_rule_parameters_read_as_text_not_as_a_python_dict(library: Any) -> None:
    rule = WarningRule.objects.filter(code="W-EXEC-CHECKPOINT").first()
    assert rule is not None and rule.params
    page = library.login("performance").get(f"/alerts/rules/{rule.pk}/").content.decode()
    assert "执行率节点：4月底≥25%、6月底≥40%、8月底≥60%、10月底≥80%" in page
    assert "{&#x27;checkpoints" not in page and "checkpoints" not in page
    assert WarningRule(params={"warndays": 3, "other": 1}).params_text == "提前3天提醒；other：1"
    assert WarningRule(params={}).params_text == ""


def test_profile_switch_and_sweep_pages(library: Any) -> None:
    w = library
    client = w.login("performance")
    assert client.post("/alerts/rules/profile/", {"profile": "sichuan_2025"}).status_code == 302
    assert WarningSetting.objects.get(region=w.region).profile == "sichuan_2025"
    assert AuditEvent.objects.filter(event_type="alerts.setting_save").exists()
    response = client.post("/alerts/rules/sweep/", {"fiscal_year": 2026, "as_of": "2026-06-15"}, follow=True)
    assert "已计算3个项目" in response.content.decode()  # the job page, reached by the redirect
    job = Job.objects.get(kind="alerts.sweep")
    assert job.status == Job.Status.DONE and job.owner == w.users["performance"]
    assert Warning.objects.filter(project__region=w.region).exists()
    bogus = client.post("/alerts/rules/profile/", {"profile": "bogus"})  # the rules page again, 400, the reason
    assert bogus.status_code == 400 and "预警方案：" in bogus.content.decode()
    assert WarningSetting.objects.get(region=w.region).profile == "sichuan_2025"
    # A 计算日期 before the year began is refused at its field: it would have replaced the year's lights with empty
    # ones (no execution yet), emptying the warnings list.
    before = set(Warning.objects.values_list("pk", "color"))
    response = client.post("/alerts/rules/sweep/", {"fiscal_year": 2026, "as_of": "2025-03-01"}, follow=True)
    assert "计算日期：不能早于2026年1月1日" in response.content.decode()
    assert Job.objects.filter(kind="alerts.sweep").count() == 1
    assert set(Warning.objects.values_list("pk", "color")) == before


def test_tier_selection_manual_override_and_opinion(library: Any) -> None:
    w = library
    big = ProjectFactory(unit=w.school, code="P-BIG", fiscal_amount_yuan=Decimal("3000000"))
    fast = ProjectFactory(unit=w.school, code="P-FAST", fiscal_amount_yuan=Decimal("3000000"))
    mid = ProjectFactory(unit=w.hospital, code="P-MID", fiscal_amount_yuan=Decimal("1500000"))
    in_library(big, fast, mid)
    pay(big, "1500000", date(2026, 8, 20))  # 50% at end of August → 重点
    pay(fast, "1800000", date(2026, 8, 20))  # exactly 60% → not key, but ≥100万 → 重大
    counts = select_tiers(actor=w.users["performance"], region=w.region, fiscal_year=2026, today=date(2026, 9, 1))
    assert counts.counts == {"MAJOR": 2, "KEY": 1} and not counts.waiting
    assert ProjectMonitoringTier.objects.get(project=big).tier == "KEY"
    assert ProjectMonitoringTier.objects.get(project=fast).tier == "MAJOR"
    client = w.login("performance")
    response = client.post(
        f"/alerts/tiers/project/{w.school_project.pk}/", {"form": "tier", "tier": "KEY", "reason": ""}
    )
    assert response.status_code == 400
    response = client.post(
        f"/alerts/tiers/project/{w.school_project.pk}/", {"form": "tier", "tier": "KEY", "reason": "社会关注度高"}
    )
    assert response.status_code == 302
    # The page shows the tier set, chosen in its select (not 全面, which a save would quietly go back to).
    tier_field = client.get(f"/alerts/tiers/project/{w.school_project.pk}/").context["tier_form"]["tier"]
    assert tier_field.value() == "KEY" and '<option value="KEY" selected>' in str(tier_field)
    select_tiers(actor=w.users["performance"], region=w.region, fiscal_year=2026, today=date(2026, 9, 1))
    manual = ProjectMonitoringTier.objects.get(project=w.school_project)
    assert (manual.tier, manual.source) == ("KEY", "MANUAL")  # kept by a re-run
    response = client.post(
        f"/alerts/tiers/project/{big.pk}/",
        {"form": "opinion", "needs_rectify": "on", "advice": "", "budget_action": "REDUCE"},
    )
    assert response.status_code == 400 and "整改要求" in response.content.decode()
    client.post(
        f"/alerts/tiers/project/{big.pk}/",
        {"form": "opinion", "needs_rectify": "on", "advice": "加快招标", "budget_action": "REDUCE"},
    )
    assert FinanceOpinion.objects.get(project=big).budget_action == "REDUCE"
    page = client.get("/alerts/tiers/?fiscal_year=2026").content.decode()
    assert 'data-testid="key-count">2<' in page and "调减/核减" in page
    # A project code (“2026-102-0001”) and the 来源 stay on one line at 1400px instead of breaking at the hyphen.
    assert '<td class="text-nowrap" data-testid="tier-code">P-BIG</td>' in page
    assert '<td class="text-nowrap">规则筛选</td>' in page
    unit = w.login("unit_user")
    assert unit.get(f"/alerts/tiers/project/{big.pk}/").status_code == 200
    assert unit.post(f"/alerts/tiers/project/{big.pk}/", {"form": "tier", "tier": "", "reason": "x"}).status_code == 404
    assert w.login("other_unit_user").get(f"/alerts/tiers/project/{big.pk}/").status_code == 404
    assert unit.post("/alerts/tiers/select/").status_code == 403


def test_calendar_page(library: Any) -> None:
    w = library
    client = w.login("performance")
    response = client.post("/alerts/calendar/", {"date": "2026-10-01", "name": "国庆节"})
    assert response.status_code == 302
    day = CalendarDay.objects.get(region=w.region, date=date(2026, 10, 1))
    assert not day.is_working
    assert "国庆节" in client.get("/alerts/calendar/?fiscal_year=2026").content.decode()
    assert client.post(f"/alerts/calendar/{day.pk}/delete/").status_code == 302
    assert not CalendarDay.objects.exists()
    assert AuditEvent.objects.filter(event_type="alerts.calendar_delete").exists()
    assert w.login("unit_user").get("/alerts/calendar/").status_code == 403


def test_calendar_next_years_days_are_shown_after_saving(library: Any) -> None:
    """Next year's holidays are entered in December: the page goes back to the saved day's year, which lists it, and
    the years are reachable from the page; deleting stays on the year shown."""
    client = library.login("performance")
    response = client.post("/alerts/calendar/?fiscal_year=2026", {"date": "2027-01-01", "name": "元旦"})
    assert response.status_code == 302 and response["Location"] == "/alerts/calendar/?fiscal_year=2027"
    page = client.get(response["Location"]).content.decode()
    assert "2027-01-01" in page and "元旦" in page
    assert 'href="/alerts/calendar/?fiscal_year=2026"' in page and 'href="/alerts/calendar/?fiscal_year=2028"' in page
    day = CalendarDay.objects.get(region=library.region, date=date(2027, 1, 1))
    token = client.get("/alerts/calendar/?fiscal_year=2027").context["lock_token"]
    response = client.post(f"/alerts/calendar/{day.pk}/delete/", {"lock_token": token, "fiscal_year": "2027"})
    assert response["Location"] == "/alerts/calendar/?fiscal_year=2027"
    assert not CalendarDay.objects.filter(pk=day.pk).exists()


def _list_as_before(user: Any, params: dict[str, Any]) -> list[int]:
    """The warning list's rows as the page read them before the warnings carried their region and code (session 17):
    scoped through the project, ordered by colour, project code and rule, with the project and the rule's id as the
    ties' order (which the old order left to the database)."""
    from django.db.models import Case, IntegerField, When

    from jixiao.projects.models import Project

    qs = Warning.objects.filter(project__in=Project.objects.visible_to(user).values("pk"), fiscal_year=2026)
    if params.get("color"):
        qs = qs.filter(color=params["color"])
    if params.get("region"):
        qs = qs.filter(project__region__path__startswith=params["region"].path)
    if params.get("department"):
        qs = qs.filter(project__department=params["department"])
    severity = Case(When(color="RED", then=0), When(color="YELLOW", then=1), default=2, output_field=IntegerField())
    ordered = qs.order_by(severity, "project__code", "project_id", "rule__sort", "rule_id")
    return list(ordered.values_list("pk", flat=True))


def test_warning_list_pages_by_sorted_ids_like_the_plain_sort(library: Any) -> None:
    """core.views_helpers.paginate(by_ids=True), as the warning list uses it: every page holds the rows, in the
    order and with the count, of the plain paginator, and the rows come with their joined objects. The rows and their
    order are those of the list before its order was read from the warnings' own columns (colour, project code and
    project, then rule), for a city user over two counties whose projects share codes, a county's 绩效股, a business
    section, a department and a unit, with the list's filters."""
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from conftest import _member
    from jixiao.alerts.selectors import warnings_filtered
    from jixiao.alerts.sweep import sweep_regions
    from jixiao.core.views_helpers import paginate
    from jixiao.organizations.models import FinanceSection
    from jixiao.organizations.tests.factories import FinanceSectionFactory, city_with_counties

    w = library
    for i in range(6):
        in_library(ProjectFactory(unit=w.hospital, code=f"P-W-{i}"))
    for code in ("P-W-1", "P-W-4", "P-SCHOOL"):  # the other county codes its projects alike
        in_library(ProjectFactory(unit=w.far_unit, code=code))
    pay(w.school_project, "150000", date(2026, 6, 10))
    pay(w.hospital_project, "400000", date(2026, 6, 10))
    for county in (w.region, w.other_region):  # more rules: several warnings of one colour per project
        use_sichuan(county)
    sweep_regions([w.region, w.other_region], 2026, date(2026, 6, 15))
    city, _counties = city_with_counties(w.region, w.other_region)
    section = FinanceSectionFactory(region=city, code="JX", name="绩效科", kind=FinanceSection.Kind.PERFORMANCE)
    city_user = _member("city_perf", "performance", city, section=section)
    assert set(Warning.objects.values_list("color", flat=True)) == {"RED", "YELLOW", "GREEN"}

    cases: list[tuple[Any, dict[str, Any]]] = [
        (city_user, {}),
        (city_user, {"color": "YELLOW"}),
        (city_user, {"color": "GREEN"}),
        (city_user, {"region": w.other_region}),
        (city_user, {"department": w.health}),
        (w.users["performance"], {}),
        (w.users["performance"], {"color": "RED"}),
        (w.users["business"], {}),
        (w.users["dept_admin"], {}),
        (w.users["unit_user"], {}),
        (w.users["other_unit_user"], {}),
    ]
    for user, filters in cases:
        listed = list(warnings_filtered(user, {"fiscal_year": 2026, **filters}).values_list("pk", flat=True))
        assert listed == _list_as_before(user, filters), (user.username, filters)
        assert listed or filters.get("color") == "GREEN", (user.username, filters)
    assert len(_list_as_before(city_user, {})) > len(_list_as_before(w.users["performance"], {}))

    for user in (city_user, w.users["performance"]):
        warnings = warnings_filtered(user, {"fiscal_year": 2026})
        total = warnings.count()
        assert total > 6
        pages = -(-total // 3)
        seen = []
        for number in [*range(1, pages + 1), pages + 5, "x"]:
            request = RequestFactory().get("/alerts/", {"page": number})
            plain = paginate(request, warnings, 3)
            by_ids = paginate(request, warnings, 3, by_ids=True)
            assert [row.pk for row in by_ids] == [row.pk for row in plain]
            assert (by_ids.number, by_ids.paginator.count, by_ids.paginator.num_pages) == (
                plain.number,
                total,
                pages,
            )
            seen += [row.pk for row in by_ids] if number in range(1, pages + 1) else []
            with CaptureQueriesContext(connection) as reads:
                names = [(row.project.department.name, row.project.unit.name, row.rule.name) for row in by_ids]
            assert names and not reads.captured_queries
        assert seen == _list_as_before(user, {})
        assert paginate(RequestFactory().get("/"), warnings, 3, by_ids=True)[0].color == "RED"


def test_lights_on_project_library_and_menu(library: Any) -> None:
    w = library
    _swept(w)
    page = w.login("performance").get("/projects/?fiscal_year=2026").content.decode()
    assert page.count('data-testid="warning-light"') == 3
    assert 'data-color="RED"' in page and "预算执行预警：红灯" in page
    detail = w.login("unit_user").get(f"/projects/{w.school_project.pk}/").content.decode()
    assert 'data-testid="warning-panel"' in detail
    assert "预警列表" in detail and "预警规则" not in detail  # menu by capability


def test_light_column_costs_one_query_whatever_the_page_size(library: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = library
    _swept(w)
    client = w.login("performance")
    client.get("/projects/")
    with CaptureQueriesContext(connection) as few:
        client.get("/projects/")
    for i in range(15):
        in_library(ProjectFactory(unit=w.hospital, code=f"P-Q-{i}"))
    sweep_region(w.region, 2026, date(2026, 6, 15))
    with CaptureQueriesContext(connection) as many:
        page = client.get("/projects/").content.decode()
    assert page.count('data-testid="warning-light"') == 18
    light_queries = [q for q in many.captured_queries if "alerts_projectlight" in q["sql"]]
    assert len(light_queries) == 1
    assert len(many.captured_queries) == len(few.captured_queries)


def test_every_page_renders_for_the_performance_section(library: Any) -> None:
    w = library
    _swept(w)
    client = w.login("performance")
    rule = WarningRule.objects.get(code="W-EXEC-CHECKPOINT")
    for url in [
        "/alerts/",
        "/alerts/cases/",
        "/alerts/tiers/",
        f"/alerts/tiers/project/{w.school_project.pk}/",
        "/alerts/rules/",
        f"/alerts/rules/{rule.pk}/",
        "/alerts/calendar/",
        f"/projects/{w.school_project.pk}/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get("/").content.decode()
    for label in ["预警列表", "预警处置", "重点监控", "预警规则", "工作日历"]:
        assert label in page


def test_sweep_form_shows_today_as_the_calculation_date(library: Any) -> None:
    """计算日期 starts at today, written as the date input reads it (2026-12-06, not 2026/12/06, which it drops)."""
    page = library.login("performance").get("/alerts/rules/").content.decode()
    assert f'name="as_of" value="{timezone.localdate():%Y-%m-%d}"' in page
    # The 预警方案 and 重新计算 forms each have a 年度: each label opens its own field (no id twice on the page).
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert [i for i in set(ids) if ids.count(i) > 1] == []
    assert 'for="sweep_fiscal_year"' in page and 'for="sweep_as_of"' in page


def test_the_printed_warning_and_case_lists_leave_out_their_search_forms(library: Any) -> None:
    """县教育局's printed 预警列表 carried empty 查询 boxes (颜色 全部, 主管部门 输入名称或编码搜索 …) above its
    table: the search forms of the warning and case lists are no-print."""
    client = library.login("dept_admin")
    for url in ("/alerts/", "/alerts/cases/"):
        page = client.get(url).content.decode()
        searches = [tag.split(">", 1)[0] for tag in page.split("<form")[1:] if 'method="get"' in tag.split(">", 1)[0]]
        assert searches and all("no-print" in tag for tag in searches), url


def test_before_the_checkpoint_month_has_ended_the_execution_rule_waits_and_the_page_says_so(library: Any) -> None:
    """In March, “≥200万 and < 60% at the end of August” was read from March's figures (every big project is below
    60% then) and the reason said “8月末执行率10.00%”. Before the month has ended the rule is not applied — the amount
    rule (重大 ≥100万) still is — and the result says which rule waits and from when; from 1 September it applies."""
    w = library
    big = ProjectFactory(unit=w.school, code="P-BIG", fiscal_amount_yuan=Decimal("3000000"))
    in_library(big)
    pay(big, "300000", date(2026, 3, 10))  # 10% in March
    perf = w.users["performance"]
    early = select_tiers(actor=perf, region=w.region, fiscal_year=2026, today=date(2026, 8, 31))
    assert early.counts == {"MAJOR": 1, "KEY": 0}
    row = ProjectMonitoringTier.objects.get(project=big)
    assert (row.tier, row.reason) == ("MAJOR", "资金300.00万元")
    assert [(rule.tier, day) for rule, day in early.waiting] == [("KEY", date(2026, 9, 1))]
    assert early.message() == (
        "筛选完成：重点项目0个，重大项目1个。重点项目规则“资金量大且8月末执行率低于60%”须用8月末执行率，"
        "2026年9月1日起适用，本次未按该规则筛选"
    )
    event = AuditEvent.objects.filter(event_type="alerts.tier_select").latest("pk")
    assert event.changes["not_yet_applied"] == ["资金量大且8月末执行率低于60%（2026-09-01起）"]
    on_time = select_tiers(actor=perf, region=w.region, fiscal_year=2026, today=date(2026, 9, 1))
    assert on_time.counts == {"MAJOR": 0, "KEY": 1} and not on_time.waiting
    row = ProjectMonitoringTier.objects.get(project=big)
    assert (row.tier, row.reason) == ("KEY", "资金300.00万元，8月末执行率10.00%")
    # The page tells it too (a year whose August is still ahead).
    response = w.login("performance").post("/alerts/tiers/select/", {"fiscal_year": 2099}, follow=True)
    assert "本次未按该规则筛选" in response.content.decode() and "2099年9月1日起适用" in response.content.decode()


def test_a_region_sets_its_tier_rules_with_project_classes(library: Any) -> None:
    """项目分级分类 (seed 002 S26): the county's own 重点 rule takes its A类 projects whatever their amount; the
    national rule stays for the others; saved on the 重点监控 page, audited, refusals shown in Chinese."""
    w = library
    small_a = ProjectFactory(unit=w.school, code="P-SMALL-A", fiscal_amount_yuan=Decimal("300000"), tier="A")
    big = ProjectFactory(unit=w.school, code="P-BIG", fiscal_amount_yuan=Decimal("3000000"))
    in_library(small_a, big)
    perf = w.users["performance"]
    counts = select_tiers(actor=perf, region=w.region, fiscal_year=2026, today=date(2026, 9, 1))
    assert not ProjectMonitoringTier.objects.filter(project=small_a).exists() and counts.counts["KEY"] == 1
    client = w.login("performance")
    page = client.get("/alerts/tiers/?fiscal_year=2026").content.decode()
    assert 'data-testid="tier-rule-form-KEY"' in page and "资金≥200万元且8月末执行率低于60%" in page
    form = {
        "tier": "KEY",
        "key-fiscal_year": "",
        "key-name": "重点项目（含A类）",
        "key-min_amount_wan": "200",
        "key-checkpoint_month": "8",
        "key-max_exec_rate_pct": "",
        "key-project_classes": ["A"],
        "key-enabled": "on",
    }
    refused = client.post("/alerts/tiers/rules/", {**form, "fiscal_year": "2027"})
    assert refused.status_code == 400 and "节点月份和执行率须同时填写或同时不填" in refused.content.decode()
    assert refused.context["year"] == 2027  # the page's year, kept by the form's hidden box
    assert client.post("/alerts/tiers/rules/", {**form, "key-max_exec_rate_pct": "60"}).status_code == 302
    rule = TierRule.objects.get(region=w.region, tier="KEY")
    assert (rule.project_classes, rule.fiscal_year, rule.name) == ("A", None, "重点项目（含A类）")
    assert AuditEvent.objects.filter(event_type="alerts.tier_rule_save", object_id=str(rule.pk)).exists()
    assert "或A类项目" in client.get("/alerts/tiers/?fiscal_year=2026").content.decode()
    select_tiers(actor=perf, region=w.region, fiscal_year=2026, today=date(2026, 9, 1))
    chosen = ProjectMonitoringTier.objects.get(project=small_a)
    assert (chosen.tier, chosen.reason) == ("KEY", "重要性分类A类项目")
    # Another county keeps the national rule; a business section cannot set rules.
    assert TierRule.objects.get(region__isnull=True, tier="KEY").project_classes == ""
    assert w.login("business").post("/alerts/tiers/rules/", form).status_code == 403
    # A year's own row wins over the every-year one: saving the latter says so; the form edits the year's row.
    TierRule.objects.create(region=w.region, tier="KEY", fiscal_year=2026, name="2026年重点", min_amount_wan=500)
    saved = client.post("/alerts/tiers/rules/", {**form, "key-max_exec_rate_pct": "60", "fiscal_year": "2026"})
    assert "本级另有2026年度的重点规则" in client.get(saved["Location"]).content.decode()
    key_form = client.get("/alerts/tiers/?fiscal_year=2026").context["rule_forms"][0][2]
    assert key_form["fiscal_year"].value() == 2026 and key_form["name"].value() == "2026年重点"
