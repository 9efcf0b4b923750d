"""Permission matrix over the personas, scoped rows and attachment uploads and downloads."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import PERSONAS, World
from jixiao.preassessment.models import Attachment, PreAssessment
from jixiao.preassessment.tests.factories import PreAssessmentFactory

# Agencies view only what is commissioned to them (none here): the pages open, the school's assessment is a 404.
VIEWERS = {
    "performance",
    "budget",
    "business",
    "dept_admin",
    "unit_user",
    "other_unit_user",
    "leader",
    "oversight",
    "agency",
}
FILERS = {"dept_admin", "unit_user", "other_unit_user"}
CONFIGURERS = {"performance"}
SEES_SCHOOL = {"performance", "budget", "business", "dept_admin", "unit_user", "leader", "oversight"}
PDF = b"%PDF-1.4\n%test\n"


def _code(persona: str, allowed: set[str]) -> int:
    return 200 if persona in allowed else 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_pages_follow_the_capability_table(world: World, persona: str) -> None:
    client = world.login(persona)
    assert client.get("/preassessment/").status_code == _code(persona, VIEWERS)
    assert client.get("/preassessment/statistics/").status_code == _code(persona, VIEWERS)
    assert client.get("/preassessment/new/").status_code == _code(persona, FILERS)
    assert client.get("/preassessment/rules/").status_code == _code(persona, CONFIGURERS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_detail_is_404_outside_the_scope(world: World, persona: str) -> None:
    pa = PreAssessmentFactory(project=world.school_project)
    response = world.login(persona).get(f"/preassessment/{pa.pk}/")
    if persona not in VIEWERS:
        assert response.status_code == 403
    else:
        assert response.status_code == (200 if persona in SEES_SCHOOL else 404)


def test_anonymous_is_sent_to_login(anonymous_client: Client, world: World) -> None:
    pa = PreAssessmentFactory(project=world.school_project)
    for url in ["/preassessment/", f"/preassessment/{pa.pk}/", "/preassessment/statistics/", "/preassessment/rules/"]:
        response = anonymous_client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_unit_files_through_the_pages(world: World) -> None:
    client = world.login("unit_user")
    data = {
        "start-project": world.school_project.pk,
        "kind": "project",
        "requested_amount_yuan": "",
        "basic_situation": "背景",
        "necessity": "必要",
        "economy": "经济",
        "target_reasonableness": "合理",
        "implementation_feasibility": "可行",
        "funding_compliance": "合规",
        "other": "",
    }
    page = client.get("/preassessment/new/").content.decode()
    assert "---------" not in page  # the project picker says what to do
    response = client.post("/preassessment/new/", data)
    assert response.status_code == 302
    detail = response["Location"]
    assert "50.00" in client.get(detail).content.decode()
    client.post(f"{detail}transition/", {"action": "submit"})
    assert "待主管部门审核" in client.get(detail).content.decode()
    # A foreign unit cannot start an assessment for the school's project.
    other = world.login("other_unit_user").post("/preassessment/new/", data)
    assert other.status_code == 400


def test_a_double_click_on_save_files_one_assessment(world: World) -> None:
    """保存 clicked twice: the second POST was refused (an open assessment of the project exists) on an error page.
    With the form's one-time token it writes nothing and opens the assessment the first filed."""
    client = world.login("unit_user")
    page = client.get("/preassessment/new/").content.decode()
    token = page.split('name="submit_token" value="')[1].split('"')[0]
    data = {
        "start-project": world.school_project.pk,
        "kind": "project",
        "basic_situation": "背景",
        "necessity": "必要",
        "economy": "经济",
        "target_reasonableness": "合理",
        "implementation_feasibility": "可行",
        "funding_compliance": "合规",
        "submit_token": token,
    }
    first = client.post("/preassessment/new/", data)
    second = client.post("/preassessment/new/", data)
    pa = PreAssessment.objects.get()
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == f"/preassessment/{pa.pk}/"
    assert "submit_token" not in client.get(f"/preassessment/{pa.pk}/edit/").content.decode()


def _upload(client: Client, pa_pk: int, name: str, content: bytes) -> str:
    file = SimpleUploadedFile(name, content)
    response = client.post(f"/preassessment/{pa_pk}/attachments/", {"kind": "feasibility", "file": file}, follow=True)
    return response.content.decode()


def test_attachment_upload_is_validated(world: World, settings: object) -> None:
    pa = PreAssessmentFactory(project=world.school_project)
    client = world.login("unit_user")
    assert "只能上传" in _upload(client, pa.pk, "run.exe", b"MZ\x90\x00")
    assert "内容与扩展名不符" in _upload(client, pa.pk, "fake.pdf", b"<html>not a pdf</html>")
    assert "内容与扩展名不符" in _upload(client, pa.pk, "fake.docx", b"%PDF-1.4")
    settings.JIXIAO_MAX_UPLOAD_BYTES = 10  # type: ignore[attr-defined]
    assert "文件不能超过" in _upload(client, pa.pk, "big.pdf", PDF)
    assert not Attachment.objects.exists()


def test_attachment_is_stored_under_a_generated_name_and_downloaded_only_in_scope(world: World) -> None:
    pa = PreAssessmentFactory(project=world.school_project)
    client = world.login("unit_user")
    assert "附件已上传" in _upload(client, pa.pk, "../../可行性研究报告.pdf", PDF)
    attachment = Attachment.objects.get()
    assert attachment.original_name == "可行性研究报告.pdf"
    assert attachment.file.name.startswith("preassessment/") and "可行性" not in attachment.file.name
    url = f"/preassessment/{pa.pk}/attachments/{attachment.pk}/"
    response = world.login("dept_admin").get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert world.login("other_unit_user").get(url).status_code == 404
    assert world.login("expert").get(url).status_code == 403
    other = PreAssessmentFactory(project=world.hospital_project)
    assert client.get(f"/preassessment/{other.pk}/attachments/{attachment.pk}/").status_code == 404


def test_attachments_cannot_be_added_after_submission(world: World) -> None:
    pa = PreAssessmentFactory(project=world.school_project, fin_review=True)
    assert "不能再上传附件" in _upload(world.login("unit_user"), pa.pk, "a.png", b"\x89PNG\r\n\x1a\n0000")


def test_the_project_is_chosen_by_search_not_a_list_of_every_project(world: World) -> None:
    """A county has ~1,000 projects: 申报事前评估 listed every assessable one in a <select>; it is a search box now,
    a project opened from its page comes chosen by name, and a project of another unit is refused at the box."""
    client = world.login("unit_user")
    page = client.get("/preassessment/new/").content.decode()
    assert '<select name="start-project"' not in page
    assert 'data-jx-autocomplete="/projects/autocomplete/"' in page
    chosen = client.get(f"/preassessment/new/?project={world.school_project.pk}").content.decode()
    assert f'name="start-project" value="{world.school_project.pk}"' in chosen
    assert f'value="{world.school_project}"' in chosen
    data = {"start-project": world.hospital_project.pk, "kind": "project", "basic_situation": "背景"}
    refused = client.post("/preassessment/new/", data)
    assert refused.status_code == 400 and "该项目不能申报事前评估" in refused.content.decode()
    assert not PreAssessment.objects.filter(project=world.hospital_project).exists()
