"""Optimistic locking (SECURITY.md I05) on the 预警 configuration pages: rule bands and thresholds, the warning
profile, a project's monitoring tier and finance opinion, and the working-day calendar.

Each page test opens the edit page as the 绩效股, saves once with the token the page carried, then saves again with
that same (now stale) token and other data: the second save is refused with a 409 and the conflict message, the
typed input shown again, and nothing of it is written."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError

from jixiao.alerts import selectors, services
from jixiao.alerts.models import FinanceOpinion, ProjectMonitoringTier, TierRule, WarningRule, WarningSetting
from jixiao.alerts.tests.conftest import in_library
from jixiao.alerts.tests.test_rule_form import rule_post
from jixiao.core.errors import ConflictError
from jixiao.core.locking import STALE_MESSAGE, lock_token
from jixiao.core.models import AuditEvent
from jixiao.organizations.models import CalendarDay, RegionQuerySet
from jixiao.projects.models import Project
from jixiao.projects.tests.factories import ProjectFactory

TOKEN = re.compile(r'name="lock_token" value="([0-9a-f]+)"')


def _tokens(html: str) -> list[str]:
    found = TOKEN.findall(html)
    assert found, "the page carries a lock token"
    return found


# ---- rule bands and thresholds -------------------------------------------------------------------------------------


def _rule_data(rule: WarningRule, token: str, red_below: int) -> dict[str, Any]:
    return rule_post(rule, ("RED", "<", str(red_below)), ("GREEN", ">=", "0"), lock_token=token)


def test_second_save_from_a_stale_national_rule_page_does_not_overwrite_the_county_copy(library: Any) -> None:
    w = library
    national = WarningRule.objects.get(code="W-EXEC-RATIO", profile="national_default", region=None)
    client = w.login("performance")
    url = f"/alerts/rules/{national.pk}/"
    [token] = _tokens(client.get(url).content.decode())

    assert client.post(url, _rule_data(national, token, 50)).status_code == 302
    # The national row is unchanged (same version), but the page did not show the county copy the save goes to.
    stale = client.post(url, _rule_data(national, token, 40))
    assert stale.status_code == 409
    assert STALE_MESSAGE in stale.content.decode() and 'data-testid="form-error"' in stale.content.decode()
    own = WarningRule.objects.get(code="W-EXEC-RATIO", profile="national_default", region=w.region)
    assert own.bands[0]["value"] == 50 and own.version == 2


def test_second_save_from_a_stale_county_rule_page_is_refused_and_the_first_kept(library: Any) -> None:
    w = library
    national = WarningRule.objects.get(code="W-EXEC-RATIO", profile="national_default", region=None)
    own = services.rule_update(actor=w.users["performance"], rule=national, data={"name": "执行率（县）"})
    client = w.login("performance")
    url = f"/alerts/rules/{own.pk}/"
    [token] = _tokens(client.get(url).content.decode())

    assert client.post(url, _rule_data(own, token, 55)).status_code == 302
    stale = client.post(url, {**_rule_data(own, token, 45), "version": ""})  # a page without the old version field
    assert stale.status_code == 409 and STALE_MESSAGE in stale.content.decode()
    own.refresh_from_db()
    assert own.bands[0]["value"] == 55


def test_rule_update_service_checks_the_token(library: Any) -> None:
    w = library
    actor = w.users["performance"]
    rule = WarningRule.objects.get(code="W-EXEC-RATIO", profile="national_default", region=None)
    token = lock_token(services.rule_lock_rows(rule, w.region, selectors.rules_visible(actor)))
    services.rule_update(actor=actor, rule=rule, data={"name": "甲"}, lock_token=token)
    with pytest.raises(ConflictError):
        services.rule_update(actor=actor, rule=rule, data={"name": "乙"}, lock_token=token)
    assert WarningRule.objects.get(code="W-EXEC-RATIO", profile="national_default", region=w.region).name == "甲"


# ---- warning profile (预警方案) -------------------------------------------------------------------------------------


def test_second_profile_switch_from_a_stale_rules_page_is_refused_and_the_first_kept(library: Any) -> None:
    w = library
    client = w.login("performance")
    [token] = _tokens(client.get("/alerts/rules/").content.decode())

    first = client.post("/alerts/rules/profile/", {"profile": "sichuan_2025", "lock_token": token})
    assert first.status_code == 302
    stale = client.post("/alerts/rules/profile/", {"profile": "national_default", "lock_token": token})
    # The rules page again with the reason and 409 (not a redirect), the choice as typed.
    assert stale.status_code == 409 and STALE_MESSAGE in stale.content.decode()
    assert '<option value="national_default" selected>' in stale.content.decode()
    assert WarningSetting.objects.get(region=w.region, fiscal_year=None).profile == "sichuan_2025"


# ---- a project's tier and finance opinion ------------------------------------------------------------------------


def test_second_tier_save_from_a_stale_page_is_refused_and_the_first_kept(library: Any) -> None:
    w = library
    client = w.login("performance")
    url = f"/alerts/tiers/project/{w.school_project.pk}/"
    tier_token, _opinion_token = _tokens(client.get(url).content.decode())

    first = client.post(url, {"form": "tier", "tier": "KEY", "reason": "社会关注度高", "lock_token": tier_token})
    assert first.status_code == 302
    stale = client.post(url, {"form": "tier", "tier": "MAJOR", "reason": "资金量大", "lock_token": tier_token})
    assert stale.status_code == 409 and STALE_MESSAGE in stale.content.decode() and "资金量大" in stale.content.decode()
    row = ProjectMonitoringTier.objects.get(project=w.school_project)
    assert (row.tier, row.reason) == ("KEY", "社会关注度高")

    # A second change of an existing row (same primary key) also moves the token.
    tier_token = _tokens(client.get(url).content.decode())[0]
    assert (
        client.post(url, {"form": "tier", "tier": "MAJOR", "reason": "改为重大", "lock_token": tier_token}).status_code
        == 302
    )
    again = client.post(url, {"form": "tier", "tier": "KEY", "reason": "改回重点", "lock_token": tier_token})
    assert again.status_code == 409
    assert ProjectMonitoringTier.objects.get(project=w.school_project).tier == "MAJOR"


def test_second_opinion_save_from_a_stale_page_is_refused_and_the_first_kept(library: Any) -> None:
    w = library
    client = w.login("performance")
    url = f"/alerts/tiers/project/{w.school_project.pk}/"
    _tier_token, token = _tokens(client.get(url).content.decode())
    data = {"form": "opinion", "needs_rectify": "on", "advice": "加快招标", "budget_action": "REDUCE"}

    assert client.post(url, {**data, "lock_token": token}).status_code == 302
    stale = client.post(url, {**data, "advice": "暂缓", "budget_action": "NONE", "lock_token": token})
    assert stale.status_code == 409 and STALE_MESSAGE in stale.content.decode() and "暂缓" in stale.content.decode()
    opinion = FinanceOpinion.objects.get(project=w.school_project)
    assert (opinion.advice, opinion.budget_action) == ("加快招标", "REDUCE")

    _tier_token, token = _tokens(client.get(url).content.decode())
    assert client.post(url, {**data, "advice": "暂缓", "lock_token": token}).status_code == 302
    assert client.post(url, {**data, "advice": "再改", "lock_token": token}).status_code == 409
    assert FinanceOpinion.objects.get(project=w.school_project).advice == "暂缓"


def _big_project(w: Any) -> Any:
    big = ProjectFactory(unit=w.school, code="P-BIG", fiscal_amount_yuan=Decimal("1500000"))  # ≥100万: 重大
    in_library(big)
    return big


def test_rule_selection_clashing_with_a_tier_set_meanwhile_is_a_409_and_changes_nothing(
    library: Any, monkeypatch: Any
) -> None:
    """按规则筛选 read the hand-set tiers, then inserted its rows: a 层级 set by hand in between (or a second press)
    inserted the same project's row first, and the insert hit `uniq_project_tier`, a 500 on PostgreSQL. The region's
    row now serialises them; a clash the lock did not prevent is a 409 with the earlier selection left as it was."""
    w = library
    big = _big_project(w)
    services.select_tiers(actor=w.users["performance"], region=w.region, fiscal_year=2026, today=date(2026, 9, 1))
    assert ProjectMonitoringTier.objects.get(project=big).source == "RULE"
    selections = AuditEvent.objects.filter(event_type="alerts.tier_select").count()
    insert = ProjectMonitoringTier.objects.bulk_create

    def set_by_hand_meanwhile(rows: Any, *args: Any, **kwargs: Any) -> Any:
        ProjectMonitoringTier.objects.create(project=big, fiscal_year=2026, tier="KEY", source="MANUAL", reason="急")
        return insert(rows, *args, **kwargs)

    monkeypatch.setattr(ProjectMonitoringTier.objects, "bulk_create", set_by_hand_meanwhile)
    response = w.login("performance").post("/alerts/tiers/select/", {"fiscal_year": 2026})
    assert response.status_code == 409 and services.TIER_CLASH in response.content.decode()
    monkeypatch.undo()
    row = ProjectMonitoringTier.objects.get(project=big)
    assert (row.source, row.tier) == ("RULE", "MAJOR")
    assert AuditEvent.objects.filter(event_type="alerts.tier_select").count() == selections


def test_rule_selection_and_a_tier_set_by_hand_lock_the_region_first(library: Any, monkeypatch: Any) -> None:
    """Both take the region's row before anything else (a tier set by hand before its project's row, the order
    按规则筛选 takes them in), so one waits for the other on PostgreSQL instead of clashing."""
    w = library
    big = _big_project(w)
    locked: list[str] = []
    region_lock, project_lock = RegionQuerySet.lock, Project.objects.select_for_update

    def region_spy(queryset: RegionQuerySet) -> list[int]:
        locked.append("region")
        return region_lock(queryset)

    def project_spy(*args: Any, **kwargs: Any) -> Any:
        locked.append("project")
        return project_lock(*args, **kwargs)

    monkeypatch.setattr(RegionQuerySet, "lock", region_spy)
    monkeypatch.setattr(Project.objects, "select_for_update", project_spy)
    services.tier_set(actor=w.users["performance"], project=big, tier="KEY", reason="社会关注度高")
    assert locked[:2] == ["region", "project"]
    locked.clear()
    services.select_tiers(actor=w.users["performance"], region=w.region, fiscal_year=2026, today=date(2026, 9, 1))
    assert locked[:1] == ["region"]
    assert ProjectMonitoringTier.objects.get(project=big).source == "MANUAL"


# ---- 重大/重点 selection rules (筛选规则设置) ------------------------------------------------------------------------


def _key_rule_form(token: str, min_amount_wan: str, **extra: Any) -> dict[str, Any]:
    return {
        "tier": "KEY",
        "fiscal_year": "2026",  # the page's year
        "key-fiscal_year": "",
        "key-name": f"{min_amount_wan}万元以上重点项目",
        "key-min_amount_wan": min_amount_wan,
        "key-checkpoint_month": "8",
        "key-max_exec_rate_pct": "60",
        "key-enabled": "on",
        "key-lock_token": token,
        **extra,
    }


def _key_rule_token(client: Any) -> str:
    page = client.get("/alerts/tiers/?fiscal_year=2026").content.decode()
    found = re.findall(r'name="key-lock_token" value="([0-9a-f]+)"', page)
    assert len(found) == 1, "the 重点 rule form carries a lock token"
    return str(found[0])


def test_second_tier_rule_save_from_a_stale_page_is_refused_and_the_first_kept(library: Any) -> None:
    """Two staff editing the region's 重点 rule overwrote each other: the rule had no version or token. The form now
    carries the token of the region's own rows it starts from; a save from a page shown before another save is a
    409 with the form as typed, and the first rule stays."""
    w = library
    client = w.login("performance")
    token = _key_rule_token(client)
    assert client.post("/alerts/tiers/rules/", _key_rule_form(token, "300")).status_code == 302
    stale = client.post("/alerts/tiers/rules/", _key_rule_form(token, "500"))
    body = stale.content.decode()
    assert stale.status_code == 409 and STALE_MESSAGE in body and 'value="500万元以上重点项目"' in body
    rule = TierRule.objects.get(region=w.region, tier="KEY")
    assert (rule.min_amount_wan, rule.name) == (Decimal(300), "300万元以上重点项目")
    assert AuditEvent.objects.filter(event_type="alerts.tier_rule_save").count() == 1
    # A change of the existing row moves the token too.
    token = _key_rule_token(client)
    assert client.post("/alerts/tiers/rules/", _key_rule_form(token, "400")).status_code == 302
    assert client.post("/alerts/tiers/rules/", _key_rule_form(token, "600")).status_code == 409
    assert TierRule.objects.get(region=w.region, tier="KEY").min_amount_wan == Decimal(400)
    # The 重大 form's token is its own: the 重点 saves left it current.
    page = client.get("/alerts/tiers/?fiscal_year=2026").content.decode()
    assert re.search(r'name="major-lock_token" value="([0-9a-f]+)"', page).group(1) == lock_token([])  # type: ignore[union-attr]


def test_two_first_tier_rule_saves_at_once_are_a_409_not_a_500(library: Any, monkeypatch: Any) -> None:
    """Two first saves at once both found no row and both created it: `uniq_tier_rule`, a 500. The region's row is
    locked before the rows are read; a clash the lock did not prevent is a 409 with nothing written."""
    w = library
    perf = w.users["performance"]
    locked: list[str] = []
    lock = RegionQuerySet.lock
    monkeypatch.setattr(RegionQuerySet, "lock", lambda queryset: locked.append("region") or lock(queryset))

    def created_meanwhile(row: TierRule, *args: Any, **kwargs: Any) -> None:
        # Another first save committed between the read and this insert. On PostgreSQL the insert then fails on
        # `uniq_tier_rule`; SQLite does not build that constraint (NULLS NOT DISTINCT), so its error is raised here.
        raise IntegrityError('duplicate key value violates unique constraint "uniq_tier_rule"')

    monkeypatch.setattr(TierRule, "save", created_meanwhile)
    data = {"min_amount_wan": Decimal(300), "checkpoint_month": 8, "max_exec_rate_pct": Decimal(60)}
    with pytest.raises(ConflictError, match="刚被他人保存"):
        services.tier_rule_save(actor=perf, tier="KEY", fiscal_year=None, data=data)
    assert locked == ["region"]
    assert not TierRule.objects.filter(region=w.region).exists()
    assert not AuditEvent.objects.filter(event_type="alerts.tier_rule_save").exists()


# ---- the working-day calendar (工作日历) --------------------------------------------------------------------------


def test_second_calendar_save_from_a_stale_page_is_refused_and_the_first_kept(library: Any) -> None:
    w = library
    client = w.login("performance")
    url = "/alerts/calendar/?fiscal_year=2026"
    [token] = _tokens(client.get(url).content.decode())

    first = client.post(url, {"date": "2026-10-01", "name": "国庆节", "lock_token": token})
    assert first.status_code == 302
    stale = client.post(url, {"date": "2026-10-01", "is_working": "on", "name": "调休", "lock_token": token})
    assert stale.status_code == 409 and 'value="调休"' in stale.content.decode()
    assert STALE_MESSAGE in stale.content.decode() and 'data-testid="form-error"' in stale.content.decode()
    day = CalendarDay.objects.get(region=w.region, date=date(2026, 10, 1))
    assert (day.is_working, day.name) == (False, "国庆节")

    # Editing an existing day (no version column: its content is the stamp) moves the token as well.
    page_tokens = set(_tokens(client.get(url).content.decode()))
    assert len(page_tokens) == 1  # the add form and each row's delete button carry the same token
    [token] = page_tokens
    assert client.post(url, {"date": "2026-10-01", "name": "国庆节假期", "lock_token": token}).status_code == 302
    assert client.post(url, {"date": "2026-10-01", "name": "又改", "lock_token": token}).status_code == 409
    assert CalendarDay.objects.get(region=w.region, date=date(2026, 10, 1)).name == "国庆节假期"


def test_delete_from_a_stale_calendar_page_is_refused(library: Any) -> None:
    w = library
    actor = w.users["performance"]
    day = services.calendar_day_save(actor=actor, region=w.region, day=date(2026, 10, 1), is_working=False, name="国庆")
    client = w.login("performance")
    [token] = set(_tokens(client.get("/alerts/calendar/?fiscal_year=2026").content.decode()))
    services.calendar_day_save(actor=actor, region=w.region, day=date(2026, 10, 1), is_working=True, name="调休")

    stale = client.post(f"/alerts/calendar/{day.pk}/delete/", {"lock_token": token, "fiscal_year": "2026"})
    # The calendar again with the reason and 409, not a redirect; its links and form name the calendar's address.
    assert stale.status_code == 409 and STALE_MESSAGE in stale.content.decode()
    assert '<form method="post" action="/alerts/calendar/?fiscal_year=2026"' in stale.content.decode()
    assert CalendarDay.objects.filter(pk=day.pk, is_working=True).exists()

    [token] = set(_tokens(client.get("/alerts/calendar/?fiscal_year=2026").content.decode()))
    assert client.post(f"/alerts/calendar/{day.pk}/delete/", {"lock_token": token}).status_code == 302
    assert not CalendarDay.objects.filter(pk=day.pk).exists()


def test_calendar_save_for_a_year_not_shown_is_not_checked_against_the_page(library: Any) -> None:
    w = library
    client = w.login("performance")
    [token] = _tokens(client.get("/alerts/calendar/?fiscal_year=2026").content.decode())
    services.calendar_day_save(
        actor=w.users["performance"], region=w.region, day=date(2026, 5, 1), is_working=False, name="劳动节"
    )
    # The page showed 2026; a 2027 day was not on it, so the 2026 change is no conflict for it.
    response = client.post(
        "/alerts/calendar/?fiscal_year=2026", {"date": "2027-01-01", "name": "元旦", "lock_token": token}
    )
    assert response.status_code == 302
    assert CalendarDay.objects.filter(region=w.region, date=date(2027, 1, 1)).exists()
