"""季度检查 (seed 003 S40): the business sections' quarterly checks of their 对口 departments, the coverage grid, the
待办 of departments not yet checked, scoping, validation, audit, export, and the way into 问题整改."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from conftest import World
from jixiao.core import todos
from jixiao.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.inspections import selectors, services
from jixiao.inspections.models import DEFAULT_SUBJECT, Inspection
from jixiao.organizations.models import Department

DAY = dt.date(2026, 5, 12)


def _data(department: Department, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "fiscal_year": 2026,
        "quarter": 2,
        "department": department,
        "inspected_on": DAY,
        "inspectors": "教科文股 张三、李四",
        "subject": "",
        "findings": "专项业务经费支出进度慢于序时进度；2笔支出无合同。",
        "opinions": "加快支出进度，补签合同。",
    }
    data.update(overrides)
    return data


def _record(world: World, persona: str = "business", **overrides: Any) -> Inspection:
    return services.inspection_create(actor=world.users[persona], data=_data(world.edu, **overrides))


def test_a_business_section_records_a_check_of_its_own_department_only(world: World) -> None:
    inspection = _record(world)
    assert inspection.region == world.region and inspection.section == world.edu_section
    assert inspection.subject == DEFAULT_SUBJECT and inspection.has_problems
    event = AuditEvent.objects.get(event_type="inspection.create")
    assert event.changes["findings"][1].startswith("专项业务经费")
    # Another section's department is not the 教科文股's to check: not found, nothing written.
    with pytest.raises(NotFoundError):
        services.inspection_create(actor=world.users["business"], data=_data(world.health))
    with pytest.raises(NotFoundError):
        services.inspection_create(actor=world.users["performance"], data=_data(world.far_unit.department))
    # The performance section checks any department of its region; the checking section is then the 绩效股 itself.
    other = services.inspection_create(actor=world.users["performance"], data=_data(world.health, findings=""))
    assert other.section == world.perf_section and not other.has_problems
    assert Inspection.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"inspectors": " "}, "请填写：检查人员"),
        ({"quarter": 5}, "请选择季度"),
        ({"fiscal_year": 1999}, "年度应在"),
        ({"inspected_on": dt.date(2026, 3, 31)}, "早于2026年第2季度"),
        ({"inspected_on": dt.date(2999, 1, 1), "fiscal_year": 2026}, "不能晚于今天"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(
    world: World, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(DomainError, match=message):
        _record(world, **overrides)
    assert not Inspection.objects.exists()


def test_a_fourth_quarter_check_may_run_into_january(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(services.timezone, "localdate", lambda *args: dt.date(2027, 1, 20))
    inspection = _record(world, quarter=4, inspected_on=dt.date(2027, 1, 8))
    assert (inspection.fiscal_year, inspection.quarter) == (2026, 4)


def test_who_sees_which_checks(world: World) -> None:
    mine = _record(world)
    health = services.inspection_create(actor=world.users["performance"], data=_data(world.health))
    visible = {
        persona: set(Inspection.objects.visible_to(world.users[persona]).values_list("pk", flat=True))
        for persona in ("performance", "business", "dept_admin", "leader", "oversight", "unit_user", "expert")
    }
    assert visible["performance"] == visible["leader"] == visible["oversight"] == {mine.pk, health.pk}
    assert visible["business"] == {mine.pk}  # its 对口 department's only
    assert visible["dept_admin"] == {mine.pk}  # the 教育局 reads the checks of itself
    assert visible["unit_user"] == visible["expert"] == set()
    # Pages: another section's check is a 404; the department reads but cannot change it.
    assert world.login("business").get(reverse("inspections:detail", args=[health.pk])).status_code == 404
    dept = world.login("dept_admin")
    page = dept.get(reverse("inspections:detail", args=[mine.pk]))
    assert page.status_code == 200 and "加快支出进度" in page.content.decode()
    assert 'data-testid="inspection-delete"' not in page.content.decode()
    assert dept.get(reverse("inspections:edit", args=[mine.pk])).status_code == 403


def test_edit_and_delete_are_audited_and_checked_for_a_stale_version(world: World) -> None:
    inspection = _record(world)
    actor = world.users["business"]
    changed = services.inspection_update(
        actor=actor, inspection=inspection, data=_data(world.edu, findings=""), version=inspection.version
    )
    assert not changed.has_problems and changed.version == inspection.version + 1
    with pytest.raises(ConflictError):
        services.inspection_update(actor=actor, inspection=inspection, data=_data(world.edu), version=1)
    with pytest.raises(PermissionDeniedError):
        services.inspection_delete(actor=world.users["dept_admin"], inspection=inspection)
    services.inspection_delete(actor=actor, inspection=inspection)
    assert not Inspection.objects.visible_to(actor).exists()
    kinds = list(AuditEvent.objects.filter(event_type__startswith="inspection.").values_list("event_type", flat=True))
    assert sorted(kinds) == ["inspection.create", "inspection.delete", "inspection.update"]


def test_pages_record_list_filter_and_export(world: World) -> None:
    client = world.login("business")
    form_page = client.get(reverse("inspections:create") + f"?fiscal_year=2026&quarter=2&department={world.edu.pk}")
    assert form_page.status_code == 200
    post = {
        "fiscal_year": "2026",
        "quarter": "2",
        "department": str(world.edu.pk),
        "inspected_on": "2026-05-12",
        "inspectors": "张三",
        "subject": DEFAULT_SUBJECT,
        "findings": "<script>alert(1)</script>支出无合同",
        "opinions": "",
    }
    response = client.post(reverse("inspections:create"), post)
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    detail = client.get(response["Location"]).content.decode()
    assert "&lt;script&gt;" in detail and "<script>alert(1)</script>" not in detail
    # A bad date is a 400 with the reason at the form, nothing written.
    bad = client.post(reverse("inspections:create"), {**post, "inspected_on": "2026-01-05"})
    assert bad.status_code == 400 and "早于2026年第2季度" in bad.content.decode()
    assert Inspection.objects.count() == 1
    listing = client.get(reverse("inspections:list"), {"fiscal_year": 2026, "problems": "yes"}).content.decode()
    assert "县教育局" in listing and "发现问题" in listing
    assert "县教育局" not in client.get(reverse("inspections:list"), {"problems": "no"}).content.decode()
    export = client.get(reverse("inspections:export"), {"fiscal_year": 2026})
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active  # type: ignore[attr-defined]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("年度", "季度", "检查日期", "被检查部门")
    assert rows[1][1] == "第二季度" and rows[1][3] == "县教育局" and rows[1][7].endswith("支出无合同")
    assert inspection.pk


def test_coverage_and_the_business_sections_todo(world: World, monkeypatch: Any) -> None:
    _record(world)
    business = world.users["business"]
    totals = {t["quarter"]: t for t in selectors.coverage_totals(business, 2026)}
    assert totals[2]["departments"] == 1 and totals[2]["checked"] == 1 and totals[2]["problems"] == 1
    assert totals[3]["unchecked"] == 1
    perf_totals = {t["quarter"]: t for t in selectors.coverage_totals(world.users["performance"], 2026)}
    assert perf_totals[2]["departments"] == 2 and perf_totals[2]["unchecked"] == 1  # the 卫健局 not yet
    page = world.login("performance").get(reverse("inspections:coverage"), {"fiscal_year": 2026})
    body = page.content.decode()
    assert page.status_code == 200 and "县卫健局" in body and "已检查·有问题" in body
    unchecked = world.login("performance").get(
        reverse("inspections:coverage"), {"fiscal_year": 2026, "quarter": 2, "unchecked": "on"}
    )
    assert "县卫健局" in unchecked.content.decode() and "县教育局" not in unchecked.content.decode()
    # 待办: the section's departments not checked this quarter (none in Q2, one in Q3); other roles get none.
    monkeypatch.setattr(selectors, "current_quarter", lambda today=None: (2026, 2))
    assert [i for i in todos.for_user(business) if "尚未检查" in i.title] == []
    monkeypatch.setattr(selectors, "current_quarter", lambda today=None: (2026, 3))
    (item,) = [i for i in todos.for_user(business) if "尚未检查" in i.title]
    assert item.count == 1 and item.title == "2026年第三季度尚未检查的对口部门"
    assert item.url.endswith("?fiscal_year=2026&quarter=3&unchecked=on")
    assert not [i for i in todos.for_user(world.users["performance"]) if "尚未检查" in i.title]


def test_current_quarter_follows_the_current_fiscal_year(world: World) -> None:
    assert selectors.current_quarter(dt.date(2026, 11, 30)) == (2026, 4)
    assert selectors.current_quarter(dt.date(2026, 1, 1)) == (2026, 1)
    assert selectors.current_quarter(dt.date(2027, 1, 2)) is None  # 2027 is not yet the current 财政年度


def test_a_deactivated_departments_check_stays_editable_and_out_of_the_coverage_counts(world: World) -> None:
    inspection = _record(world)
    world.edu.is_active = False
    world.edu.save(update_fields=["is_active"])
    business = world.users["business"]
    changed = services.inspection_update(
        actor=business, inspection=inspection, data=_data(world.edu, opinions="已整改"), version=inspection.version
    )
    assert changed.opinions == "已整改"
    # A new check of it is refused; its old ones are still found by the list's department filter.
    with pytest.raises(NotFoundError):
        _record(world)
    listing = world.login("business").get(reverse("inspections:list"), {"department": world.edu.pk})
    assert listing.status_code == 200 and "已整改" not in listing.content.decode()  # (opinions are not listed)
    assert reverse("inspections:detail", args=[inspection.pk]) in listing.content.decode()
    totals = {t["quarter"]: t for t in selectors.coverage_totals(business, 2026)}
    assert totals[2] == {**totals[2], "departments": 0, "checked": 0, "checks": 0, "problems": 0}


def test_the_coverage_grid_exports_every_department(world: World) -> None:
    _record(world)
    response = world.login("performance").get(reverse("inspections:coverage_export"), {"fiscal_year": 2026})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == (
        "部门编码",
        "主管部门（乡镇）",
        "对口股室",
        "第一季度",
        "第二季度",
        "第三季度",
        "第四季度",
        "全年检查（次）",
    )
    assert rows[1] == ("101", "县教育局", "教科文股", "未检查", "已检查1次（1次发现问题）", "未检查", "未检查", 1)
    assert rows[2] == ("102", "县卫健局", "社保股", "未检查", "未检查", "未检查", "未检查", 0)
    # The section's own export lists its 对口 department only.
    mine = world.login("business").get(reverse("inspections:coverage_export"), {"fiscal_year": 2026})
    assert [r[1] for r in load_workbook(io.BytesIO(mine.content)).active.iter_rows(min_row=2, values_only=True)] == [
        "县教育局"
    ]
