"""The conclusion and agency-review forms on the assessment page: a refused entry comes back as typed (400), so a
second click cannot save a conclusion or amount the user never chose."""

from __future__ import annotations

from decimal import Decimal

from conftest import World
from jixiao.experts.models import Agency
from jixiao.preassessment import panels
from jixiao.preassessment.models import PreAssessment
from jixiao.preassessment.tests.factories import PreAssessmentFactory


def test_a_refused_conclusion_keeps_the_chosen_conclusion_amount_and_opinion(world: World) -> None:
    pa = PreAssessmentFactory(project=world.school_project, fin_review=True, requested_amount_yuan=Decimal(800000))
    client = world.login("performance")
    # A score of 89 maps to 予以支持; choosing 调整后支持 without a reason is refused.
    posted = {
        "score": "89",
        "conclusion": "support_after_adjustment",
        "supported_amount_yuan": "60",
        "opinion": "测算偏高",
    }
    response = client.post(f"/preassessment/{pa.pk}/conclude/", posted)
    assert response.status_code == 400
    page = response.content.decode()
    assert "改为其他结论须填写理由" in page
    assert '<option value="support_after_adjustment" selected>' in page
    assert 'name="supported_amount_yuan" value="60"' in page and "测算偏高" in page
    pa.refresh_from_db()
    assert pa.status == PreAssessment.Status.FIN_REVIEW and pa.conclusion == ""
    # With the reason added, what was chosen is saved.
    response = client.post(f"/preassessment/{pa.pk}/conclude/", {**posted, "override_reason": "预算测算偏高"})
    assert response.status_code == 302
    pa.refresh_from_db()
    assert pa.conclusion == "support_after_adjustment" and pa.supported_amount_yuan == Decimal(600000)


def test_an_invalid_conclusion_form_keeps_the_input(world: World) -> None:
    pa = PreAssessmentFactory(project=world.school_project, fin_review=True)
    response = world.login("performance").post(
        f"/preassessment/{pa.pk}/conclude/", {"score": "120", "conclusion": "reject", "opinion": "不予支持的理由"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert '<option value="reject" selected>' in page and "不予支持的理由" in page


def test_a_refused_agency_review_keeps_the_opinion(world: World) -> None:
    agency = Agency.objects.create(
        region=world.region, name="四川明信绩效评价咨询有限公司", credit_code="91511700MA62D4L83R"
    )
    agency.users.set([world.users["agency"]])
    pa = panels.agency_assign(
        actor=world.users["performance"],
        assessment=PreAssessmentFactory(project=world.school_project, fin_review=True),
        agency=agency,
    )
    response = world.login("agency").post(
        f"/preassessment/{pa.pk}/agency-review/", {"score": "150", "opinion": "测算依据基本充分，建议压减"}
    )
    assert response.status_code == 400
    assert "测算依据基本充分，建议压减" in response.content.decode()
    pa.refresh_from_db()
    assert pa.agency_score is None


def test_the_operation_log_names_the_person_beside_the_login(world: World) -> None:
    pa = PreAssessmentFactory(project=world.school_project, fin_review=True)
    user = world.users["performance"]
    user.display_name = "张晓燕"
    user.save(update_fields=["display_name"])
    client = world.login("performance")
    client.post(f"/preassessment/{pa.pk}/conclude/", {"conclusion": "support"})
    page = client.get(f"/preassessment/{pa.pk}/").content.decode()
    assert f"<td>张晓燕（{user.username}）</td>" in page
