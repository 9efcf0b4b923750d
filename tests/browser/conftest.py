"""Playwright in Debian's Chromium against a live Jixiao server (pytest-django's live_server).

Locally, without /usr/bin/chromium the browser tests are skipped; in CI (CI=true) a missing Chromium fails.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import restore_reference_rows

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the tests themselves are
# still synchronous, so Django's async-safety guard must be told this is intended.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("JIXIAO_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium not found at {CHROMIUM}: CI must install it (.ci/run)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _reference_data(_reference_rows: list[str], transactional_db: None) -> None:
    restore_reference_rows(_reference_rows)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser: Any, request: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", accept_downloads=True, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        # What the browser showed when the test failed: a screenshot and the HTML, for the CI log reader.
        ARTIFACTS.mkdir(exist_ok=True)
        name = request.node.name
        page.screenshot(path=str(ARTIFACTS / f"FAILED-{name}.png"), full_page=True)
        (ARTIFACTS / f"FAILED-{name}.html").write_text(page.content(), encoding="utf-8")
    context.close()


# On SQLite the first test asking for the demo seeds it and keeps a copy of the whole database (sqlite3's backup)
# and of the files it wrote; the next ones get both back in a moment instead of seeding again (11–13 s each,
# sixteen tests: CI's time budget).
_DEMO_COPY: list[tuple[sqlite3.Connection, Path]] = []


@pytest.fixture
def demo(transactional_db: None, tmp_path_factory: Any) -> None:
    """The demo data (seed_demo at a tenth of its size); the demo users sign in with DEMO_PASSWORD."""
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import override_settings

    if connection.vendor != "sqlite":
        call_command("seed_demo", scale=0.1, verbosity=0)
        return
    connection.ensure_connection()
    if _DEMO_COPY:
        database, files = _DEMO_COPY[0]
        database.backup(connection.connection)
        shutil.copytree(files, settings.MEDIA_ROOT, dirs_exist_ok=True)
        # The copy's content type ids differ from those the flush and the reference rows left in the cache.
        ContentType.objects.clear_cache()
        cache.clear()
        return
    files = tmp_path_factory.mktemp("demo_files")
    with override_settings(MEDIA_ROOT=str(files)):
        call_command("seed_demo", scale=0.1, verbosity=0)
    shutil.copytree(files, settings.MEDIA_ROOT, dirs_exist_ok=True)
    database = sqlite3.connect(":memory:", check_same_thread=False)
    connection.connection.backup(database)
    _DEMO_COPY.append((database, files))


@pytest.fixture
def shot() -> Any:
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
