"""C11 (and C01, C08, E03/E07 in passing): the authorization matrix — every URL of the project, every persona.

The walk resolves the whole URL map, so URLs added by new apps are walked too, with the generic rules:

- anonymous: every URL answers with a login redirect, 401 or 403, except the public allow-list;
- no persona ever gets a 500 (GET, and a POST with an empty body where GET is not allowed);
- ids in URLs are filled with rows of ANOTHER region (IDOR probes): the answer is 403/404 (never 200 and never a
  redirect that would mean an action ran);
- the 三员 (system, security, audit administrators) never open a business page (C08);
- the list and landing pages (no URL arguments) match the expected allow/deny table in `authz_expected.py`.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import PERSONAS, World
from jixiao.experts.models import Expert
from jixiao.preassessment.tests.factories import PreAssessmentFactory
from tests.security.authz_expected import (
    ADMIN_PERSONAS,
    BUSINESS_NAMESPACES,
    EXPECTED_LANDING,
    KNOWN_SERVER_ERRORS,
    SHARED_REFERENCE_ROWS,
)

pytestmark = pytest.mark.django_db

# Reachable without logging in (SECURITY.md: login, static, health, the public disclosure site).
ANONYMOUS_ALLOWED = re.compile(
    r"^/(accounts/login/|accounts/login/verify/|accounts/password-reset|static/|public/|healthz?/|health/|"
    r"api/v1/health|favicon)"
)
# POSTing an empty body to these would end the walking session; they are covered by their own tests.
SKIP_POST = {"accounts:logout"}
FOREIGN_MISSING = 987_654_321


@dataclass(frozen=True)
class Route:
    view_name: str
    namespace: str
    regex: str
    converters: dict[str, Any]

    @property
    def has_args(self) -> bool:
        return "(?P<" in self.regex or bool(self.converters)

    @property
    def has_id_args(self) -> bool:
        """Row ids (integer/UUID arguments, or `pk`/`*_pk`/`*_id` such as the API's detail routes): IDOR probes.
        Other text arguments (template codes, rule keys) are not ids."""
        kinds = {type(c).__name__ for c in self.converters.values()}
        named = any(_is_id_name(m.group("name")) for m in GROUP.finditer(self.regex))
        return bool(kinds & {"IntConverter", "UUIDConverter"}) or named or r"[0-9]+" in self.regex


def _is_id_name(name: str) -> bool:
    return name in ("pk", "id") or name.endswith(("_pk", "_id"))


# API routes are all in the "api" namespace: the row type is the route's basename ("project-detail").
API_BASENAMES = {"project": "projects", "preassessment": "preassessment"}


def _foreign_for(route: Route, foreign: dict[str, int]) -> int:
    if route.view_name in SHARED_REFERENCE_ROWS:
        return FOREIGN_MISSING
    namespace = route.namespace.split(":")[0]
    if namespace == "api":
        namespace = API_BASENAMES.get(route.view_name.split(":")[-1].rsplit("-", 1)[0], "")
    return foreign.get(namespace, FOREIGN_MISSING)


def _walk(
    resolver: URLResolver, prefix: str = "", ns: str = "", convs: dict[str, Any] | None = None
) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        pattern = entry.pattern
        regex = prefix + str(pattern.regex.pattern).lstrip("^").rstrip("$").removesuffix(r"\Z")
        converters = {**(convs or {}), **getattr(pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            child_ns = ":".join(p for p in (ns, entry.namespace) if p) if entry.namespace else ns
            yield from _walk(entry, regex, child_ns, converters)
        elif isinstance(entry, URLPattern):
            name = f"{ns}:{entry.name}" if ns and entry.name else (entry.name or entry.lookup_str)
            yield Route(name, ns, regex, converters)


def routes() -> list[Route]:
    seen: dict[str, Route] = {}
    for route in _walk(get_resolver()):
        seen.setdefault(route.regex, route)
    return sorted(seen.values(), key=lambda r: r.regex)


GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^)]*)\)")


def fill(route: Route, foreign: dict[str, int]) -> str | None:
    """A concrete path with every argument set to a foreign (other-region) or missing id; None if not fillable."""

    def value(match: re.Match[str]) -> str:
        name, body = match.group("name"), match.group("body")
        converter = route.converters.get(name)
        kind = type(converter).__name__ if converter is not None else ""
        if kind == "IntConverter" or body in (r"[0-9]+", r"\d+") or (not kind and _is_id_name(name)):
            return str(_foreign_for(route, foreign))
        if kind == "UUIDConverter":
            return str(uuid.UUID(int=1))
        if kind == "PathConverter":
            return "x/y"
        return "x"

    path = GROUP.sub(value, route.regex)
    path = path.replace("\\", "")
    if any(c in path for c in "()[]*+?^$|"):
        return None  # an unnamed regex group: not fillable generically
    return "/" + path.lstrip("/")


@pytest.fixture
def foreign(world: World) -> dict[str, int]:
    """Rows of the other region (宣汉县), by URL namespace: what an IDOR probe asks for."""
    assessment = PreAssessmentFactory(project=world.far_project)
    expert = Expert.objects.create(region=world.other_region, name="外县专家", field="教育", phone="13900001111")
    return {
        "projects": world.far_project.pk,
        "preassessment": assessment.pk,
        "experts": expert.pk,
    }


def _status_ok_for_anonymous(response: Any) -> bool:
    if response.status_code in (401, 403, 404, 405):
        return True
    return response.status_code == 302 and "/accounts/login/" in response.get("Location", "")


def _request(client: Client, path: str, view_name: str) -> tuple[str, Any]:
    response = client.get(path)
    if response.status_code == 405 and view_name not in SKIP_POST:
        return "POST", client.post(path, {})
    return "GET", response


@override_settings(JIXIAO_RATE_LIMIT_ENABLED=False)
def test_c11_anonymous_is_sent_to_login_everywhere(foreign: dict[str, int]) -> None:
    client = Client(raise_request_exception=False)
    problems = []
    for route in routes():
        path = fill(route, foreign)
        if path is None or ANONYMOUS_ALLOWED.match(path):
            continue
        method, response = _request(client, path, route.view_name)
        if response.status_code >= 500 or not _status_ok_for_anonymous(response):
            problems.append(f"{method} {path} ({route.view_name}) → {response.status_code}")
    assert not problems, "anonymous reached:\n" + "\n".join(problems)


# Every persona walks every route on SQLite. On PostgreSQL three of them do (the widest finance role, a unit, an
# administrator): the queries are the same ORM code, and the thirteen walks took some three CPU-minutes there.
WALKED_ON_POSTGRESQL = {"performance", "unit_user", "sys_admin"}


@override_settings(JIXIAO_RATE_LIMIT_ENABLED=False)
@pytest.mark.parametrize(
    "persona", [p if p in WALKED_ON_POSTGRESQL else pytest.param(p, marks=pytest.mark.sqlite_only) for p in PERSONAS]
)
def test_c11_persona_walk(world: World, foreign: dict[str, int], persona: str) -> None:
    user = world.users[persona]
    client = Client(raise_request_exception=False)
    client.force_login(user)
    problems: list[str] = []
    landing: dict[str, bool] = {}
    for route in routes():
        path = fill(route, foreign)
        if path is None or path.startswith(("/static/", "/public/")):
            continue
        method, response = _request(client, path, route.view_name)
        status = response.status_code
        where = f"{method} {path} ({route.view_name}) → {status}"
        if status >= 500:
            if route.view_name not in KNOWN_SERVER_ERRORS:
                problems.append(f"server error: {where}")
        elif route.has_args:
            # IDOR probe: another region's row (or a missing one) is never shown nor acted upon.
            if route.has_id_args and status not in (400, 403, 404, 405):
                problems.append(f"foreign id not refused: {where}")
        else:
            if method == "GET":
                landing[route.view_name] = status == 200
            business = route.namespace.split(":")[0] in BUSINESS_NAMESPACES
            if persona in ADMIN_PERSONAS and business and method == "GET" and status == 200:
                problems.append(f"三员 opened a business page: {where}")
        if "_auth_user_id" not in client.session:  # an endpoint ended the session: log in again and go on
            client.force_login(user)
    if os.environ.get("JIXIAO_AUTHZ_DUMP"):
        print(f"AUTHZ {persona} {json.dumps(dict(sorted(landing.items())), ensure_ascii=False)}")
    for view_name, expected_allowed in EXPECTED_LANDING.get(persona, {}).items():
        if view_name in landing and landing[view_name] != expected_allowed:
            problems.append(
                f"expected table: {view_name} should be {'allowed' if expected_allowed else 'denied'} for {persona}"
            )
    assert not problems, f"{persona}:\n" + "\n".join(problems)


def test_c11_walk_covers_the_project_urls() -> None:
    """The walker really sees the URL map (including apps added later), not an empty list."""
    names = {r.view_name for r in routes()}
    assert {"accounts:login", "projects:list", "experts:detail", "core:home"} <= names
    assert len(names) > 100
