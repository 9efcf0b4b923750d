"""A 主管部门 commissions agencies itself (DOMAIN.md §6.10: "Manage … engagements: D own engagements"): it creates,
edits, accepts and terminates only the engagements it commissioned, picks the agency from its region's pool, and sees
no other department's or the finance bureau's; the 绩效股 sees them all; the 预算股 has no part in engagements."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import World
from jixiao.accounts.models import Membership
from jixiao.accounts.tests.factories import UserFactory
from jixiao.core.errors import NotFoundError, PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.experts import selectors, services
from jixiao.experts.models import Agency, Engagement

PDF = b"%PDF-1.4\n%deliverable\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _agency(world: World, region: Any = None, name: str = "明信咨询", code: str = "91511700MA62D4L83R") -> Agency:
    agency = Agency.objects.create(region=region or world.region, name=name, credit_code=code)
    agency.users.set([world.users["agency"]])
    return agency


def _post(agency: Agency, **extra: Any) -> dict[str, Any]:
    return {
        "agency": agency.pk,
        "scope": "key_evaluation",
        "fiscal_year": "2026",
        "title": "教育局部门评价委托",
        **extra,
    }


def test_a_double_click_on_save_makes_one_engagement(world: World) -> None:
    agency = _agency(world)
    client = world.login("dept_admin")
    page = client.get("/experts/engagements/new/").content.decode()
    token = page.split('name="submit_token" value="')[1].split('"')[0]
    first = client.post("/experts/engagements/new/", {**_post(agency), "submit_token": token})
    second = client.post("/experts/engagements/new/", {**_post(agency), "submit_token": token})
    assert first.status_code == second.status_code == 302 and second["Location"] == first["Location"]
    assert Engagement.objects.count() == 1


def test_a_department_commissions_and_closes_its_own_engagement(world: World) -> None:
    agency = _agency(world)
    client = world.login("dept_admin")
    assert client.get("/experts/engagements/new/").status_code == 200
    assert client.post("/experts/engagements/new/", _post(agency)).status_code == 302
    own = Engagement.objects.get()
    # The commissioning department is the actor's own, named as 委托方 when none is typed.
    assert own.department_id == world.edu.pk and own.commissioner == "县教育局" and own.region_id == world.region.pk
    page = client.get(f"/experts/engagements/{own.pk}/").content.decode()
    assert "县教育局（主管部门自行委托）" in page and "验收成果" not in page and "终止委托" in page
    edit = f"/experts/engagements/{own.pk}/edit/"
    assert (
        client.post(edit, {**_post(agency, title="教育局部门评价委托（改）"), "version": own.version}).status_code
        == 302
    )
    # The agency delivers; the department accepts (验收) its own engagement.
    upload = SimpleUploadedFile("评价报告.pdf", PDF, content_type="application/pdf")
    agency_client = world.login("agency")
    assert agency_client.post(f"/experts/engagements/{own.pk}/deliver/", {"file": upload}).status_code == 302
    assert client.post(f"/experts/engagements/{own.pk}/status/", {"status": "accepted"}).status_code == 302
    own.refresh_from_db()
    assert own.status == Engagement.Status.ACCEPTED and own.title == "教育局部门评价委托（改）"
    events = set(AuditEvent.objects.filter(object_id=str(own.pk)).values_list("event_type", flat=True))
    assert {"engagement.create", "engagement.update", "engagement.status"} <= events
    # The 绩效股 sees it in its list, with the department as 委托方.
    listing = world.login("performance").get("/experts/engagements/").content.decode()
    assert "教育局部门评价委托（改）" in listing and "县教育局" in listing


def test_a_department_sees_only_its_own_engagements(world: World) -> None:
    agency = _agency(world)
    perf = world.users["performance"]
    finance_row = services.engagement_save(
        actor=perf,
        engagement=None,
        data={"agency": agency, "scope": "key_evaluation", "fiscal_year": 2026, "title": "财政重点评价委托"},
    )
    health_login = UserFactory(username="p_health")
    Membership.objects.create(user=health_login, role="dept_admin", region=world.region, department=world.health)
    health_row = services.engagement_save(
        actor=health_login,
        engagement=None,
        data={"agency": agency, "scope": "key_evaluation", "fiscal_year": 2026, "title": "卫健局自行委托"},
    )
    assert finance_row.department_id is None and health_row.department_id == world.health.pk
    client = world.login("dept_admin")
    listing = client.get("/experts/engagements/").content.decode()
    assert "财政重点评价委托" not in listing and "卫健局自行委托" not in listing
    for row in (finance_row, health_row):
        assert client.get(f"/experts/engagements/{row.pk}/").status_code == 404
        assert client.get(f"/experts/engagements/{row.pk}/edit/").status_code == 404
        assert client.post(f"/experts/engagements/{row.pk}/status/", {"status": "terminated"}).status_code == 404
    edu = world.users["dept_admin"]
    with pytest.raises(NotFoundError):
        services.engagement_set_status(actor=edu, engagement=health_row, status="terminated")
    health_row.refresh_from_db()
    assert health_row.status == Engagement.Status.ACTIVE


def test_a_department_picks_only_its_regions_agencies_and_keeps_its_own_department(world: World) -> None:
    mine = _agency(world)
    far = _agency(world, region=world.other_region, name="外县机构", code="91511700MA62D4L84R")
    edu = world.users["dept_admin"]
    assert list(selectors.commission_agencies(edu)) == [mine]
    client = world.login("dept_admin")
    response = client.post("/experts/engagements/new/", _post(far))
    assert response.status_code == 400 and Engagement.objects.count() == 0
    with pytest.raises(NotFoundError):
        services.engagement_save(
            actor=edu, engagement=None, data={"agency": far, "scope": "training", "fiscal_year": 2026, "title": "x"}
        )
    # A department named in the data is ignored: the commissioning department is always the actor's own.
    row = services.engagement_save(
        actor=edu,
        engagement=None,
        data={
            "agency": mine,
            "scope": "training",
            "fiscal_year": 2026,
            "title": "培训委托",
            "department": world.health,
        },
    )
    assert row.department_id == world.edu.pk


def test_quality_reviews_stay_with_the_performance_section(world: World) -> None:
    agency = _agency(world)
    client = world.login("dept_admin")
    assert client.get("/experts/reviews/").status_code == 403
    assert client.get(f"/experts/agencies/{agency.pk}/review/").status_code == 403
    assert client.get("/experts/reviews/settings/").status_code == 403


def test_units_and_the_budget_section_have_no_part_in_engagements(world: World) -> None:
    agency = _agency(world)
    for persona in ("budget", "unit_user", "business"):
        client = world.login(persona)
        assert client.get("/experts/engagements/").status_code == 403
        assert client.get("/experts/engagements/new/").status_code == 403
    with pytest.raises(PermissionDeniedError):
        services.engagement_save(
            actor=world.users["budget"],
            engagement=None,
            data={"agency": agency, "scope": "training", "fiscal_year": 2026, "title": "x"},
        )


def test_a_departments_todos_count_its_own_late_and_delivered_engagements(world: World) -> None:
    agency = _agency(world)
    edu = world.users["dept_admin"]
    row = services.engagement_save(
        actor=edu,
        engagement=None,
        data={"agency": agency, "scope": "training", "fiscal_year": 2026, "title": "培训委托"},
    )
    services.engagement_save(
        actor=world.users["performance"],
        engagement=None,
        data={"agency": agency, "scope": "training", "fiscal_year": 2026, "title": "财政委托"},
    )
    Engagement.objects.update(status=Engagement.Status.DELIVERED)
    todos = {item.title: item.count for item in selectors.engagement_todos(edu)}
    assert todos["委托成果待验收"] == 1
    assert Engagement.objects.filter(pk=row.pk, status=Engagement.Status.DELIVERED).exists()
