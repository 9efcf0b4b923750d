"""The 绩效运行监控结果通报 as Word: figures of the round, red/yellow counts and amounts, and the cut decided."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import docx
from docx.oxml.ns import qn

from jixiao.alerts import bulletins, services
from jixiao.alerts.models import WarningCase
from jixiao.alerts.sweep import sweep_region
from jixiao.alerts.tests.conftest import pay, use_sichuan
from jixiao.core.models import AuditEvent
from jixiao.core.tests.helpers import cell_look, head_repeats, tables_kept_whole
from jixiao.monitoring.models import MonitoringRecord, MonitoringTask


def _round(w: Any, status: str = "issued") -> MonitoringTask:
    task = MonitoringTask.objects.create(
        task_no="JK-2026-08",
        title="2026年1—8月项目支出绩效运行监控",
        fiscal_year=2026,
        region=w.region,
        period_end_month=8,
        start_date=date(2026, 9, 1),
        deadline=date(2026, 9, 20),
        status=status,
    )
    executed = {w.school_project.pk: "100000", w.branch_project.pk: "300000", w.hospital_project.pk: "400000"}
    for p in (w.school_project, w.branch_project, w.hospital_project):
        MonitoringRecord.objects.create(
            task=task,
            project=p,
            department=p.department,
            unit=p.unit,
            region=p.region,
            fiscal_year=2026,
            name=p.name,
            current_budget_yuan=Decimal("500000"),
            executed_to_date_yuan=Decimal(executed[p.pk]),
            status="submitted",
        )
    return task


def _text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_bulletin_shows_the_round_figures_and_the_cut(library: Any, monkeypatch: Any) -> None:
    w = library
    use_sichuan(w.region)
    pay(w.school_project, "100000", date(2026, 8, 1))
    sweep_region(w.region, 2026, date(2026, 8, 31))
    case = WarningCase.objects.get(project=w.school_project, rule_code="W-EXEC-RATIO")
    services.case_respond(
        actor=w.users["unit_user"], case=case, explanation="延期", option="ADJUST_DOWN", amount_yuan=Decimal(200000)
    )
    services.case_decide(
        actor=w.users["performance"], case=case, option="ADJUST_DOWN", amount_yuan=Decimal(200000), reason=""
    )
    task = _round(w)
    client = w.login("performance")
    assert "监控结果通报" in client.get("/alerts/?fiscal_year=2026").content.decode()
    response = client.get(f"/alerts/bulletin/{task.pk}/")
    assert response.status_code == 200
    text = _text(response.content)
    assert "关于2026年1—8月项目支出绩效运行监控情况的通报" in text
    # 3 projects, 150万; 80万 executed = 53.33% against 66.67% time progress.
    assert "项目3个，涉及资金150.00万元" in text
    assert "预算执行率53.33%，序时进度66.67%，低于序时进度13.34个百分点" in text
    # school 20% → ratio 30 red; branch 60% → 90 green; hospital 80% → 120 green; checkpoint Aug 60%: branch meets it.
    assert "红灯预警项目1个，涉及资金50.00万元" in text
    assert "黄灯预警项目0个" in text
    assert "调减或收回预算1个项目、20.00万元" in text
    assert w.school_project.name in text
    # The red projects' table names the round's months, not a placeholder.
    head = [c.text for c in docx.Document(io.BytesIO(response.content)).tables[0].rows[0].cells]
    assert head[4] == "1—8月执行率" and "1—N月" not in text
    assert AuditEvent.objects.filter(event_type="alerts.bulletin", object_id=str(task.pk)).exists()
    # An A4 official document, its 成文日期 without leading zeros.
    monkeypatch.setattr(bulletins, "timezone", SimpleNamespace(localdate=lambda: date(2026, 9, 3)))
    word = docx.Document(io.BytesIO(client.get(f"/alerts/bulletin/{task.pk}/").content))
    assert (round(word.sections[0].page_width.cm, 1), round(word.sections[0].page_height.cm, 1)) == (21.0, 29.7)
    assert word.paragraphs[-1].text.endswith("\n2026年9月3日")
    assert tables_kept_whole(word) and head_repeats(word.tables[0])


def test_bulletin_scope(library: Any) -> None:
    w = library
    task = _round(w)
    # A unit's bulletin covers its own records only.
    text = _text(w.login("other_unit_user").get(f"/alerts/bulletin/{task.pk}/").content)
    assert "项目1个" in text
    draft = _round_draft(w)
    assert w.login("performance").get(f"/alerts/bulletin/{draft.pk}/").status_code == 404
    assert w.login("performance").get("/alerts/bulletin/999999/").status_code == 404


def _round_draft(w: Any) -> MonitoringTask:
    return MonitoringTask.objects.create(
        task_no="JK-DRAFT",
        title="草稿",
        fiscal_year=2026,
        region=w.region,
        period_end_month=5,
        start_date=date(2026, 6, 1),
        deadline=date(2026, 6, 20),
    )


def test_the_red_projects_table_is_set_to_be_read_and_printed() -> None:
    """The table's head in 黑体 and rows in 仿宋_GB2312 at 五号 (10.5pt) in set column widths, the name and the reason
    wide (six equal columns at the body's 四号 ran a round's ~400 red projects to 144 pages); a control character in
    a project name is dropped, the file still opens; the title has no template rule under it."""
    figures = bulletins.Figures(title="关于2026年1—8月项目支出绩效运行监控情况的通报", period="2026年1—8月", month=8)
    figures.red_rows = [["1", "一中教学\x01设备购置", "县第一中学", "50.00", "20.00%", "执行进度：偏慢"]]
    word = docx.Document(io.BytesIO(bulletins.bulletin_docx(figures, "渠县财政局")))
    (table,) = word.tables
    assert [cell_look(c) for c in table.rows[0].cells[:2]] == [
        ("序号", "黑体", 10.5, True),
        ("项目名称", "黑体", 10.5, True),
    ]
    assert [cell_look(c) for c in table.rows[1].cells[:2]] == [
        ("1", "仿宋_GB2312", 10.5, False),
        ("一中教学设备购置", "仿宋_GB2312", 10.5, False),
    ]
    widths = [round(cell.width.cm, 1) for cell in table.rows[1].cells]
    assert widths == [1.1, 4.6, 3.4, 2.2, 1.9, 2.7] and sum(widths) <= 15.92  # within the page's text width
    assert table.style.name == "Table Grid" and tables_kept_whole(word) and head_repeats(table)
    assert word.styles["Title"].element.pPr.find(qn("w:pBdr")) is None
