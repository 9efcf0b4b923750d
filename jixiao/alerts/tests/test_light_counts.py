"""The dashboard card of region-level users reads the per-region light counts (`RegionLightCount`); they must equal
counting the visible lights live after the sweep and after every change of a lit project outside it (budget,
deletion, region move, hard delete)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum

from jixiao.accounts.models import Membership
from jixiao.accounts.tests.factories import UserFactory
from jixiao.alerts.models import ProjectLight, RegionLightCount
from jixiao.alerts.selectors import dashboard
from jixiao.alerts.sweep import sweep_regions
from jixiao.alerts.tests.conftest import pay
from jixiao.organizations.models import FiscalRegion
from jixiao.organizations.tests.factories import FiscalRegionFactory

AUGUST = date(2026, 8, 20)


def live_card(user: Any) -> dict[str, tuple[int, Decimal]]:
    """The card counted from the visible lights (what it did before the read model)."""
    rows = (
        ProjectLight.objects.visible_to(user)  # type: ignore[attr-defined]
        .filter(fiscal_year=2026)
        .values("color")
        .annotate(n=Count("id"), amount=Sum("project__total_amount_yuan"))
    )
    return {r["color"]: (r["n"], r["amount"]) for r in rows}


def card(user: Any) -> dict[str, tuple[int, Decimal]]:
    return {c["color"]: (c["count"], c["amount"]) for c in dashboard(user, 2026) if c["count"]}


def _member(username: str, region: Any, **orgs: Any) -> Any:
    user = UserFactory(username=username)
    Membership.objects.create(user=user, role="performance", region=region, **orgs)
    user.set_active_membership(user.memberships.get())
    return user


def assert_cards_agree(users: list[Any]) -> None:
    for user in users:
        assert card(user) == live_card(user), user.username


def test_region_counts_follow_the_sweep_and_every_change_of_a_lit_project(library: Any) -> None:
    w = library
    city = FiscalRegionFactory(mof_div_code="511700000", name="达州市", level=FiscalRegion.Level.CITY)
    for county in (w.region, w.other_region):
        county.parent = city
        county.save()
        county.path = county.build_path()
        county.save(update_fields=["path"])
    city_user = _member("city_perf", city)
    county_user = _member("county_perf", w.region)
    dept_user = w.users["dept_admin"]  # a narrower scope: counted live
    dept_user.set_active_membership(dept_user.memberships.first())
    users = [city_user, county_user, dept_user]

    pay(w.school_project, "150000", date(2026, 3, 10))
    pay(w.hospital_project, "900000", date(2026, 8, 2))
    sweep_regions([w.region, w.other_region], 2026, AUGUST)
    assert sum(n for n, _a in card(city_user).values()) == 4
    assert RegionLightCount.objects.filter(region=w.region).exists()
    assert_cards_agree(users)

    w.hospital_project.total_amount_yuan = Decimal("1234567.89")  # the budget counted by colour
    w.hospital_project.save()
    assert_cards_agree(users)

    w.school_project.is_deleted = True
    w.school_project.save(update_fields=["is_deleted", "updated_at"])
    assert_cards_agree(users)
    assert sum(n for n, _a in card(county_user).values()) == 2

    w.far_project.region = w.region  # moved between counties: both are recounted
    w.far_project.save(update_fields=["region"])
    assert_cards_agree(users)
    assert sum(n for n, _a in card(county_user).values()) == 3

    w.branch_project.delete()  # hard delete: its lights go with it
    assert_cards_agree(users)
    assert sum(n for n, _a in card(city_user).values()) == 2

    # A sweep that changes no light leaves the counts; one that changes lights rebuilds its regions' counts.
    stored = list(RegionLightCount.objects.order_by("pk").values_list("pk", "color", "projects", "amount_yuan"))
    sweep_regions([w.region, w.other_region], 2026, AUGUST)
    assert list(RegionLightCount.objects.order_by("pk").values_list("pk", "color", "projects", "amount_yuan")) == stored
    RegionLightCount.objects.all().delete()
    pay(w.far_project, "1", date(2026, 8, 3))  # the one project still in the library: its light changes
    sweep_regions([w.region, w.other_region], 2026, AUGUST)
    assert RegionLightCount.objects.exists()
    assert_cards_agree(users)
