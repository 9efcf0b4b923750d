"""Who may open which organisation page: capabilities decide 403, row scope decides 404 (not yours = not there)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from conftest import PERSONAS, World

# Personas holding each capability (accounts/capabilities.py); every other persona is denied with 403.
ORG_VIEW = {
    "performance", "budget", "business", "dept_admin", "unit_user", "other_unit_user",
    "leader", "oversight", "sys_admin", "sec_admin",
}  # fmt: skip
ORG_MANAGE = {"budget", "sys_admin"}
ORG_IMPORT = {"budget", "sys_admin"}
ORG_EXPORT = {"performance", "budget", "sys_admin"}
FISCAL_YEAR_MANAGE = {"budget", "sys_admin"}
# Personas without an organisation scope: they see no departments or units at all.
NO_ORG_SCOPE = {"expert", "agency", "audit_admin"}


def _url(name: str, *args: object) -> str:
    return reverse(f"organizations:{name}", args=args)


def _expected(persona: str, allowed: set[str], hidden: set[str] = frozenset()) -> int:  # type: ignore[assignment]
    if persona in hidden:
        return 404
    return 200 if persona in allowed else 403


# (page, url builder, expected status for a persona)
LIST_PAGES: list[tuple[str, Callable[[World], str], Callable[[str], int]]] = [
    ("tree", lambda w: _url("tree"), lambda p: _expected(p, ORG_VIEW)),
    ("tree search", lambda w: _url("tree") + "?q=中学", lambda p: _expected(p, ORG_VIEW)),
    ("region_list", lambda w: _url("region_list"), lambda p: _expected(p, ORG_VIEW)),
    ("department_list", lambda w: _url("department_list"), lambda p: _expected(p, ORG_VIEW)),
    ("unit_list", lambda w: _url("unit_list"), lambda p: _expected(p, ORG_VIEW)),
    ("unit_list filtered", lambda w: _url("unit_list") + "?level=1&q=县", lambda p: _expected(p, ORG_VIEW)),
    (
        "department_detail",
        lambda w: _url("department_detail", w.edu.pk),
        # The hospital's user sees only the 卫健局; forbidden capability is checked before scope.
        lambda p: _expected(p, ORG_VIEW, {"other_unit_user"}),
    ),
    ("unit_detail", lambda w: _url("unit_detail", w.school.pk), lambda p: _expected(p, ORG_VIEW, {"other_unit_user"})),
    ("region_create", lambda w: _url("region_create"), lambda p: _expected(p, ORG_MANAGE)),
    ("section_create", lambda w: _url("section_create"), lambda p: _expected(p, ORG_MANAGE)),
    ("department_create", lambda w: _url("department_create"), lambda p: _expected(p, ORG_MANAGE)),
    ("unit_create", lambda w: _url("unit_create"), lambda p: _expected(p, ORG_MANAGE)),
    # Edit pages look the object up first: out of scope is 404, in scope without org.manage is 403.
    ("region_edit", lambda w: _url("region_edit", w.region.pk), lambda p: _expected(p, ORG_MANAGE)),
    (
        "section_edit",
        lambda w: _url("section_edit", w.edu_section.pk),
        lambda p: _expected(p, ORG_MANAGE, NO_ORG_SCOPE),
    ),
    (
        "department_edit",
        lambda w: _url("department_edit", w.edu.pk),
        lambda p: _expected(p, ORG_MANAGE, NO_ORG_SCOPE | {"other_unit_user"}),
    ),
    (
        "unit_edit",
        lambda w: _url("unit_edit", w.school.pk),
        lambda p: _expected(p, ORG_MANAGE, NO_ORG_SCOPE | {"other_unit_user"}),
    ),
    ("unit_export", lambda w: _url("unit_export"), lambda p: _expected(p, ORG_EXPORT)),
    ("unit_import", lambda w: _url("unit_import"), lambda p: _expected(p, ORG_IMPORT)),
    ("unit_import_template", lambda w: _url("unit_import_template"), lambda p: _expected(p, ORG_IMPORT)),
    # Nothing to download before a failed import: allowed personas get 404.
    (
        "unit_import_errors",
        lambda w: _url("unit_import_errors"),
        lambda p: 404 if p in ORG_IMPORT else 403,
    ),
    ("year_list", lambda w: _url("year_list"), lambda p: _expected(p, FISCAL_YEAR_MANAGE)),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("page", "url", "expected"), LIST_PAGES, ids=[p[0] for p in LIST_PAGES])
def test_page_access_follows_capabilities_and_scope(
    world: World, persona: str, page: str, url: Callable[[World], str], expected: Callable[[str], int]
) -> None:
    response = world.login(persona).get(url(world))
    assert response.status_code == expected(persona), f"{persona} → {page}"


@pytest.mark.parametrize(("page", "url", "expected"), LIST_PAGES, ids=[p[0] for p in LIST_PAGES])
def test_anonymous_visitor_is_sent_to_login(
    world: World, anonymous_client: Client, page: str, url: Callable[[World], str], expected: Callable[[str], int]
) -> None:
    response = anonymous_client.get(url(world))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_fiscal_year_managers_may_add_a_year(world: World, persona: str) -> None:
    response = world.login(persona).post(_url("year_save"), {"year": "2030", "is_open": "on"})
    assert response.status_code == (302 if persona in FISCAL_YEAR_MANAGE else 403)


def test_anonymous_visitor_cannot_add_a_year(world: World, anonymous_client: Client) -> None:
    response = anonymous_client.post(_url("year_save"), {"year": "2030"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("persona", sorted(set(PERSONAS) - ORG_MANAGE))
def test_personas_without_org_manage_cannot_post_a_unit(world: World, persona: str) -> None:
    from jixiao.organizations.models import BudgetUnit

    data = {"agency_code": "109999", "name": "越权单位", "department": world.edu.pk, "kind": "admin", "is_active": "on"}
    response = world.login(persona).post(_url("unit_create"), data)
    assert response.status_code == 403
    assert not BudgetUnit.objects.filter(agency_code="109999").exists()
