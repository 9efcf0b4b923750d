"""Fiscal years hold for every region of the system: only the top finance bureau's users add, open, close or
switch them; a county's 预算股 or 系统管理员 under a province bureau sees the years read-only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import TEST_PASSWORD, World, _member
from jixiao.core.errors import PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.organizations import services
from jixiao.organizations.models import FinanceSection, FiscalYear
from jixiao.organizations.tests.factories import FinanceSectionFactory, city_with_counties


def _province_bureau(world: World) -> Client:
    """The world's county under a province whose own bureau has a 预算股; returns that section's user, logged in."""
    province, _ = city_with_counties(world.region, code="510000000", name="四川省")
    section = FinanceSectionFactory(region=province, code="YS", name="预算处", kind=FinanceSection.Kind.BUDGET)
    _member("prov_budget", "budget", province, section=section)
    client = Client()
    assert client.login(username="prov_budget", password=TEST_PASSWORD)
    return client


@pytest.mark.parametrize("persona", ["budget", "sys_admin"])
def test_a_county_under_a_province_bureau_cannot_close_or_switch_years(world: World, persona: str) -> None:
    _province_bureau(world)
    client = world.login(persona)
    url = reverse("organizations:year_save")
    closed = client.post(url, {"action": "close", "year": "2026"})
    switched = client.post(url, {"action": "set_current", "year": "2027"})
    added = client.post(url, {"year": "2030", "is_open": "on"})
    assert (closed.status_code, switched.status_code, added.status_code) == (403, 403, 403)
    assert "只能由四川省财政部门的预算股或系统管理员" in closed.content.decode()
    assert "只能由四川省财政部门的预算股或系统管理员" in added.content.decode()
    assert FiscalYear.objects.get(pk=2026).is_open is True
    assert list(FiscalYear.objects.filter(is_current=True).values_list("year", flat=True)) == [2026]
    assert not FiscalYear.objects.filter(pk=2030).exists()
    assert not AuditEvent.objects.filter(event_type__startswith="fiscal_year.").exists()


def test_the_service_refuses_a_county_user_too(world: World) -> None:
    _province_bureau(world)
    with pytest.raises(PermissionDeniedError, match="四川省财政部门"):
        services.fiscal_year_set_open(
            actor=world.users["budget"], fiscal_year=FiscalYear.objects.get(pk=2026), is_open=False
        )


def test_a_county_user_sees_the_years_without_buttons_and_who_manages_them(world: World) -> None:
    _province_bureau(world)
    page = world.login("budget").get(reverse("organizations:year_list"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "由四川省财政部门的预算股或系统管理员统一新增、开关和切换" in html
    assert 'value="set_current"' not in html
    assert 'value="close"' not in html
    assert "新增年度" not in html


def test_the_province_bureau_manages_the_years(world: World) -> None:
    client = _province_bureau(world)
    response = client.post(reverse("organizations:year_save"), {"action": "close", "year": "2026"})
    assert response.status_code == 302
    assert FiscalYear.objects.get(pk=2026).is_open is False
    page = client.get(reverse("organizations:year_list")).content.decode()
    assert 'value="open"' in page
    assert "本页仅供查看" not in page


def test_a_county_whose_province_and_city_rows_have_no_bureau_manages_its_years(world: World) -> None:
    """The demo: 四川省 and 达州市 are rows of the tree without 股室; the county's bureau is the top one."""
    city_with_counties(world.region)
    response = world.login("budget").post(reverse("organizations:year_save"), {"action": "close", "year": "2026"})
    assert response.status_code == 302
    assert FiscalYear.objects.get(pk=2026).is_open is False
