"""The 修改 form of a filing: 申请金额 left empty means the project's 财政拨款 (the form says so) as on the new one (the
edit kept the old figure, so a unit that had typed too much could not go back to the project's amount); a filing no
longer editable sends the user back to its page before anything is typed."""

from __future__ import annotations

from decimal import Decimal

from conftest import World
from jixiao.preassessment.models import PreAssessment
from jixiao.preassessment.tests.factories import PreAssessmentFactory

SECTIONS = {
    "kind": "project",
    "basic_situation": "背景",
    "necessity": "必要",
    "economy": "经济",
    "target_reasonableness": "合理",
    "implementation_feasibility": "可行",
    "funding_compliance": "合规",
    "other": "",
}


def test_an_emptied_requested_amount_takes_the_projects_fiscal_amount_again(world: World) -> None:
    project = world.school_project
    pa = PreAssessmentFactory(project=project, requested_amount_yuan=project.fiscal_amount_yuan * 10)
    client = world.login("unit_user")
    page = client.get(f"/preassessment/{pa.pk}/edit/").content.decode()
    assert "申请金额留空时按项目财政拨款填列" in page
    data = {**SECTIONS, "requested_amount_yuan": "", "expected_version": pa.version}
    response = client.post(f"/preassessment/{pa.pk}/edit/", data)
    assert response.status_code == 302
    pa = PreAssessment.objects.get(pk=pa.pk)
    assert pa.requested_amount_yuan == project.fiscal_amount_yuan


def test_a_typed_requested_amount_is_kept_on_edit(world: World) -> None:
    pa = PreAssessmentFactory(project=world.school_project)
    client = world.login("unit_user")
    data = {**SECTIONS, "requested_amount_yuan": "12.5", "expected_version": pa.version}
    assert client.post(f"/preassessment/{pa.pk}/edit/", data).status_code == 302
    assert PreAssessment.objects.get(pk=pa.pk).requested_amount_yuan == Decimal("125000.00")


def test_the_edit_form_of_a_submitted_filing_sends_the_user_back_to_its_page(world: World) -> None:
    # It opened, took the unit's typing and only then refused it (409): the target and project forms redirect
    # with the reason at once, and so does this one. A save from a page opened earlier still gets the 409.
    pa = PreAssessmentFactory(project=world.school_project, status=PreAssessment.Status.SUBMITTED)
    client = world.login("unit_user")
    response = client.get(f"/preassessment/{pa.pk}/edit/", follow=True)
    assert response.redirect_chain == [(f"/preassessment/{pa.pk}/", 302)]
    assert "评估申报当前状态为“待主管部门审核”，不能修改" in response.content.decode()
    data = {**SECTIONS, "requested_amount_yuan": "1", "expected_version": pa.version}
    response = client.post(f"/preassessment/{pa.pk}/edit/", data)  # from a page opened before the submission
    assert response.status_code == 409 and "不能修改" in response.content.decode()
    assert PreAssessment.objects.get(pk=pa.pk).requested_amount_yuan == pa.requested_amount_yuan
