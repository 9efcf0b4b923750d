"""执行进度分析 reads 序时进度 from the region's monitoring settings (the provider monitoring registers with
`jixiao.execution.hooks`; the execution app does not import monitoring)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from jixiao.execution import imports
from jixiao.execution.tests.helpers import csv_bytes, row, write
from jixiao.monitoring.models import MonitoringSettings
from jixiao.projects.models import Project


def test_time_progress_follows_the_regions_monitoring_setting(world: Any, tmp_path: Path) -> None:
    """序时进度 is the region's monitoring setting: February is 2/12 = 16.67% in month mode and 59/365 = 16.16% in
    day mode, so a department at 16.40% is behind (red) in the one and ahead (green) in the other."""
    Project.objects.filter(pk=world.school_project.pk).update(status=Project.Status.IN_LIBRARY)
    budget = Project.objects.get(pk=world.school_project.pk).total_amount_yuan
    amount = (budget * Decimal("0.164")).quantize(Decimal("0.01"))
    path = write(tmp_path, "pay.csv", csv_bytes([row("V1", str(amount), pay_date="2026-02-10")]))
    imports.import_payment_file(actor=world.users["budget"], region=world.region, path=path, file_name="pay.csv")
    client = world.login("performance")

    by_month = client.get("/execution/analysis/", {"year": 2026, "month": 2})
    assert by_month.context["data"]["time_progress"] == Decimal("0.1667")
    assert by_month.context["data"]["departments"][0]["gap"] < 0
    assert 'text-end text-danger">-0.3%' in by_month.content.decode()

    MonitoringSettings.objects.create(region=world.region, fiscal_year=2026, time_progress_mode="day")
    by_day = client.get("/execution/analysis/", {"year": 2026, "month": 2})
    assert by_day.context["data"]["time_progress"] == Decimal("0.1616")
    assert by_day.context["data"]["departments"][0]["gap"] > 0
    assert by_day.context["chart"]["time_progress"] == "16.16"
    assert 'text-end text-success">0.2%' in by_day.content.decode()
