"""The read-only API: same scope and filters as the page; amounts in yuan and 万元."""

from __future__ import annotations

from conftest import World
from jixiao.results.tests import helpers as h

URL = "/api/v1/result-applications/"


def test_api_lists_filters_and_scopes(world: World) -> None:
    school = h.arranged(world.school_project)
    h.pay(school, "190000.00")
    h.self_eval(school, "差")
    hospital = h.arranged(world.hospital_project, "100000.00")
    h.pay(hospital, "90000.00")
    h.self_eval(hospital, "优")
    h.generate(world)
    client = world.login("budget")
    rows = client.get(URL, {"action": "CANCEL", "fiscal_year": 2026}).json()["results"]
    assert [(r["project_code"], r["proposed_action"], r["proposed_amount_yuan"]) for r in rows] == [
        ("P-SCHOOL", "CANCEL", "0.00")
    ]
    assert rows[0]["base_amount_wan"] == "20.000000" and rows[0]["reasons"][0]["text"] == "单位自评等级为“差”"
    unit_rows = world.login("unit_user").get(URL).json()["results"]
    assert [r["project_code"] for r in unit_rows] == ["P-SCHOOL"]
    hospital_id = h.proposal(hospital).pk
    assert world.login("unit_user").get(f"{URL}{hospital_id}/").status_code == 404
    assert world.login("expert").get(URL).status_code == 403
    assert world.login("budget").get(f"{URL}{hospital_id}/").json()["proposed_action"] == "PRIORITY"


def test_a_bad_filter_is_a_400_naming_the_field(world: World) -> None:
    """fiscal_year=2026x was ignored and the client got every year's proposals (a status typed wrong got none)."""
    h.arranged(world.school_project)
    h.generate(world)
    client = world.login("budget")
    assert client.get(URL, {"fiscal_year": 2026}).json()["count"] == 1
    for bad in ({"fiscal_year": "2026x"}, {"status": "zzz"}, {"action": "NOPE"}, {"department": "abc"}):
        response = client.get(URL, bad)
        assert response.status_code == 400 and list(response.json()) == list(bad), bad
    assert "输入整数" in client.get(URL, {"fiscal_year": "2026x"}).json()["fiscal_year"][0]
    assert client.get(URL, {"department": world.edu.pk, "status": "proposed"}).json()["count"] == 1
