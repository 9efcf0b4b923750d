"""Third-party agencies (第三方机构): pages for the performance section, validation, masking and audit."""

from __future__ import annotations

import pytest

from conftest import PERSONAS, World
from jixiao.core.errors import DomainError
from jixiao.core.models import AuditEvent
from jixiao.experts import services
from jixiao.experts.models import Agency

CODE = "91511700MA62D4L83R"
PHONE = "13812345678"


def _data(world: World, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "四川明信绩效评价咨询有限公司",
        "credit_code": CODE,
        "qualification": "预算绩效管理第三方机构入库资格",
        "contact_person": "周凯",
        "phone": PHONE,
        "is_active": True,
        "users": [world.users["agency"]],
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_performance_section_manages_agencies(world: World, persona: str) -> None:
    client = world.login(persona)
    expected = 200 if persona == "performance" else 403
    assert client.get("/experts/agencies/").status_code == expected
    assert client.get("/experts/agencies/new/").status_code == expected


def test_create_and_edit_through_the_pages_with_a_masked_phone(world: World) -> None:
    client = world.login("performance")
    form = client.get("/experts/agencies/new/").content.decode()
    assert "p_agency" in form and "p_unit" not in form  # only 第三方机构 logins may be linked
    post = {
        "name": "四川明信绩效评价咨询有限公司",
        "credit_code": CODE.lower(),
        "qualification": "入库资格",
        "contact_person": "周凯",
        "phone": PHONE,
        "is_active": "on",
        "users": [world.users["agency"].pk],
    }
    assert client.post("/experts/agencies/new/", post).status_code == 302
    agency = Agency.objects.get()
    assert agency.credit_code == CODE and list(agency.users.all()) == [world.users["agency"]]
    listing = client.get("/experts/agencies/").content.decode()
    assert "138****5678" in listing and PHONE not in listing and "p_agency" in listing
    event = AuditEvent.objects.get(event_type="agency.create")
    assert PHONE not in str(event.changes)
    edit = client.get(f"/experts/agencies/{agency.pk}/edit/").content.decode()
    assert PHONE not in edit
    post.update({"phone": "", "contact_person": "李敏", "version": agency.version})
    assert client.post(f"/experts/agencies/{agency.pk}/edit/", post).status_code == 302
    agency.refresh_from_db()
    assert agency.contact_person == "李敏" and agency.phone == PHONE  # an empty phone keeps the stored number
    # The same page posted again carries the version it was shown with: a conflict, the input kept.
    stale = client.post(f"/experts/agencies/{agency.pk}/edit/", {**post, "contact_person": "王强"})
    body = stale.content.decode()
    assert stale.status_code == 409 and "该记录已被他人修改，请刷新后重试" in body and "王强" in body
    agency.refresh_from_db()
    assert agency.contact_person == "李敏"


@pytest.mark.parametrize(
    "code", ["9151170MA62D4L83R", "91511700MA62D4L83RX", "91511700MA62D4L8IO", "9151170OMA62D4L83"]
)
def test_the_credit_code_must_be_18_valid_characters(world: World, code: str) -> None:
    with pytest.raises(DomainError, match="统一社会信用代码"):
        services.agency_save(actor=world.users["performance"], agency=None, data=_data(world, credit_code=code))
    assert not Agency.objects.exists()


def test_bad_page_input_is_a_400_in_chinese(world: World) -> None:
    client = world.login("performance")
    response = client.post("/experts/agencies/new/", {"name": "某机构", "credit_code": "123"})
    assert response.status_code == 400 and "统一社会信用代码应为18位" in response.content.decode()
    assert not Agency.objects.exists()


def test_a_credit_code_is_unique_per_region_and_users_must_be_agency_logins(world: World) -> None:
    perf = world.users["performance"]
    services.agency_save(actor=perf, agency=None, data=_data(world))
    with pytest.raises(DomainError, match="本区划已有该机构"):
        services.agency_save(actor=perf, agency=None, data=_data(world, name="另一家"))
    with pytest.raises(DomainError, match="第三方机构账号"):
        services.agency_save(
            actor=perf,
            agency=None,
            data=_data(world, credit_code="91511700MA62D4L84R", users=[world.users["unit_user"]]),
        )
    assert Agency.objects.count() == 1


def test_other_regions_agencies_do_not_exist(world: World) -> None:
    far = Agency.objects.create(region=world.other_region, name="外县机构", credit_code=CODE)
    client = world.login("performance")
    assert client.get(f"/experts/agencies/{far.pk}/edit/").status_code == 404
    assert "外县机构" not in client.get("/experts/agencies/").content.decode()
