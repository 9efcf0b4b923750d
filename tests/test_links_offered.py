"""A page never offers a link that answers 403: the 领导驾驶舱 shows a number without a link when the viewer may not
open the list behind it (`core.views_helpers.may_open`, `{% link_or_text %}`)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template

from conftest import World
from jixiao.core.views_helpers import may_open
from jixiao.reports.tests.helpers import YEAR, arrange

HREF = re.compile(r'href="(/[^"#]*)"')
VIEWERS = ["performance", "budget", "business", "dept_admin", "leader", "oversight"]


def test_may_open_follows_the_capability_of_the_view(world: World) -> None:
    dept, perf = world.users["dept_admin"], world.users["performance"]
    assert not dept.can("training.view") and perf.can("training.view")
    assert not may_open(dept, "/training/?year=2026")
    assert may_open(perf, "/training/?year=2026")
    assert may_open(dept, "/projects/?status=draft")
    assert may_open(dept, "/no/such/page/")  # not a view of Jixiao: not judged here
    assert not may_open(AnonymousUser(), "/training/") and may_open(AnonymousUser(), "/no/such/page/")


def test_link_or_text_escapes_and_drops_the_link_without_a_url() -> None:
    template = Template('{% link_or_text url text "fs-5" "cell-1" %}')
    linked = template.render(Context({"url": "/projects/?a=1&b=2", "text": "<b>3</b>"}))
    assert linked == '<a href="/projects/?a=1&amp;b=2" class="fs-5" data-testid="cell-1">&lt;b&gt;3&lt;/b&gt;</a>'
    assert template.render(Context({"url": "", "text": 3})) == '<span class="fs-5" data-testid="cell-1">3</span>'
    only_testid = Template('{% link_or_text "/p/" "查看全部" testid="more" %}').render(Context())
    assert only_testid == '<a href="/p/" data-testid="more">查看全部</a>'
    assert Template('{% link_or_text "" "x" %}').render(Context()) == "<span>x</span>"


@pytest.mark.parametrize("persona", VIEWERS)
def test_every_link_on_the_dashboard_opens_for_its_viewer(world: World, persona: str) -> None:
    arrange(world)
    client = world.login(persona)
    body = client.get("/reports/", {"year": YEAR}).content.decode()
    paths: dict[str, str] = {}
    for href in HREF.findall(body):
        path = urlsplit(href).path
        if not path.startswith(("/static/", "/accounts/logout")):
            paths.setdefault(path, href.replace("&amp;", "&"))
    assert len(paths) > 10
    closed: list[tuple[str, Any]] = []
    for href in paths.values():
        status = client.get(href).status_code
        if status in (403, 404) or status >= 500:
            closed.append((href, status))
    assert closed == []


def test_a_department_gets_no_training_cell_rather_than_a_false_zero(world: World) -> None:
    """Training records are the bureau's own: a department reads none, so its dashboard leaves the cell out instead
    of a 培训 0/0 (nor links a list it cannot open); the 绩效股 has both."""
    arrange(world)
    body = world.login("dept_admin").get("/reports/", {"year": YEAR}).content.decode()
    assert 'data-testid="activity-training"' not in body
    assert "/training/" not in body
    body = world.login("performance").get("/reports/", {"year": YEAR}).content.decode()
    assert 'data-testid="activity-training"' in body and "/training/" in body
