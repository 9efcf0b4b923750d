"""佐证资料 in a real Chromium: a unit user opens its self-evaluation, uploads two files for one indicator with a 说明,
sees them listed under that indicator, is refused a file that is not what its name says, and removes one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import build_world
from jixiao.accounts.tests.factories import TEST_PASSWORD
from jixiao.demo.pdf import demo_pdf
from jixiao.evaluation.models import SelfEvalEvidence
from jixiao.evaluation.tests.selfeval_helpers import approved_target, school_record, set_amounts, start
from tests.browser.helpers import login


def test_unit_uploads_evidence_on_its_self_evaluation(
    live_server: Any, page: Any, shot: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    world = build_world()
    set_amounts(world.school_project, fiscal="100000")
    approved_target(world)
    start(world)
    record = school_record(world)
    row = record.indicators.get(name="购置教学设备数量")
    base = live_server.url

    login(page, base, "p_unit", TEST_PASSWORD)
    page.goto(f"{base}/evaluation/self/{record.pk}/")
    assert "暂无佐证资料" in page.inner_text("[data-testid=evidence-list]")
    pdf = demo_pdf("acceptance record")
    page.set_input_files(
        "#id_uploads",
        [
            {"name": "设备验收单.pdf", "mimeType": "application/pdf", "buffer": pdf},
            {"name": "入库单.pdf", "mimeType": "application/pdf", "buffer": pdf},
        ],
    )
    page.select_option("#id_row", str(row.pk))
    page.fill("#id_note", "120台设备验收及入库")
    page.click("[data-testid=evidence-submit]")
    page.wait_for_selector("text=已上传佐证资料2个")
    listed = page.locator("[data-testid=evidence-row]")
    assert listed.count() == 2
    first = listed.nth(0).inner_text()
    assert "设备验收单.pdf" in first and "购置教学设备数量" in first and "120台设备验收及入库" in first
    shot(page, "evidence-uploaded")

    # A program renamed .pdf is refused with the reason, at the card, and nothing is added.
    page.set_input_files(
        "#id_uploads", [{"name": "照片.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00binary"}]
    )
    page.click("[data-testid=evidence-submit]")
    assert "文件内容与扩展名不符" in page.inner_text("[data-testid=evidence-error]")
    assert page.locator("[data-testid=evidence-row]").count() == 2

    page.once("dialog", lambda dialog: dialog.accept())  # 确定删除…吗？
    page.locator("[data-testid=evidence-row]", has_text="入库单.pdf").locator("button", has_text="删除").click()
    page.wait_for_selector("text=已删除佐证资料“入库单.pdf”")
    assert page.locator("[data-testid=evidence-row]").count() == 1
    assert list(SelfEvalEvidence.objects.values_list("original_name", flat=True)) == ["设备验收单.pdf"]
