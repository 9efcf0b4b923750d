"""撤销 a case not yet issued: its problems found by a stage are offered again, one entered by hand is gone; the reason
is audited; an issued case, another section's case and a stale page are refused."""

from __future__ import annotations

import re

import pytest

from conftest import World
from jixiao.core.errors import ConflictError, DomainError
from jixiao.core.models import AuditEvent
from jixiao.preassessment.models import Conclusion
from jixiao.preassessment.tests.factories import concluded
from jixiao.rectification import selectors, services
from jixiao.rectification.models import Finding, Rectification
from jixiao.rectification.tests.helpers import YEAR, draft_case, issued_case

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="lock_token" value="([0-9a-f]+)"')


def test_a_discarded_draft_offers_its_problems_again(world: World) -> None:
    concluded(world.school_project, Conclusion.DEFER, None)
    business = world.users["business"]
    key = selectors.candidates(business, YEAR)[0].key
    rect = services.findings_from_candidates(actor=business, fiscal_year=YEAR, keys=[key])[0]
    assert selectors.candidates(business, YEAR) == []
    client = world.login("business")
    page = client.get(f"/rectification/{rect.pk}/").content.decode()
    assert 'data-testid="discard-form"' in page
    token = TOKEN.findall(page)[0]
    refused = client.post(f"/rectification/{rect.pk}/discard/", {"reason": "  ", "lock_token": token})
    assert refused.status_code == 400 and Rectification.objects.filter(pk=rect.pk).exists()
    response = client.post(
        f"/rectification/{rect.pk}/discard/", {"reason": "问题已在预算安排中解决", "lock_token": token}
    )
    assert response.status_code == 302 and response["Location"] == "/rectification/"
    assert "1个问题回到待整改问题" in client.get("/rectification/").content.decode()
    assert not Rectification.objects.filter(pk=rect.pk).exists() and not Finding.objects.exists()
    assert [c.key for c in selectors.candidates(business, YEAR)] == [key]
    event = AuditEvent.objects.get(event_type="rectification.discard", object_id=str(rect.pk))
    assert event.reason == "问题已在预算安排中解决" and event.changes["title"] == [rect.title, None]
    assert len(event.changes["findings"][0]) == 1
    assert client.get(f"/rectification/{rect.pk}/").status_code == 404


def test_a_hand_entered_problem_goes_with_its_case(world: World) -> None:
    rect = draft_case(world)
    again, manual = services.rectification_discard(
        actor=world.users["performance"], rectification=rect, reason="重复登记"
    )
    assert (again, manual) == (0, 1) and not Finding.objects.exists()


def test_an_issued_case_a_stale_page_and_another_scope_are_refused(world: World) -> None:
    perf = world.users["performance"]
    issued = issued_case(world)
    with pytest.raises(ConflictError, match="已下达"):
        services.rectification_discard(actor=perf, rectification=issued, reason="误操作")
    draft = draft_case(world, project=world.hospital_project)
    with pytest.raises(DomainError, match="撤销原因"):
        services.rectification_discard(actor=perf, rectification=draft, reason="")
    client = world.login("business")  # the 业务股室 of education: the hospital's case is not theirs
    assert client.post(f"/rectification/{draft.pk}/discard/", {"reason": "x"}).status_code == 404
    perf_client = world.login("performance")
    token = TOKEN.findall(perf_client.get(f"/rectification/{draft.pk}/").content.decode())[0]
    Rectification.objects.filter(pk=draft.pk).update(version=draft.version + 1, title="已改名")
    stale = perf_client.post(f"/rectification/{draft.pk}/discard/", {"reason": "误登记", "lock_token": token})
    assert stale.status_code == 409 and Rectification.objects.filter(pk=draft.pk).exists()
    assert world.login("unit_user").post(f"/rectification/{issued.pk}/discard/", {"reason": "x"}).status_code == 403
    assert not AuditEvent.objects.filter(event_type="rectification.discard").exists()
