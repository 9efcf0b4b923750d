"""A case being prepared (待下达) is the finance side's: the department and the unit see it once it is issued."""

from __future__ import annotations

import pytest

from conftest import World
from jixiao.rectification import selectors
from jixiao.rectification.tests.helpers import YEAR, draft_case, issued_case

pytestmark = pytest.mark.django_db


def test_departments_and_units_do_not_see_drafts(world: World) -> None:
    draft = draft_case(world)
    issued = issued_case(world)
    for persona in ("unit_user", "dept_admin"):
        client = world.login(persona)
        assert client.get(f"/rectification/{draft.pk}/").status_code == 404, persona
        assert client.get(f"/rectification/{issued.pk}/").status_code == 200, persona
        listing = client.get("/rectification/").content.decode()
        assert f"/rectification/{draft.pk}/" not in listing and f"/rectification/{issued.pk}/" in listing
        user = world.users[persona]
        assert selectors.rectification_summary(user, YEAR)["draft"] == 0
        assert selectors.rectification_statistics(user, YEAR)["finding_count"] == 1  # the issued case's problem
    for persona in ("performance", "business"):
        client = world.login(persona)
        assert client.get(f"/rectification/{draft.pk}/").status_code == 200, persona
    assert selectors.rectification_statistics(world.users["performance"], YEAR)["finding_count"] == 2


def test_the_status_filter_offers_drafts_only_to_the_finance_side(world: World) -> None:
    unit = world.login("unit_user").get("/rectification/").content.decode()
    assert 'value="draft"' not in unit
    for persona in ("performance", "leader"):
        page = world.login(persona).get("/rectification/").content.decode()
        assert 'value="draft"' in page, persona


def test_the_read_only_oversight_sees_cases_once_issued_and_leaders_see_drafts(world: World) -> None:
    """人大/审计 (oversight) receive what is issued, as departments do; the bureau's leaders read its drafts too
    (decision 0008)."""
    draft = draft_case(world)
    issued = issued_case(world)
    oversight = world.login("oversight")
    assert oversight.get(f"/rectification/{draft.pk}/").status_code == 404
    assert oversight.get(f"/rectification/{issued.pk}/").status_code == 200
    listing = oversight.get("/rectification/").content.decode()
    assert f"/rectification/{draft.pk}/" not in listing and f"/rectification/{issued.pk}/" in listing
    assert 'value="draft"' not in listing
    assert selectors.rectification_summary(world.users["oversight"], YEAR)["draft"] == 0
    assert world.login("leader").get(f"/rectification/{draft.pk}/").status_code == 200


def test_statistics_show_no_draft_count_to_those_who_never_see_drafts(world: World) -> None:
    """整改统计's 待下达 card linked to ?status=draft, a status the list does not offer a department, a unit or the
    oversight: the list dropped every filter (the year too) and showed all their cases under a 0."""
    draft_case(world)
    issued_case(world)
    for persona in ("unit_user", "dept_admin", "oversight"):
        page = world.login(persona).get(f"/rectification/statistics/?year={YEAR}").content.decode()
        assert 'data-testid="rect-summary-draft"' not in page, persona
        assert "status=draft" not in page, persona
    for persona in ("performance", "business", "leader"):
        page = world.login(persona).get(f"/rectification/statistics/?year={YEAR}").content.decode()
        assert 'data-testid="rect-summary-draft"' in page and f"?year={YEAR}&status=draft" in page, persona


def test_a_unit_counts_only_the_problems_of_cases_it_sees(world: World) -> None:
    from jixiao.rectification.models import Rectification

    issued = issued_case(world)
    # The same problem about the school, in a case addressed to the department as a whole: not the unit's page.
    whole = issued_case(world)
    Rectification.objects.filter(pk=whole.pk).update(unit=None, project=None)
    unit = world.users["unit_user"]
    assert selectors.rectification_summary(unit, YEAR)["total"] == 1
    assert selectors.rectification_statistics(unit, YEAR)["finding_count"] == 1
    assert world.login("unit_user").get(f"/rectification/{whole.pk}/").status_code == 404
    assert selectors.rectification_statistics(world.users["dept_admin"], YEAR)["finding_count"] == 2
    assert issued.findings.count() == 1
