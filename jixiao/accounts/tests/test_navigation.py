"""The left menu: built once per set of capabilities (reverse() is not called per request), highlighted per request;
the identity switcher's memberships are queried only when a template shows it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import PERSONAS, World
from jixiao.accounts import navigation
from jixiao.accounts.context_processors import navigation as navigation_context
from jixiao.accounts.models import Membership
from jixiao.accounts.navigation import MENU, menu_for

pytestmark = pytest.mark.django_db


def _uncached_menu(membership: Any) -> list[tuple[str, list[str]]]:
    """The menu the uncached code built: every entry whose capability the membership holds."""
    out = []
    for group in MENU:
        urls = [
            reverse(item.url_name, args=item.args)
            for item in group.items
            if item.capability is None or (membership is not None and membership.can(item.capability))
        ]
        if urls:
            out.append((group.label, urls))
    return out


def _active(menu: list[dict[str, Any]]) -> list[str]:
    return [item["url"] for group in menu for item in group["items"] if item["active"]]


def test_cached_menu_matches_the_capabilities_of_every_persona(world: World) -> None:
    for persona in PERSONAS:
        membership = world.users[persona].active_membership
        menu = menu_for(membership, "/")
        assert [(g["label"], [i["url"] for i in g["items"]]) for g in menu] == _uncached_menu(membership), persona
    assert [g["label"] for g in menu_for(None, "/")] == ["工作台"]


def test_highlighting_is_per_request_and_does_not_leak_into_the_cache(world: World) -> None:
    membership = world.users["performance"].active_membership
    navigation._menu_structure.cache_clear()
    projects = reverse("projects:list")
    first = menu_for(membership, projects + "123/")
    assert _active(first) == [projects]
    assert [g["open"] for g in first if g["label"] == "项目库"] == [True]
    second = menu_for(membership, "/")
    assert _active(second) == [reverse("core:home")]
    assert all(not g["open"] for g in second if g["label"] == "项目库")
    info = navigation._menu_structure.cache_info()
    assert (info.misses, info.hits) == (1, 1)
    # Changing a returned menu does not change the next one.
    first[0]["items"].clear()
    assert menu_for(membership, "/")[0]["items"]


def test_memberships_are_queried_only_when_the_switcher_is_rendered(world: World) -> None:
    user = world.users["performance"]
    Membership.objects.create(user=user, role="leader", region=world.region)
    request = RequestFactory().get("/")
    request.user = user
    assert user.active_membership is not None  # resolved by the middleware in a real request
    with CaptureQueriesContext(connection) as captured:
        context = navigation_context(request)
        assert context["menu"][0]["label"] == "工作台"
    assert len(captured) == 0
    with CaptureQueriesContext(connection) as captured:
        assert len(context["memberships"]) == 2
        assert {m.role for m in context["memberships"]} == {"performance", "leader"}
    assert len(captured) == 1


def test_home_page_shows_the_switcher_and_the_active_entry(world: World) -> None:
    user = world.users["performance"]
    Membership.objects.create(user=user, role="leader", region=world.region)
    page = world.login("performance").get(reverse("projects:list")).content.decode()
    assert 'id="membership-select"' in page
    assert f'class="nav-link active" href="{reverse("projects:list")}"' in page
