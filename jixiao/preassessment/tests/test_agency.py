"""Third-party agencies on an assessment: the commission, what agency staff see (404 otherwise), their review with
the report attachment, and the conclusion form pre-filled from the agency's (or the panel's) score."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import World
from jixiao.accounts.models import Membership
from jixiao.accounts.tests.factories import TEST_PASSWORD, UserFactory
from jixiao.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.experts.models import Agency
from jixiao.preassessment import panels, selectors, services
from jixiao.preassessment.models import Attachment, PreAssessment
from jixiao.preassessment.tests.factories import PreAssessmentFactory
from jixiao.projects.tests.factories import ProjectFactory

PDF = b"%PDF-1.4\n%agency\n"


@pytest.fixture
def agency(world: World) -> Agency:
    row = Agency.objects.create(
        region=world.region, name="四川明信绩效评价咨询有限公司", credit_code="91511700MA62D4L83R"
    )
    row.users.set([world.users["agency"]])
    return row


def _assigned(world: World, agency: Agency) -> PreAssessment:
    pa = PreAssessmentFactory(project=world.school_project, fin_review=True)
    return panels.agency_assign(actor=world.users["performance"], assessment=pa, agency=agency)


def test_agency_staff_see_only_the_assessments_commissioned_to_their_agency(world: World, agency: Agency) -> None:
    mine = _assigned(world, agency)
    other = PreAssessmentFactory(project=ProjectFactory(unit=world.school), fin_review=True)
    client = world.login("agency")
    page = client.get(f"/preassessment/{mine.pk}/")
    assert page.status_code == 200 and f'href="/projects/{mine.project_id}/"' not in page.content.decode()
    assert client.get(f"/projects/{mine.project_id}/").status_code == 403  # so the page offers no link to it
    assert (
        f'href="/projects/{mine.project_id}/"'
        in world.login("performance").get(f"/preassessment/{mine.pk}/").content.decode()
    )
    assert client.get(f"/preassessment/{other.pk}/").status_code == 404
    assert client.get(f"/api/v1/preassessments/{other.pk}/").status_code == 404
    assert [r["id"] for r in client.get("/api/v1/preassessments/").json()["results"]] == [mine.pk]
    listing = client.get("/preassessment/").content.decode()
    assert mine.project.name in listing and other.project.name not in listing
    # Staff of another agency see nothing of it.
    stranger = UserFactory(username="p_agency2")
    Membership.objects.create(user=stranger, role="agency", region=world.region)
    Agency.objects.create(region=world.region, name="另一家机构", credit_code="91511700MA62D4L84R").users.set(
        [stranger]
    )
    other_client = Client()
    assert other_client.login(username="p_agency2", password=TEST_PASSWORD)
    assert other_client.get(f"/preassessment/{mine.pk}/").status_code == 404
    assert other_client.get("/api/v1/preassessments/").json()["results"] == []


def test_assigning_needs_an_active_visible_agency(world: World, agency: Agency) -> None:
    pa = PreAssessmentFactory(project=world.school_project, fin_review=True)
    perf = world.users["performance"]
    with pytest.raises(DomainError, match="请选择第三方机构"):
        panels.agency_assign(actor=perf, assessment=pa, agency=None)
    far = Agency.objects.create(region=world.other_region, name="外县机构", credit_code="91511700MA62D4L85R")
    with pytest.raises(NotFoundError):
        panels.agency_assign(actor=perf, assessment=pa, agency=far)
    with pytest.raises(PermissionDeniedError):
        panels.agency_assign(actor=world.users["unit_user"], assessment=pa, agency=agency)
    pa.refresh_from_db()
    assert pa.agency_id is None
    pa = panels.agency_assign(actor=perf, assessment=pa, agency=agency)
    assert pa.agency_name == agency.name
    assert AuditEvent.objects.filter(event_type="preassessment.agency_assign").count() == 1


def test_the_agency_enters_its_review_and_report_through_the_page(world: World, agency: Agency) -> None:
    pa = _assigned(world, agency)
    client = world.login("agency")
    page = client.get(f"/preassessment/{pa.pk}/").content.decode()
    assert "机构评审意见" in page and 'data-testid="agency-review-form"' in page
    report = SimpleUploadedFile("机构评估报告.pdf", PDF, content_type="application/pdf")
    response = client.post(
        f"/preassessment/{pa.pk}/agency-review/", {"score": "76.5", "opinion": "测算依据基本充分", "report": report}
    )
    assert response.status_code == 302
    pa.refresh_from_db()
    assert pa.agency_score == Decimal("76.50") and pa.agency_opinion == "测算依据基本充分"
    attachment = Attachment.objects.get(assessment=pa)
    assert attachment.kind == "agency_report" and attachment.uploaded_by == world.users["agency"]
    assert client.get(f"/preassessment/{pa.pk}/attachments/{attachment.pk}/").status_code == 200
    assert AuditEvent.objects.filter(event_type="preassessment.agency_review").count() == 1
    # The performance section sees it, and the conclusion form starts from it.
    detail = world.login("performance").get(f"/preassessment/{pa.pk}/").content.decode()
    assert "76.50" in detail and "测算依据基本充分" in detail
    initial = selectors.conclude_initial(pa)
    assert initial["score"] == Decimal("76.50") and initial["conclusion"] == "support_after_adjustment"
    assert 'value="76.50"' in detail and '<option value="support_after_adjustment" selected>' in detail


def test_agency_review_is_refused_to_others_and_outside_the_review(world: World, agency: Agency) -> None:
    pa = _assigned(world, agency)
    with pytest.raises(PermissionDeniedError):
        panels.agency_review_submit(actor=world.users["unit_user"], assessment=pa, score=Decimal(80), opinion="好")
    with pytest.raises(DomainError, match="0到100"):
        panels.agency_review_submit(actor=world.users["agency"], assessment=pa, score=Decimal(101), opinion="好")
    with pytest.raises(DomainError, match="请填写机构评审意见"):
        panels.agency_review_submit(actor=world.users["agency"], assessment=pa, score=Decimal(80), opinion=" ")
    unassigned = PreAssessmentFactory(project=ProjectFactory(unit=world.school), fin_review=True)
    with pytest.raises(NotFoundError):
        panels.agency_review_submit(actor=world.users["agency"], assessment=unassigned, score=Decimal(80), opinion="好")
    assert (
        world.login("agency")
        .post(f"/preassessment/{unassigned.pk}/agency-review/", {"score": "80", "opinion": "好"})
        .status_code
        == 404
    )
    PreAssessment.objects.filter(pk=pa.pk).update(status="concluded", conclusion="support")
    with pytest.raises(ConflictError):
        panels.agency_review_submit(actor=world.users["agency"], assessment=pa, score=Decimal(80), opinion="好")
    pa.refresh_from_db()
    assert pa.agency_score is None


def test_the_filer_cannot_upload_an_agency_report(world: World) -> None:
    pa = PreAssessmentFactory(project=world.school_project)
    upload = SimpleUploadedFile("x.pdf", PDF)
    with pytest.raises(DomainError, match="受托机构"):
        services.attachment_add(actor=world.users["unit_user"], assessment=pa, kind="agency_report", upload=upload)
    assert not Attachment.objects.exists()


def test_a_confirmed_panel_score_pre_fills_the_conclusion(world: World) -> None:
    pa = PreAssessmentFactory(project=world.school_project, fin_review=True)
    assert selectors.conclude_initial(pa) == {"supported_amount_yuan": pa.requested_amount_yuan}
    PreAssessment.objects.filter(pk=pa.pk).update(score=Decimal("85.00"), suggested_conclusion="support")
    pa.refresh_from_db()
    page = world.login("performance").get(f"/preassessment/{pa.pk}/").content.decode()
    assert 'value="85.00"' in page and '<option value="support" selected>' in page
