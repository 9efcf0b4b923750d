"""待办 of 第三方委托: the performance section sees the engagements of its region past their 成果提交期限 with nothing
submitted; an agency's login sees its own engagements awaiting their deliverables, with the nearest deadline counted
down. Another region's or another agency's engagements never count, and each item links to the filtered list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import World
from jixiao.accounts.models import Membership
from jixiao.accounts.tests.factories import UserFactory
from jixiao.core import todos
from jixiao.experts.models import Agency, Engagement

pytestmark = pytest.mark.django_db


def _agency(region: Any, name: str, code: str, users: list[Any]) -> Agency:
    agency = Agency.objects.create(region=region, name=name, credit_code=code)
    agency.users.set(users)
    return agency


def _engagement(agency: Agency, title: str, days: int | None, status: str = "active") -> Engagement:
    deadline = None if days is None else timezone.localdate() + timedelta(days=days)
    return Engagement.objects.create(
        region=agency.region,
        agency=agency,
        scope="key_evaluation",
        fiscal_year=2026,
        title=title,
        deadline=deadline,
        status=status,
    )


def _items(user: Any) -> dict[str, tuple[int, str, str]]:
    return {i.title: (i.count, i.hint, i.url) for i in todos.for_user(user) if i.stage == "第三方委托"}


@pytest.fixture
def engagements(world: World) -> dict[str, Engagement]:
    other_login = UserFactory(username="p_agency2")
    Membership.objects.create(user=other_login, role="agency", region=world.region)
    mine = _agency(world.region, "明信咨询", "91511700MA62D4L83R", [world.users["agency"]])
    theirs = _agency(world.region, "其他机构", "91511700MA62D4L84R", [other_login])
    far = _agency(world.other_region, "外县机构", "91511700MA62D4L85R", [world.users["agency"]])
    return {
        "late": _engagement(mine, "逾期未交", -10),
        "late_theirs": _engagement(theirs, "他家逾期", -3),
        "due_soon": _engagement(mine, "三天后截止", 3),
        "no_deadline": _engagement(mine, "未定期限", None),
        "delivered_late": _engagement(mine, "逾期但已提交", -20, "delivered"),
        "accepted_late": _engagement(mine, "逾期已验收", -30, "accepted"),
        "terminated_late": _engagement(mine, "逾期已终止", -30, "terminated"),
        "far_late": _engagement(far, "外县逾期", -40),
    }


def test_the_performance_section_sees_its_regions_overdue_engagements(
    world: World, engagements: dict[str, Engagement]
) -> None:
    items = _items(world.users["performance"])
    first = timezone.localdate() - timedelta(days=10)
    url = reverse("experts:engagement_list") + "?overdue=1"
    # 逾期未交 and 他家逾期: the other region's, the delivered, accepted and terminated ones and those not yet due
    # do not count; the hint names the earliest deadline of those counted.
    assert items["第三方委托成果逾期未提交"] == (2, f"最早期限 {first:%Y-%m-%d}，已逾期10天", url)
    page = world.login("performance").get(url).content.decode()
    assert "逾期未交" in page and "他家逾期" in page and "已逾期10天" in page
    for name in ("三天后截止", "未定期限", "逾期但已提交", "逾期已验收", "外县逾期"):
        assert name not in page
    home = world.login("performance").get("/").content.decode()
    assert "第三方委托成果逾期未提交" in home and "委托成果待提交" not in home


def test_nothing_overdue_is_no_todo(world: World, engagements: dict[str, Engagement]) -> None:
    Engagement.objects.filter(pk__in=[engagements["late"].pk, engagements["late_theirs"].pk]).update(status="delivered")
    assert "第三方委托成果逾期未提交" not in _items(world.users["performance"])
    Engagement.objects.filter(status="delivered").update(status="accepted")
    assert _items(world.users["performance"]) == {}


def test_the_performance_section_is_asked_to_accept_what_the_agency_delivered(
    world: World, engagements: dict[str, Engagement]
) -> None:
    # The agency uploads its deliverables (已提交成果): the section that accepts or ends the engagement is told, with a
    # link to exactly those engagements; the other county's delivered engagement does not count.
    far = Agency.objects.get(name="外县机构")
    _engagement(far, "外县已提交", -5, "delivered")
    url = reverse("experts:engagement_list") + "?status=delivered"
    items = _items(world.users["performance"])
    assert items["委托成果待验收"] == (1, "核对委托成果后验收，或终止委托", url)
    page = world.login("performance").get(url).content.decode()
    assert "逾期但已提交" in page and "共 <strong>1</strong> 项委托" in page and "外县已提交" not in page
    assert "委托成果待验收" not in _items(world.users["agency"])


def test_the_agency_sees_its_own_engagements_awaiting_deliverables(
    world: World, engagements: dict[str, Engagement]
) -> None:
    items = _items(world.users["agency"])
    first = timezone.localdate() - timedelta(days=10)
    url = reverse("experts:engagement_list") + "?status=active"
    # Its three 履约中 engagements of its region (not the other agency's, not the far county's, where its login has
    # no role), with the nearest deadline counted down.
    assert items == {"委托成果待提交": (3, f"最近期限 {first:%Y-%m-%d}，已逾期10天", url)}
    page = world.login("agency").get(url).content.decode()
    assert "逾期未交" in page and "三天后截止" in page and "未定期限" in page and "还剩3天" in page
    for name in ("他家逾期", "逾期但已提交", "外县逾期"):
        assert name not in page
    home = world.login("agency").get("/").content.decode()
    assert "委托成果待提交" in home and "第三方委托成果逾期未提交" not in home


def test_the_agencys_hint_counts_down_to_the_next_deadline(world: World, engagements: dict[str, Engagement]) -> None:
    Engagement.objects.filter(pk=engagements["late"].pk).update(status="delivered")
    soon = timezone.localdate() + timedelta(days=3)
    url = reverse("experts:engagement_list") + "?status=active"
    assert _items(world.users["agency"]) == {"委托成果待提交": (2, f"最近期限 {soon:%Y-%m-%d}，还剩3天", url)}
    Engagement.objects.filter(pk=engagements["due_soon"].pk).update(status="delivered")
    assert _items(world.users["agency"])["委托成果待提交"][:2] == (1, "请按合同约定提交委托成果")


def test_the_other_agency_counts_only_its_own(world: World, engagements: dict[str, Engagement]) -> None:
    other = Membership.objects.get(user__username="p_agency2").user
    assert _items(other)["委托成果待提交"][0] == 1


def test_roles_without_engagement_duties_get_no_item(world: World, engagements: dict[str, Engagement]) -> None:
    for persona in ("budget", "leader", "oversight", "unit_user", "dept_admin"):
        assert _items(world.users[persona]) == {}, persona


def test_the_list_filters_by_status_and_a_bad_filter_shows_everything(
    world: World, engagements: dict[str, Engagement]
) -> None:
    client = world.login("performance")
    page = client.get(reverse("experts:engagement_list") + "?status=delivered").content.decode()
    assert "逾期但已提交" in page and "逾期未交" not in page
    page = client.get(reverse("experts:engagement_list") + "?status=nonsense").content.decode()
    assert "逾期但已提交" in page and "逾期未交" in page
