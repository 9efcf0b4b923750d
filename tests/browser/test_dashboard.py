"""Issue 7's quality bar in a real Chromium: a leader opens the dashboard, clicks the number of red warnings and lands
on the warning list filtered to red warnings — the same warnings the number counted."""

from __future__ import annotations

import json
from decimal import Decimal
from itertools import combinations
from typing import Any

from django.utils import timezone

from jixiao.accounts.demo_logins import DEMO_PASSWORD
from jixiao.accounts.models import User
from jixiao.alerts.models import Color, ProjectLight, Warning
from jixiao.alerts.sweep import sweep_region
from jixiao.execution.models import Payment, ProjectMonthExecution
from jixiao.projects.models import Project
from tests.browser.helpers import login

# The boxes of a chart's texts as ECharts drew them (zrender's display list): [text, x, y, width, height].
TEXT_BOXES = """([id, names]) => {
    const chart = window.echarts.getInstanceByDom(document.getElementById(id));
    return chart.getZr().storage.getDisplayList(true)
        .filter((e) => e.style && names.includes(e.style.text) && !e.ignore && !e.invisible)
        .map((e) => {
            const r = e.getBoundingRect().clone();
            const m = e.getComputedTransform();
            if (m) { r.applyTransform(m); }
            return [e.style.text, r.x, r.y, r.width, r.height];
        });
}"""


def _overlap(a: list[Any], b: list[Any]) -> bool:
    return a[1] < b[1] + b[3] and b[1] < a[1] + a[3] and a[2] < b[2] + b[4] and b[2] < a[2] + a[4]


def _arrange_red_warning(year: int) -> Project:
    """Which projects lag in the demo depends on the day it is built, so one is made to lag: a project loses its
    payments and the warnings are recomputed (nothing paid is red on 预算执行预警)."""
    perf = User.objects.get(username="jxg")
    membership = perf.active_membership
    assert membership is not None
    project = (
        Project.objects.filter(
            region=membership.region,
            fiscal_year=year,
            status=Project.Status.IN_LIBRARY,
            total_amount_yuan__gte=Decimal("400000"),
        )
        .order_by("-total_amount_yuan")
        .first()
    )
    assert project is not None
    Payment.objects.filter(project=project).delete()
    ProjectMonthExecution.objects.filter(project=project).delete()
    sweep_region(membership.region, year, timezone.localdate())
    assert Warning.objects.filter(project=project, fiscal_year=year, color=Color.RED).exists()
    return project


def test_leader_drills_from_the_dashboard_into_red_warnings(demo: None, live_server: Any, page: Any, shot: Any) -> None:
    base = live_server.url
    year = timezone.localdate().year
    project = _arrange_red_warning(year)
    leader = User.objects.get(username="leader")
    red_count = ProjectLight.objects.visible_to(leader).filter(fiscal_year=year, color=Color.RED).count()  # type: ignore[attr-defined]

    login(page, base, "leader", DEMO_PASSWORD)
    page.click("a[href='/reports/']")
    page.wait_for_selector("[data-testid=panel-warnings]")
    page.wait_for_selector("#chart-warnings canvas")  # ECharts drew from the json_script data (CSP allows it)
    red = page.locator("[data-testid=warnings-RED]")
    assert red.inner_text().strip() == str(red_count)
    shot(page, "dashboard-leader")

    red.click()
    page.wait_for_selector("[data-testid=warnings-table]")
    assert "color=RED" in page.url
    assert page.locator("select[name=color]").input_value() == "RED"
    colours = page.locator("[data-testid=warnings-table] tbody tr td:first-child").all_inner_texts()
    assert colours and all("红灯" in c for c in colours)
    assert project.name in page.inner_text("[data-testid=warnings-table]")
    shot(page, "dashboard-red-warnings")


def test_a_year_without_warnings_draws_no_slices(demo: None, live_server: Any, page: Any) -> None:
    year = timezone.localdate().year - 1  # the demo's earlier year: projects, no warnings
    leader = User.objects.get(username="leader")
    assert not ProjectLight.objects.visible_to(leader).filter(fiscal_year=year).exists()  # type: ignore[attr-defined]
    login(page, live_server.url, "leader", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/reports/?year={year}")
    page.wait_for_selector("#chart-warnings canvas")
    assert page.locator("[data-testid=warnings-RED]").inner_text().strip() == "0"
    # Each slice's angle as ECharts laid it out: all three 0, not a third of the ring each.
    angles = page.evaluate(
        """() => {
            const data = window.echarts.getInstanceByDom(document.getElementById("chart-warnings"))
                .getModel().getSeriesByIndex(0).getData();
            return data.mapArray((i) => { const l = data.getItemLayout(i); return l.endAngle - l.startAngle; });
        }"""
    )
    assert len(angles) == 3 and all(abs(a) < 1e-9 for a in angles)
    # No slice, so no slice label pointing at nothing: the ring says there is no warning instead.
    assert page.evaluate(TEXT_BOXES, ["chart-warnings", ["红灯项目", "黄灯项目", "绿灯项目"]]) == []
    assert page.evaluate(TEXT_BOXES, ["chart-warnings", ["本年度暂无预警"]])


def test_the_stage_chart_names_every_stage_legibly_on_a_phone(
    demo: None, live_server: Any, page: Any, shot: Any
) -> None:
    """At 390 px the eight stage names no longer fit under the bars: the bars lie down with the names on their left,
    so no two names are drawn over each other."""
    login(page, live_server.url, "leader", DEMO_PASSWORD)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/reports/")
    page.wait_for_selector("#chart-stages canvas")
    names = [s["label"] for s in json.loads(page.text_content("#dashboard-chart-data") or "{}")["stages"]]
    boxes = page.evaluate(TEXT_BOXES, ["chart-stages", names])
    assert sorted(b[0] for b in boxes) == sorted(names)
    clashes = [(a[0], b[0]) for a, b in combinations(boxes, 2) if _overlap(a, b)]
    assert not clashes, clashes
    shot(page, "phone-dashboard-stages")
