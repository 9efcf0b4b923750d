"""上级核查 印证资料 in a real Chromium: the unit follows its 待办 to the project, uploads a file for the checked
indicator and submits; the performance section passes it from the check page, downloads the package (a zip with the
清单) and marks the check 已报送上级."""

from __future__ import annotations

import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from conftest import build_world
from jixiao.accounts.tests.factories import TEST_PASSWORD
from jixiao.demo.pdf import demo_pdf
from jixiao.demo.security import relax_second_factor_for_demo
from jixiao.evaluation import services_reeval, services_upper
from jixiao.evaluation.models import SelfEvalStatus, SelfEvaluation, UpperCheckProject
from jixiao.evaluation.tests.selfeval_helpers import YEAR, approved_target, set_amounts, start
from tests.browser.helpers import login


def test_unit_supplies_materials_and_the_section_forwards_them(
    live_server: Any, page: Any, shot: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    world = build_world()
    relax_second_factor_for_demo()  # finance staff log in with a password alone in this test
    for project in (world.school_project, world.hospital_project):
        set_amounts(project, "1000000")
        approved_target(world, project)
    start(world)
    SelfEvaluation.objects.update(status=SelfEvalStatus.FIN_REVIEWED, is_final=True)
    perf = world.users["performance"]
    check = services_reeval.check_create(
        actor=perf,
        fiscal_year=YEAR,
        title="上级财政真实性核查",
        sample_size=4,
        upper_level_request=True,
        materials_deadline=timezone.localdate() + timedelta(days=10),
    )
    check = services_reeval.check_draw(actor=perf, check=check)
    # The hospital's materials have passed already.
    hospital = UpperCheckProject.objects.get(check_batch=check, code="P-HOSP")
    other = world.users["other_unit_user"]
    services_upper.upper_evidence_add(actor=other, entry=hospital, files=[_pdf("合同.pdf")])
    hospital = services_upper.entry_transition(actor=other, entry=hospital, action="upper_submit")
    services_upper.entry_transition(actor=perf, entry=hospital, action="upper_approve")
    row = SelfEvaluation.objects.get(project=world.school_project).indicators.get(name="购置教学设备数量").pk
    base = live_server.url

    login(page, base, "p_unit", TEST_PASSWORD)
    page.locator("tr", has_text="待报送的上级核查印证资料").locator("a", has_text="去处理").click()
    page.click("text=一中教学设备购置")
    page.set_input_files(
        "#id_uploads", [{"name": "设备验收单.pdf", "mimeType": "application/pdf", "buffer": demo_pdf("acceptance")}]
    )
    page.select_option("#id_row", str(row))
    page.click("[data-testid=evidence-submit]")
    page.wait_for_selector("text=已上传印证资料1个")
    assert "设备验收单.pdf" in page.locator("[data-testid=upper-item]", has_text="购置教学设备数量").inner_text()
    page.fill("#id_upper_comment", "验收单已上传")
    page.click("[data-testid=upper-upper_submit]")
    page.wait_for_selector("text=操作成功：提交印证资料")
    shot(page, "upper-submitted")

    login(page, base, "p_perf", TEST_PASSWORD)
    page.goto(f"{base}/evaluation/authenticity/{check.pk}/")
    page.locator("[data-testid=upper-entry]", has_text="P-SCHOOL").locator("a", has_text="审核").click()
    page.click("[data-testid=upper-upper_approve]")
    page.wait_for_selector("text=操作成功：印证资料审核通过")
    page.goto(f"{base}/evaluation/authenticity/{check.pk}/")
    with page.expect_download() as download_info:
        page.click("[data-testid=upper-package]")
    saved = tmp_path / "package.zip"
    download_info.value.save_as(saved)
    names = zipfile.ZipFile(saved).namelist()
    assert "印证资料清单.xlsx" in names and any(n.endswith("购置教学设备数量/设备验收单.pdf") for n in names)
    page.once("dialog", lambda dialog: dialog.accept())  # 确定已将资料包报送上级吗？
    page.click("[data-testid=upper-forward]")
    page.wait_for_selector("text=已标记为已报送上级")
    assert "已报送上级" in page.inner_text("[data-testid=upper-forwarded]")
    shot(page, "upper-forwarded")


def _pdf(name: str) -> ContentFile[bytes]:
    return ContentFile(demo_pdf(name), name=name)
