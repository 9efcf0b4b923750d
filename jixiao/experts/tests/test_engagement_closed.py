"""A closed engagement (验收 or 终止) is not edited, and one with deliverables is not moved to another agency: the
new agency's logins would read the old agency's files."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import World
from jixiao.core.errors import ConflictError
from jixiao.core.models import AuditEvent
from jixiao.experts import services
from jixiao.experts.models import Agency, Engagement

PDF = b"%PDF-1.4\n%deliverable\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _engagement(world: World) -> tuple[Engagement, Agency]:
    agency = Agency.objects.create(region=world.region, name="明信咨询", credit_code="91511700MA62D4L83R")
    agency.users.set([world.users["agency"]])
    other = Agency.objects.create(region=world.region, name="其他机构", credit_code="91511700MA62D4L84R")
    engagement = Engagement.objects.create(
        region=world.region, agency=agency, scope="key_evaluation", fiscal_year=2026, title="重点评价委托"
    )
    return engagement, other


def _post(engagement: Engagement, agency: Agency, title: str) -> dict[str, Any]:
    return {
        "agency": agency.pk,
        "scope": "key_evaluation",
        "fiscal_year": "2026",
        "title": title,
        "version": engagement.version,
    }


def test_an_engagement_with_deliverables_stays_with_its_agency(world: World) -> None:
    engagement, other = _engagement(world)
    services.deliverable_add(
        actor=world.users["agency"], engagement=engagement, upload=SimpleUploadedFile("a.pdf", PDF)
    )
    engagement.refresh_from_db()
    response = world.login("performance").post(
        f"/experts/engagements/{engagement.pk}/edit/", _post(engagement, other, "改派")
    )
    assert response.status_code == 409
    assert "已提交委托成果，不能改派给其他机构" in response.content.decode()
    engagement.refresh_from_db()
    assert (engagement.agency.name, engagement.title) == ("明信咨询", "重点评价委托")
    assert not AuditEvent.objects.filter(event_type="engagement.update").exists()
    # Other fields of a delivered engagement can still be edited.
    kept = world.login("performance").post(
        f"/experts/engagements/{engagement.pk}/edit/", _post(engagement, engagement.agency, "重点评价委托（一）")
    )
    assert kept.status_code == 302


@pytest.mark.parametrize("status", ["accepted", "terminated"])
def test_a_closed_engagement_is_not_edited(world: World, status: str) -> None:
    engagement, other = _engagement(world)
    Engagement.objects.filter(pk=engagement.pk).update(status=status)
    engagement.refresh_from_db()
    response = world.login("performance").post(
        f"/experts/engagements/{engagement.pk}/edit/", _post(engagement, other, "改派")
    )
    assert response.status_code == 409
    assert f"委托{engagement.get_status_display()}，不能再修改" in response.content.decode()
    with pytest.raises(ConflictError):
        services.engagement_save(
            actor=world.users["performance"], engagement=engagement, data={"title": "改名"}, expected_version=None
        )
    engagement.refresh_from_db()
    assert (engagement.agency.name, engagement.title) == ("明信咨询", "重点评价委托")
    page = world.login("performance").get(f"/experts/engagements/{engagement.pk}/").content.decode()
    assert f"/experts/engagements/{engagement.pk}/edit/" not in page
