from __future__ import annotations

from typing import Any

from jixiao.execution.models import Payment

URL = "/api/v1/payments/"


def rows(*items: dict[str, str]) -> dict[str, Any]:
    base = {"pay_date": "2026-03-15", "region_code": "511725000", "unit_code": "101001", "project_code": "P-SCHOOL"}
    return {"rows": [{**base, **item} for item in items]}


def test_post_imports_all_or_nothing_and_is_idempotent(world: Any) -> None:
    client = world.login("budget")
    payload = rows(
        {"voucher_no": "A1", "amount_yuan": "100.00"},
        {"voucher_no": "A2", "amount_yuan": "-20", "reverses_voucher_no": "A1"},
    )
    response = client.post(URL, payload, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["imported"] == 2 and response.json()["refunds"] == 1
    again = client.post(URL, payload, content_type="application/json").json()
    assert (again["imported"], again["skipped"]) == (0, 2)
    bad = client.post(
        URL,
        rows({"voucher_no": "A3", "amount_yuan": "5"}, {"voucher_no": "A4", "amount_yuan": "x"}),
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["errors"] == [{"row": 2, "column": "金额（元）", "value": "x", "message": "“x”不是有效的金额"}]
    assert Payment.objects.count() == 2


def test_post_rejects_bad_bodies_and_other_roles(world: Any) -> None:
    client = world.login("budget")
    assert client.post(URL, {"rows": []}, content_type="application/json").status_code == 400
    unit = world.login("unit_user")
    assert (
        unit.post(URL, rows({"voucher_no": "A1", "amount_yuan": "1"}), content_type="application/json").status_code
        == 403
    )
    assert Payment.objects.count() == 0


def test_get_lists_scoped_and_filtered(world: Any) -> None:
    client = world.login("budget")
    client.post(
        URL,
        rows(
            {"voucher_no": "A1", "amount_yuan": "100"},
            {
                "voucher_no": "B1",
                "amount_yuan": "50",
                "unit_code": "102001",
                "project_code": "P-HOSP",
                "pay_date": "2026-05-01",
            },
        ),
        content_type="application/json",
    )
    listed = client.get(URL).json()
    assert listed["count"] == 2
    ranged = client.get(URL, {"date_from": "2026-04-01"}).json()
    assert [r["voucher_no"] for r in ranged["results"]] == ["B1"]
    by_project = client.get(URL, {"project": world.school_project.pk}).json()
    assert [r["voucher_no"] for r in by_project["results"]] == ["A1"]
    by_unit = client.get(URL, {"unit": world.hospital.pk}).json()
    assert [r["voucher_no"] for r in by_unit["results"]] == ["B1"]
    mine = world.login("unit_user").get(URL).json()
    assert [r["voucher_no"] for r in mine["results"]] == ["A1"]
    assert world.login("expert").get(URL).status_code == 403
