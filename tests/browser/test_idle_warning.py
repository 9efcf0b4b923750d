"""The idle warning in a real Chromium, with the page's clock run ahead (Playwright's clock) and the server's idle
clock aged to match. A unit typing a long text keeps its session alive; left idle, it is warned two minutes before
the end and 继续使用 starts the clock again; at the end the page says so and keeps what was typed."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache

from conftest import build_world
from jixiao.accounts.middleware import LAST_SEEN
from jixiao.accounts.tests.factories import TEST_PASSWORD
from tests.browser.helpers import login

IDLE = 1800  # the national default for users: 30 minutes


def _session(page: Any) -> SessionStore:
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    return SessionStore(session_key=key)


def _age(page: Any, seconds: int) -> None:
    session = _session(page)
    session[LAST_SEEN] = int(time.time()) - seconds
    session.save()


def test_typing_keeps_the_session_and_an_idle_page_is_warned_then_ended(live_server: Any, page: Any, shot: Any) -> None:
    build_world()
    cache.clear()
    base = live_server.url
    page.clock.install()
    login(page, base, "p_unit", TEST_PASSWORD)
    page.goto(f"{base}/projects/new/")
    warning = page.locator("[data-testid=idle-warning]")
    page.fill("#id_description", "实施内容：新建教学楼一栋，采购课桌椅三百套。")

    # Typing is work: after five minutes the page tells the server, whose idle clock starts again. The session row is
    # read once the server has answered (SQLite's shared in-memory database refuses a read beside the server's write).
    # One POST only: a second one, sent by a tick while the first answer was being read, could land after the
    # pause below began and start the server's clock again (the warning never came: a flake seen under load).
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.url.endswith("/keepalive/") and r.method == "POST" else None)
    _age(page, 600)
    with page.expect_response(lambda r: r.url.endswith("/accounts/keepalive/") and r.request.method == "POST"):
        page.clock.run_for(301_000)
    page.clock.run_for(10_000)
    assert int(time.time()) - _session(page)[LAST_SEEN] <= 5
    assert not warning.is_visible()
    assert len(posts) == 1

    # Left alone: two minutes before the end the page asks the server and counts down.
    _age(page, IDLE - 100)
    page.clock.run_for((IDLE - 100) * 1000)
    warning.get_by_text("秒后将自动退出登录").wait_for()
    shot(page, "idle-warning")
    with page.expect_response(lambda r: r.url.endswith("/accounts/keepalive/") and r.request.method == "POST"):
        warning.get_by_role("button", name="继续使用").click()
    warning.wait_for(state="hidden")
    assert int(time.time()) - _session(page)[LAST_SEEN] <= 5

    # Ended meanwhile (another tab idle too, or the computer asleep): the page says so and keeps the text.
    _age(page, IDLE + 60)
    page.clock.run_for(IDLE * 1000)
    warning.get_by_text("登录已失效").wait_for()
    assert warning.get_by_role("link", name="在新窗口重新登录").is_visible()
    assert page.input_value("#id_description") == "实施内容：新建教学楼一栋，采购课桌椅三百套。"
    shot(page, "idle-ended")
