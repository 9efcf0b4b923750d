"""存量资金清理 (seed 003 S62): which unspent budgets are idle on a date (结余资金, 连续两年结转, 沉淀资金, 执行缓慢),
their balances, the region's settings, 收回 of the ticked projects (all or nothing, no double recovery, scoped,
audited), the page, its export and its refusals."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from jixiao.alerts import idle_funds, services
from jixiao.alerts.idle_funds import IdleReason
from jixiao.alerts.models import FundAdjustment, WarningSetting
from jixiao.alerts.tests.conftest import pay
from jixiao.core.errors import DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.projects.models import Project
from jixiao.projects.tests.factories import ProjectFactory

LIST = "/alerts/idle-funds/"
RECOVER = "/alerts/idle-funds/recover/"
OCTOBER = date(2026, 10, 15)  # after the end of September (执行缓慢 applies), before the year is over


def _arrange(w: Any) -> None:
    """Budgets of 50万 each: the school paid 10万 in February (idle since, 20%), the hospital 40万 in September (80%,
    active), the branch nothing (idle from January, 0%)."""
    pay(w.school_project, "100000.00", date(2026, 2, 10))
    pay(w.hospital_project, "400000.00", date(2026, 9, 20))


def _candidates(user: Any, as_of: date, year: int = 2026, **params: Any) -> dict[str, Any]:
    criteria = idle_funds.criteria_for(user.active_membership.region, year, as_of)
    return {p.code: p for p in idle_funds.idle_candidates(user, criteria, params)}


def test_each_rule_finds_its_projects_and_the_balances(library: Any) -> None:
    w = library
    _arrange(w)
    perf = w.users["performance"]
    found = _candidates(perf, OCTOBER)
    assert set(found) == {"P-SCHOOL", "P-BRANCH"}  # the hospital spends; the far county's project is not seen
    school = found["P-SCHOOL"]
    assert idle_funds.reasons_of(school) == ["沉淀资金", "执行缓慢"]
    assert (school.executed_yuan, school.balance_yuan, school.idle_months) == (100000, 400000, 7)
    assert idle_funds.rate(school) == Decimal("20.00") and idle_funds.last_paid_text(school) == "2026年2月"
    assert idle_funds.last_paid_text(found["P-BRANCH"]) == "无支出" and found["P-BRANCH"].idle_months == 9
    # In June nothing has lain idle for six months yet (May is the last whole month), and 执行缓慢 waits for October.
    assert _candidates(perf, date(2026, 6, 15)) == {}
    # One reason at a time.
    assert set(_candidates(perf, OCTOBER, reason=IdleReason.SLOW)) == {"P-SCHOOL", "P-BRANCH"}
    assert set(_candidates(perf, OCTOBER, reason=IdleReason.SURPLUS)) == set()
    # A payment this month (not yet in a whole month) means the money moves: still slow, no longer 沉淀.
    pay(w.school_project, "1000.00", date(2026, 10, 5))
    school = _candidates(perf, OCTOBER)["P-SCHOOL"]
    assert idle_funds.reasons_of(school) == ["执行缓慢"] and school.balance_yuan == 399000


def test_after_the_year_surplus_and_two_year_carryover(library: Any) -> None:
    w = library
    _arrange(w)
    # The hospital's project goes on to 2027; 5万 of its 55万 came over from 2025, and 40万 of the 55万 is paid.
    Project.objects.filter(pk=w.hospital_project.pk).update(end_year=2027, carryover_amount_yuan=Decimal(50000))
    perf = w.users["performance"]
    found = _candidates(perf, date(2027, 1, 20))
    # The school's and the branch's periods ended with 2026: 结余, the whole balance. The hospital's goes on, but the
    # carried-over funds still unspent at the end of 2026 have lain unspent two years: at most those 5万 go back.
    # 执行缓慢 is a judgement within the year only.
    assert idle_funds.reasons_of(found["P-SCHOOL"]) == ["结余资金", "沉淀资金"]
    assert found["P-SCHOOL"].recoverable_yuan == found["P-SCHOOL"].balance_yuan == 400000
    assert idle_funds.reasons_of(found["P-HOSP"]) == ["连续两年结转"]
    assert (found["P-HOSP"].balance_yuan, found["P-HOSP"].recoverable_yuan) == (150000, 50000)
    # With a balance below the carried-over funds, the balance is the limit.
    pay(w.hospital_project, "120000.00", date(2026, 12, 20))
    assert _candidates(perf, date(2027, 1, 20))["P-HOSP"].recoverable_yuan == 30000
    # Without 上年结转 a continuing project spending its money is not idle.
    Project.objects.filter(pk=w.hospital_project.pk).update(carryover_amount_yuan=0)
    assert "P-HOSP" not in _candidates(perf, date(2027, 1, 20))
    # Refunds beyond the payments count as nothing paid: the balance is never above the budget.
    pay(w.branch_project, "-1000.00", date(2026, 3, 1))
    assert _candidates(perf, date(2027, 1, 20))["P-BRANCH"].balance_yuan == 500000


def test_month_edges(library: Any) -> None:
    w = library
    _arrange(w)
    perf = w.users["performance"]
    # 31 July is a month end: July is a whole month, so the branch and the hospital (which pays in September) have 7
    # months without a payment, the school 5.
    found = _candidates(perf, date(2026, 7, 31))
    assert set(found) == {"P-BRANCH", "P-HOSP"} and found["P-BRANCH"].idle_months == 7
    # In January of the next year nothing of January is whole yet: December is the last month counted.
    assert _candidates(perf, date(2027, 1, 5))["P-SCHOOL"].idle_months == 10
    # A year whose 执行缓慢 month is December: judged on 31 December only.
    WarningSetting.objects.create(region=w.region, fiscal_year=2026, slow_month=12, idle_months=12)
    assert _candidates(perf, date(2026, 12, 30)) == {}
    assert set(_candidates(perf, date(2026, 12, 31))) == {"P-SCHOOL", "P-BRANCH"}


def test_the_region_sets_its_own_idle_months_and_slow_rule(library: Any) -> None:
    w = library
    _arrange(w)
    perf = w.users["performance"]
    WarningSetting.objects.create(region=w.region, fiscal_year=2026, idle_months=9, slow_month=10, slow_rate_pct=15)
    found = _candidates(perf, OCTOBER)
    # School: 7 idle months < 9, and 执行缓慢 waits for the end of October; the branch: 9 months idle.
    assert set(found) == {"P-BRANCH"} and idle_funds.reasons_of(found["P-BRANCH"]) == ["沉淀资金"]
    sentences = dict(idle_funds.criteria_for(w.region, 2026, OCTOBER).sentences())
    assert sentences["沉淀资金"] == "连续9个月以上没有支出的项目资金"
    assert sentences["执行缓慢"].startswith("10月底以后，截至认定日期执行率仍低于15%")


def test_settings_are_saved_on_the_rules_page_and_refused_out_of_range(library: Any) -> None:
    w = library
    finance = w.login("performance")
    page = finance.get("/alerts/rules/").content.decode()
    token = page.split('name="lock_token" value="')[1].split('"')[0]
    data = {"profile": "national_default", "lock_token": token, "idle_months": "4", "slow_month": "8"}
    bad = finance.post("/alerts/rules/profile/", {**data, "slow_rate_pct": "120"})
    assert bad.status_code == 400 and "100" in bad.content.decode()
    assert not WarningSetting.objects.filter(region=w.region).exists()
    assert finance.post("/alerts/rules/profile/", {**data, "slow_rate_pct": "25"}).status_code == 302
    row = WarningSetting.objects.get(region=w.region, fiscal_year=None)
    assert (row.idle_months, row.slow_month, row.slow_rate_pct) == (4, 8, Decimal("25.00"))
    event = AuditEvent.objects.filter(event_type="alerts.setting_save").latest("seq")
    assert event.changes["idle_months"] == [None, 4]
    assert "连续4个月无支出为沉淀资金" in finance.get("/alerts/rules/").content.decode()


def test_recovery_takes_each_balance_once_and_is_audited(library: Any) -> None:
    w = library
    _arrange(w)
    perf = w.users["performance"]
    ids = [w.school_project.pk, w.branch_project.pk]
    count, amount = services.idle_funds_recover(
        actor=perf, fiscal_year=2026, as_of=OCTOBER, project_ids=ids, reason="统筹用于民生支出"
    )
    assert (count, amount) == (2, Decimal("900000.00"))
    rows = FundAdjustment.objects.filter(source=FundAdjustment.Source.IDLE_FUNDS).order_by("amount_yuan")
    assert [(r.project_id, r.kind, r.amount_yuan) for r in rows] == [
        (w.school_project.pk, "RECOVER", Decimal("400000.00")),
        (w.branch_project.pk, "RECOVER", Decimal("500000.00")),
    ]
    assert rows[0].reason == "存量资金清理（沉淀资金、执行缓慢，截至2026-10-15）：统筹用于民生支出"
    events = AuditEvent.objects.filter(event_type="alerts.idle_funds_recover")
    assert {e.object_id for e in events} == {str(r.pk) for r in rows}
    # Recovered: nothing is left to take, so the list is empty and a second post (a double click) takes nothing.
    assert _candidates(perf, OCTOBER) == {}
    with pytest.raises(DomainError, match=r"2个项目（P-BRANCH、P-SCHOOL）已无可收回的存量资金") as refused:
        services.idle_funds_recover(actor=perf, fiscal_year=2026, as_of=OCTOBER, project_ids=ids, reason="再收一次")
    assert refused.value.status_code == 409
    assert FundAdjustment.objects.count() == 2
    assert idle_funds.recovered_totals(perf, 2026) == {"count": 2, "projects": 2, "amount_yuan": Decimal("900000")}


def test_recovery_refusals_write_nothing(library: Any) -> None:
    w = library
    _arrange(w)
    perf = w.users["performance"]

    def recover(actor: Any = perf, ids: Any = (w.school_project.pk,), **kw: Any) -> Any:
        args = {"fiscal_year": 2026, "as_of": OCTOBER, "reason": "统筹使用", **kw}
        return services.idle_funds_recover(actor=actor, project_ids=list(ids), **args)

    with pytest.raises(PermissionDeniedError):
        recover(actor=w.users["business"])
    with pytest.raises(NotFoundError):  # another county's project: as if it did not exist
        recover(ids=[w.school_project.pk, w.far_project.pk])
    with pytest.raises(DomainError, match="已无可收回"):  # the hospital spends: not idle, so the batch is refused
        recover(ids=[w.school_project.pk, w.hospital_project.pk])
    with pytest.raises(DomainError, match="请先勾选"):
        recover(ids=[])
    with pytest.raises(DomainError, match="收回依据及统筹用途"):
        recover(reason="  ")
    with pytest.raises(DomainError, match="不能晚于今天"):
        recover(as_of=date(2099, 1, 1))
    assert not FundAdjustment.objects.exists()
    assert not AuditEvent.objects.filter(event_type="alerts.idle_funds_recover").exists()


def test_a_recovery_dated_earlier_never_takes_what_was_spent_since(library: Any) -> None:
    w = library
    _arrange(w)
    perf = w.users["performance"]
    # On 15 October the school had 40万 left and was idle; on 3 November it paid 30万: 10万 is left today.
    pay(w.school_project, "300000.00", date(2026, 11, 3))
    assert _candidates(perf, OCTOBER)["P-SCHOOL"].recoverable_yuan == 400000
    count, amount = services.idle_funds_recover(
        actor=perf, fiscal_year=2026, as_of=OCTOBER, project_ids=[w.school_project.pk], reason="统筹使用"
    )
    assert (count, amount) == (1, Decimal("100000.00"))
    # Nothing is left: a second 收回 for the same date is refused, naming the project.
    with pytest.raises(DomainError, match="P-SCHOOL"):
        services.idle_funds_recover(
            actor=perf, fiscal_year=2026, as_of=OCTOBER, project_ids=[w.school_project.pk], reason="统筹使用"
        )
    # The page for that date warns that the amount is capped by today's balance.
    page = w.login("performance").get(f"{LIST}?fiscal_year=2026&as_of=2026-10-15").content.decode()
    assert 'data-testid="idle-past-date"' in page


def test_the_page_lists_recovers_and_exports(library: Any) -> None:
    w = library
    _arrange(w)
    finance = w.login("performance")
    query = "fiscal_year=2026&as_of=2026-10-15"
    page = finance.get(f"{LIST}?{query}").content.decode()
    assert 'data-testid="idle-count">2 个' in page and 'data-testid="idle-total">90.00' in page
    assert "一中教学设备购置" in page and "分校食堂改造" in page and "医院信息化建设" not in page
    assert "连续6个月以上没有支出的项目资金" in page and 'data-testid="idle-recover-bar"' in page
    # Nothing ticked: refused on the same list (4xx), the reason typed kept.
    empty = finance.post(f"{RECOVER}?{query}", {"fiscal_year": 2026, "as_of": "2026-10-15", "reason": "统筹使用"})
    assert empty.status_code == 400 and "请先勾选要办理的项目" in empty.content.decode()
    assert 'value="统筹使用"' in empty.content.decode()
    data = {"fiscal_year": 2026, "as_of": "2026-10-15", "reason": "统筹用于县级民生支出", "ids": [w.branch_project.pk]}
    done = finance.post(f"{RECOVER}?{query}", data)
    assert done.status_code == 302 and done["Location"] == f"{LIST}?{query}"
    after = finance.get(done["Location"]).content.decode()
    assert "已收回1个项目的存量资金50.00万元" in after
    assert 'data-testid="idle-count">1 个' in after and 'data-testid="idle-recovered">50.00 万元' in after
    # Another county's id is not found; the unit sees its own project only and cannot recover.
    foreign = finance.post(f"{RECOVER}?{query}", {**data, "ids": [w.far_project.pk]})
    assert foreign.status_code == 404
    unit = w.login("unit_user").get(f"{LIST}?{query}").content.decode()
    assert "一中教学设备购置" in unit and "分校食堂改造" not in unit and "idle-recover-bar" not in unit
    assert w.login("unit_user").post(f"{RECOVER}?{query}", data).status_code == 403
    # The export reads the same list, opened as a real workbook.
    response = finance.get(f"/alerts/idle-funds/export/?{query}")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("预算年度", "项目编码", "项目名称") and len(rows) == 2
    assert rows[1][1] == "P-SCHOOL" and rows[1][11] == rows[1][12] == 40 and rows[1][14] == "沉淀资金、执行缓慢"
    assert AuditEvent.objects.filter(event_type="alerts.idle_funds_export").exists()


def test_bad_filters_are_shown_at_their_fields(library: Any) -> None:
    w = library
    finance = w.login("performance")
    page = finance.get(f"{LIST}?fiscal_year=abc&as_of=2099-01-01&reason=XX")
    assert page.status_code == 200
    text = page.content.decode()
    assert "认定日期不能晚于今天" in text and "选择一个有效的选项" in text


def test_the_page_reads_the_same_few_queries_whatever_the_rows(
    library: Any, django_assert_max_num_queries: Any
) -> None:
    w = library
    _arrange(w)
    finance = w.login("performance")
    url = f"{LIST}?fiscal_year=2026&as_of=2026-10-15"
    finance.get(url)  # the session and the menu are warm
    with django_assert_max_num_queries(12):  # totals, the page, its projects by id, the recovered card, layout
        assert finance.get(url).status_code == 200
    for n in range(30):
        ProjectFactory(unit=w.school, code=f"P-IDLE-{n:02d}", status=Project.Status.IN_LIBRARY)
    with django_assert_max_num_queries(12):
        page = finance.get(url).content.decode()
    assert 'data-testid="idle-count">32 个' in page


def test_the_list_filters_by_project_and_department(library: Any) -> None:
    w = library
    _arrange(w)
    perf = w.users["performance"]
    assert set(_candidates(perf, OCTOBER, q="分校")) == {"P-BRANCH"}
    assert set(_candidates(perf, OCTOBER, q="p-school")) == {"P-SCHOOL"}  # a code in any letter case
    assert set(_candidates(perf, OCTOBER, q="100%")) == set()  # LIKE's % in a term matches literally
    assert set(_candidates(perf, OCTOBER, department=w.edu)) == {"P-SCHOOL", "P-BRANCH"}
    assert set(_candidates(perf, OCTOBER, department=w.health)) == set()
