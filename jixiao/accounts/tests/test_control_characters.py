"""A NUL typed into the login form or a console search reaches no database filter (PostgreSQL refuses a NUL in a
text parameter: a 500 there, while SQLite merely finds nothing)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import World
from jixiao.accounts import security


def test_a_nul_in_the_login_name_is_refused_at_the_field_without_looking_up_a_lock(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[str] = []
    real = security.is_locked

    def is_locked(username: str, **kwargs: Any) -> bool:
        looked_up.append(username)
        return real(username, **kwargs)

    monkeypatch.setattr(security, "is_locked", is_locked)
    response = Client().post(reverse("accounts:login"), {"username": "p_unit\x00", "password": "x"})
    assert response.status_code == 400 and looked_up == []
    Client().post(reverse("accounts:login"), {"username": "p_unit", "password": "x"})
    assert looked_up == ["p_unit"]  # a valid name is still checked against its lock


def _usernames(page: Any) -> list[str]:
    return [row.user.username if hasattr(row, "user") else row.username for row in page.context["page"]]


def test_the_console_searches_drop_control_characters(world: World) -> None:
    users = world.login("sys_admin").get(reverse("accounts:user_list"), {"q": "p_unit\x00"})
    assert users.status_code == 200 and _usernames(users) == ["p_unit"]
    grants = world.login("sec_admin")
    memberships = grants.get(reverse("accounts:membership_list"), {"q": "\x00p_unit"})
    assert memberships.status_code == 200 and _usernames(memberships) == ["p_unit"]
    found = grants.get(reverse("accounts:user_autocomplete"), {"q": "p_u\x00nit"}).json()["results"]
    assert [row["hint"] for row in found] == ["p_unit"]
