"""制度办法 in a real Chromium: the performance section registers the county's 预算绩效管理办法 from the form and
attaches the document; a unit finds it in the register and opens it, with no button to change it."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from conftest import build_world
from jixiao.accounts.models import SecurityPolicy
from jixiao.accounts.tests.factories import TEST_PASSWORD
from jixiao.regulations.models import Regulation
from tests.browser.helpers import login

PDF = b"%PDF-1.4\n%regulation\n"


def test_register_a_rule_attach_it_and_a_unit_reads_it(live_server: Any, page: Any, shot: Any) -> None:
    build_world()
    SecurityPolicy.objects.update_or_create(pk=1, defaults={"totp_required_finance": False})
    cache.clear()
    base = live_server.url

    login(page, base, "p_perf", TEST_PASSWORD)
    page.goto(f"{base}/regulations/")
    page.click("[data-testid=regulation-new]")
    page.fill("#id_title", "渠县预算绩效管理办法")
    page.fill("#id_doc_no", "渠财绩〔2026〕3号")
    page.select_option("#id_category", "comprehensive")
    page.select_option("#id_action", "issued")
    page.fill("#id_issuer", "渠县财政局")
    page.fill("#id_issued_on", "2026-03-15")
    page.click("[data-testid=regulation-form] button[type=submit]")
    page.wait_for_selector("[data-testid=regulation-detail]")
    assert "渠财绩〔2026〕3号" in page.inner_text("[data-testid=regulation-detail]")
    page.set_input_files(
        "[data-testid=file-upload] input[type=file]",
        files=[{"name": "预算绩效管理办法.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.click("[data-testid=file-upload] button[type=submit]")
    page.wait_for_selector("[data-testid=file-row]")
    assert "预算绩效管理办法.pdf" in page.inner_text("[data-testid=regulation-files]")
    shot(page, "regulation-detail")
    regulation = Regulation.objects.get()
    assert regulation.files.count() == 1

    login(page, base, "p_unit", TEST_PASSWORD)
    page.goto(f"{base}/regulations/?action=issued")
    row = page.locator("[data-testid=regulation-table] tbody tr")
    assert row.count() == 1 and "现行有效" in row.inner_text()
    shot(page, "regulation-list")
    row.get_by_role("link", name="渠县预算绩效管理办法").click()
    page.wait_for_selector("[data-testid=regulation-detail]")
    assert page.get_by_role("link", name="修改").count() == 0
    with page.expect_download() as download:
        page.click("[data-testid=file-row] a")
    assert download.value.suggested_filename == "预算绩效管理办法.pdf"
