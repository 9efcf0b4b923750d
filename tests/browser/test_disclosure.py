"""信息公开 in a real Chromium: the performance section submits and publishes a key-evaluation report from its page;
then an anonymous visitor opens /public/, chooses the county and year, reads the published report, downloads its
Word file and the open data (CSV with BOM), and never sees the withheld item."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from django.core.cache import cache
from docx import Document

from conftest import build_world
from jixiao.accounts.tests.factories import TEST_PASSWORD
from jixiao.demo.security import relax_second_factor_for_demo
from jixiao.disclosure import services
from jixiao.disclosure.models import Disclosure, ItemType
from jixiao.disclosure.tests.helpers import generate, item_of, make_sources, publish
from tests.browser.helpers import login


def test_anonymous_visitor_reads_a_published_report_and_downloads_open_data(
    live_server: Any, page: Any, shot: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    world = build_world()
    relax_second_factor_for_demo()  # finance staff log in with a password alone in this test
    cache.clear()
    sources = make_sources(world)
    generate(world)
    publish(world, item_of(ItemType.TARGET_TABLE, sources.target))
    withheld = services.disclosure_transition(
        actor=world.users["performance"], item=item_of(ItemType.TARGET_TABLE, sources.hospital_target), action="propose"
    )
    services.disclosure_transition(
        actor=world.users["performance"], item=withheld, action="exempt_secret", comment="涉密"
    )
    report = item_of(ItemType.KEY_EVAL_REPORT)
    base = live_server.url

    # The performance section submits and publishes the report from its page.
    login(page, base, "p_perf", TEST_PASSWORD)
    page.goto(f"{base}/disclosure/{report.pk}/")
    page.click("[data-testid=action-propose]")
    page.wait_for_selector("text=操作成功")
    page.click("[data-testid=action-publish]")
    # 操作成功 is still on the page from 提交: wait for the link only a published item has.
    page.wait_for_selector("[data-testid=public-link]")
    page.wait_for_selector("text=操作成功")
    assert "已公开" in page.inner_text("[data-testid=disclosure-status]")
    report = Disclosure.objects.get(pk=report.pk)
    assert report.status == Disclosure.Status.PUBLISHED

    # An anonymous visitor.
    page.context.clear_cookies()
    page.goto(f"{base}/public/")
    assert "宣汉县" not in page.inner_text("[data-testid=region-list]")
    page.click("[data-testid=year-511725000-2026]")
    page.wait_for_selector("[data-testid=withheld]")
    assert page.inner_text("[data-testid=withheld]") == "1个项目报告涉及涉密及敏感信息，不予公开"
    assert "医院信息化建设" not in page.content()
    page.click("[data-testid=report-link]")
    page.wait_for_selector("[data-testid=item-title]")
    assert "重点项目绩效评价报告" in page.inner_text("[data-testid=item-title]")
    assert page.inner_text("[data-testid=keyeval-grade]") == "良"
    shot(page, "disclosure-public-report")
    with page.expect_download() as info:
        page.click("[data-testid=item-file]")
    word = Path(info.value.path()).read_bytes()
    text = "\n".join(p.text for p in Document(io.BytesIO(word)).paragraphs)
    assert "重点项目绩效评价报告" in text

    page.goto(f"{base}/public/511725000/2026/")
    page.wait_for_selector("[data-testid=open-data]")
    with page.expect_download() as info:
        page.click("[data-testid=data-targets-csv]")
    assert info.value.suggested_filename == "511725000_2026_targets.csv"
    content = Path(info.value.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["一中教学设备购置"]
    assert rows[0]["department_name"] == "县教育局" and rows[0]["annual_total_yuan"] != ""
    shot(page, "disclosure-public-year")

    # The public reads on a phone: no page is wider than the screen (a wide table scrolls in its own box).
    page.set_viewport_size({"width": 390, "height": 844})
    target = item_of(ItemType.TARGET_TABLE, sources.target)
    year = "/public/511725000/2026"
    for path in ("/public/", f"{year}/targets/", f"{year}/items/{target.public_id}/", f"{year}/reports/"):
        page.goto(f"{base}{path}")
        widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], (path, widths)
    page.goto(f"{base}/public/data/schema/")
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    shot(page, "disclosure-public-phone")
