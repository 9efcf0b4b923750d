"""执行进度分析: monthly and per-department execution against 序时进度, scoped to the viewer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jixiao.execution import imports
from jixiao.execution.tests.helpers import csv_bytes, row, write
from jixiao.projects.models import Project


def _import(world: Any, tmp_path: Path) -> None:
    Project.objects.filter(pk__in=[world.school_project.pk, world.hospital_project.pk]).update(
        status=Project.Status.IN_LIBRARY
    )
    rows = [
        row("V1", "100000.00", pay_date="2026-02-10"),
        row("V2", "50000.00", pay_date="2026-05-20"),
        row("V3", "40000.00", pay_date="2026-07-01"),  # after June: not in 1—6月
        row("H1", "200000.00", pay_date="2026-03-03", unit="102001", project="P-HOSP"),
    ]
    path = write(tmp_path, "pay.csv", csv_bytes(rows))
    imports.import_payment_file(actor=world.users["budget"], region=world.region, path=path, file_name="pay.csv")


def test_performance_section_sees_months_and_departments(world: Any, tmp_path: Path) -> None:
    _import(world, tmp_path)
    response = world.login("performance").get("/execution/analysis/", {"year": 2026, "month": 6})
    assert response.status_code == 200
    chart = response.context["chart"]
    assert [round(float(v)) for v in chart["cumulative"][:7]] == [0, 100000, 300000, 300000, 350000, 350000, 390000]
    departments = {r["department"]: r for r in response.context["data"]["departments"]}
    assert departments[world.edu.name]["executed"] == 150000 and departments[world.health.name]["executed"] == 200000
    assert response.context["data"]["time_progress"] == 0.5
    page = response.content.decode()
    assert world.edu.name in page
    assert "execution_analysis.js" in page and 'id="analysis-chart-data"' in page


def test_a_unit_sees_only_its_own_projects(world: Any, tmp_path: Path) -> None:
    _import(world, tmp_path)
    data = world.login("unit_user").get("/execution/analysis/", {"year": 2026, "month": 12}).context["data"]
    assert [r["department"] for r in data["departments"]] == [world.edu.name]
    assert data["executed"] == 190000


def test_bad_parameters_fall_back_and_admins_are_refused(world: Any) -> None:
    client = world.login("performance")
    assert client.get("/execution/analysis/", {"year": "abc", "month": 99}).status_code == 200
    assert world.login("sys_admin").get("/execution/analysis/").status_code == 403


def test_the_table_sorts_by_rate_pages_and_the_chart_shows_the_lagging_departments(
    world: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    from jixiao.execution import selectors

    _import(world, tmp_path)
    client = world.login("performance")
    by_budget = client.get("/execution/analysis/", {"year": 2026, "month": 6})
    budgets = [r["budget"] for r in by_budget.context["page"]]
    assert budgets == sorted(budgets, reverse=True) and len(budgets) == 2
    by_rate = client.get("/execution/analysis/", {"year": 2026, "month": 6, "sort": "rate"})
    rates = [r["rate"] for r in by_rate.context["page"]]
    assert rates == sorted(rates) and len(rates) == 2
    assert by_rate.context["chart"]["departments"] == [r["department"] for r in by_rate.context["page"]]

    monkeypatch.setattr(selectors, "CHART_DEPARTMENTS", 1)
    one = client.get("/execution/analysis/", {"year": 2026, "month": 6, "page": 2, "sort": "nonsense"})
    assert one.status_code == 200 and one.context["sort"] == "budget"
    assert one.context["chart"]["departments"] == [by_rate.context["page"][0]["department"]]
    assert "共 2 个主管部门" in one.content.decode()


def test_the_whole_table_downloads_as_excel_and_the_download_is_audited(world: Any, tmp_path: Path) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    from jixiao.core.models import AuditEvent

    _import(world, tmp_path)
    response = world.login("performance").get(
        "/execution/analysis/", {"year": 2026, "month": 6, "sort": "rate", "format": "xlsx"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "主管部门" and len(rows) == 3
    assert rows[0][2] == "1—6月支付（万元）"  # the months paid, as the page's column says (it read 已支付)
    assert [r[3] for r in rows[1:]] == sorted(r[3] for r in rows[1:])  # lowest rate first
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name[world.edu.name][2] == 15  # 15万元 paid in 1—6月
    assert AuditEvent.objects.filter(event_type="execution.analysis_export").exists()


def test_the_payments_link_lists_the_payments_of_the_rows_months(world: Any, tmp_path: Path) -> None:
    """A department's 支付明细 opens the payment list to the end of the chosen month, so its total is the row's
    “1—6月支付” (15.00 万元: V3 of July is left out); for December it lists the year."""
    _import(world, tmp_path)
    client = world.login("performance")
    page = client.get("/execution/analysis/", {"year": 2026, "month": 6}).content.decode()
    link = f"/execution/payments/?department={world.edu.pk}&amp;fiscal_year=2026&amp;date_to=2026-06-30"
    assert f'href="{link}" data-testid="analysis-payments"' in page
    listed = client.get(link.replace("&amp;", "&"))
    assert sorted(p.voucher_no for p in listed.context["page"]) == ["V1", "V2"]
    assert listed.context["totals"]["total"] == 150000
    december = client.get("/execution/analysis/", {"year": 2026, "month": 12}).content.decode()
    assert f'?department={world.edu.pk}&amp;fiscal_year=2026" data-testid="analysis-payments"' in december
