"""Create and edit flows: a valid form saves through the service with an audit event; invalid input is a 400."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import World
from jixiao.core.errors import DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.organizations import services
from jixiao.organizations.models import BudgetUnit, Department, FinanceSection, FiscalRegion, FiscalYear
from jixiao.organizations.tests.factories import BudgetUnitFactory


def _audit(event_type: str, obj: object) -> bool:
    return AuditEvent.objects.filter(event_type=event_type, object_id=str(obj.pk)).exists()  # type: ignore[attr-defined]


# ---------------------------------------------------------------- units


def _unit_data(world: World, **overrides: object) -> dict[str, object]:
    data = {
        "agency_code": "101003",
        "name": "县第二中学",
        "department": world.edu.pk,
        "parent": "",
        "kind": "public_institution",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_budget_section_creates_a_first_level_unit(world: World) -> None:
    response = world.login("budget").post(reverse("organizations:unit_create"), _unit_data(world))
    unit = BudgetUnit.objects.get(region=world.region, agency_code="101003")
    assert response.status_code == 302
    assert response["Location"] == reverse("organizations:unit_detail", args=[unit.pk])
    assert (unit.name, unit.level, unit.kind, unit.department_id, unit.region_id) == (
        "县第二中学", 1, "public_institution", world.edu.pk, world.region.pk,
    )  # fmt: skip
    assert unit.path == f"{world.edu.pk}:101003/"
    assert unit.created_by == world.users["budget"]
    assert _audit("unit.create", unit)


def test_a_double_click_on_save_is_sent_to_the_unit_not_to_a_code_taken_error(world: World) -> None:
    """保存 clicked twice: the second POST showed “单位编码已存在” on the form. With the form's one-time token it
    writes nothing and opens the unit the first saved; the edit page carries no token."""
    client = world.login("budget")
    page = client.get(reverse("organizations:unit_create")).content.decode()
    token = page.split('name="submit_token" value="')[1].split('"')[0]
    first = client.post(reverse("organizations:unit_create"), {**_unit_data(world), "submit_token": token})
    second = client.post(reverse("organizations:unit_create"), {**_unit_data(world), "submit_token": token})
    unit = BudgetUnit.objects.get(region=world.region, agency_code="101003")
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == reverse("organizations:unit_detail", args=[unit.pk])
    assert "submit_token" not in client.get(reverse("organizations:unit_edit", args=[unit.pk])).content.decode()


def test_a_unit_under_a_second_level_parent_becomes_third_level(world: World) -> None:
    response = world.login("sys_admin").post(
        reverse("organizations:unit_create"), _unit_data(world, parent=world.school_branch.pk)
    )
    assert response.status_code == 302
    unit = BudgetUnit.objects.get(agency_code="101003", region=world.region)
    assert unit.level == 3
    assert unit.path == f"{world.school_branch.path}101003/"


def test_unit_with_an_invalid_code_is_rejected_with_a_chinese_message(world: World) -> None:
    response = world.login("budget").post(reverse("organizations:unit_create"), _unit_data(world, agency_code="10-03"))
    assert response.status_code == 400
    assert "编码只能包含数字和字母" in response.content.decode()
    assert not BudgetUnit.objects.filter(name="县第二中学").exists()


def test_unit_missing_required_fields_is_rejected(world: World) -> None:
    response = world.login("budget").post(reverse("organizations:unit_create"), {"kind": "admin"})
    assert response.status_code == 400
    assert "该字段是必填项" in response.content.decode()
    assert BudgetUnit.objects.count() == 4


def test_unit_parent_from_another_department_is_rejected(world: World) -> None:
    response = world.login("budget").post(
        reverse("organizations:unit_create"), _unit_data(world, parent=world.hospital.pk)
    )
    assert response.status_code == 400
    assert "上级单位必须属于所选主管部门" in response.content.decode()
    assert not BudgetUnit.objects.filter(agency_code="101003").exists()


def test_duplicate_unit_code_is_shown_as_a_form_error(world: World) -> None:
    response = world.login("budget").post(reverse("organizations:unit_create"), _unit_data(world, agency_code="102001"))
    assert response.status_code == 400
    assert "单位编码“102001”已存在" in response.content.decode()
    assert BudgetUnit.objects.filter(region=world.region, agency_code="102001").count() == 1


def test_the_same_unit_code_may_exist_in_another_county(world: World) -> None:
    # 宣汉县 already has 101001; codes are unique per region only.
    BudgetUnit.objects.filter(pk=world.far_unit.pk).update(agency_code="101003")
    response = world.login("budget").post(reverse("organizations:unit_create"), _unit_data(world))
    assert response.status_code == 302


def test_department_choices_exclude_another_countys_department(world: World) -> None:
    response = world.login("budget").post(
        reverse("organizations:unit_create"), _unit_data(world, department=world.far_unit.department_id)
    )
    assert response.status_code == 400
    assert not BudgetUnit.objects.filter(agency_code="101003", region=world.region).exists()


def test_editing_a_unit_saves_only_changes_and_records_them(world: World) -> None:
    client = world.login("budget")
    url = reverse("organizations:unit_edit", args=[world.hospital.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        _unit_data(world, agency_code="102001", name="县人民医院（改）", department=world.health.pk, version=1),
    )
    assert response.status_code == 302
    world.hospital.refresh_from_db()
    assert world.hospital.name == "县人民医院（改）"
    assert world.hospital.version == 2
    event = AuditEvent.objects.get(event_type="unit.update", object_id=str(world.hospital.pk))
    assert event.changes["name"] == ["县人民医院", "县人民医院（改）"]


def test_a_stale_version_is_rejected(world: World) -> None:
    BudgetUnit.objects.filter(pk=world.hospital.pk).update(version=5)
    response = world.login("budget").post(
        reverse("organizations:unit_edit", args=[world.hospital.pk]),
        _unit_data(world, agency_code="102001", name="改名", department=world.health.pk, version=1),
    )
    assert response.status_code == 409
    assert "已被他人修改" in response.content.decode()
    world.hospital.refresh_from_db()
    assert world.hospital.name == "县人民医院"


def test_moving_a_unit_carries_its_children_along(world: World) -> None:
    grandchild = BudgetUnitFactory(department=world.edu, agency_code="101021", parent=world.school_branch, level=3)
    response = world.login("budget").post(
        reverse("organizations:unit_edit", args=[world.school_branch.pk]),
        _unit_data(world, agency_code="101002", name="县第一中学分校", parent=""),
    )
    assert response.status_code == 302
    world.school_branch.refresh_from_db()
    grandchild.refresh_from_db()
    assert (world.school_branch.level, grandchild.level) == (1, 2)
    assert grandchild.path == f"{world.edu.pk}:101002/101021/"


def test_a_unit_cannot_become_its_own_descendants_child(world: World) -> None:
    actor = world.users["budget"]
    with pytest.raises(DomainError, match="本单位或其下级单位"):
        services.unit_save(
            actor=actor,
            unit=world.school,
            data={
                "agency_code": "101001",
                "name": "县第一中学",
                "department": world.edu,
                "parent": world.school_branch,
            },
        )


def test_moving_a_subtree_deeper_than_three_levels_is_rejected(world: World) -> None:
    BudgetUnitFactory(department=world.edu, agency_code="101021", parent=world.school_branch, level=3)
    other = BudgetUnitFactory(department=world.edu, agency_code="101030", name="县第三中学")
    with pytest.raises(DomainError, match="最多三级"):
        services.unit_save(
            actor=world.users["budget"],
            unit=world.school,
            data={"agency_code": "101001", "name": "县第一中学", "department": world.edu, "parent": other},
        )
    world.school.refresh_from_db()
    assert world.school.parent_id is None and world.school.level == 1


def test_services_recheck_capability_and_scope(world: World) -> None:
    with pytest.raises(PermissionDeniedError):
        services.unit_save(actor=world.users["performance"], unit=None, data={"department": world.edu})
    with pytest.raises(NotFoundError):
        services.unit_save(
            actor=world.users["budget"],
            unit=world.far_unit,
            data={"agency_code": "X1", "name": "外县", "department": world.far_unit.department},
        )


# ---------------------------------------------------------------- departments


def _department_data(world: World, **overrides: object) -> dict[str, object]:
    data = {"dept_code": "103", "name": "县农业农村局", "finance_section": world.edu_section.pk, "is_active": "on"}
    data.update(overrides)
    return data


def test_budget_section_creates_a_department(world: World) -> None:
    response = world.login("budget").post(reverse("organizations:department_create"), _department_data(world))
    department = Department.objects.get(region=world.region, dept_code="103")
    assert response.status_code == 302
    assert response["Location"] == reverse("organizations:department_detail", args=[department.pk])
    assert department.finance_section == world.edu_section
    assert _audit("department.create", department)


def test_department_counterpart_must_be_a_business_section(world: World) -> None:
    response = world.login("budget").post(
        reverse("organizations:department_create"), _department_data(world, finance_section=world.perf_section.pk)
    )
    assert response.status_code == 400
    assert "选择一个有效的选项" in response.content.decode()
    assert not Department.objects.filter(dept_code="103").exists()


def test_department_with_a_duplicate_code_is_rejected(world: World) -> None:
    response = world.login("budget").post(
        reverse("organizations:department_create"), _department_data(world, dept_code="101")
    )
    assert response.status_code == 400
    assert "部门编码“101”已存在" in response.content.decode()


def test_editing_a_department_changes_its_counterpart_section(world: World) -> None:
    response = world.login("sys_admin").post(
        reverse("organizations:department_edit", args=[world.edu.pk]),
        _department_data(world, dept_code="101", name="县教育和体育局", finance_section=world.health_section.pk),
    )
    assert response.status_code == 302
    world.edu.refresh_from_db()
    assert (world.edu.name, world.edu.finance_section_id) == ("县教育和体育局", world.health_section.pk)
    assert _audit("department.update", world.edu)


def test_department_detail_lists_its_units(world: World) -> None:
    response = world.login("dept_admin").get(reverse("organizations:department_detail", args=[world.edu.pk]))
    assert response.status_code == 200
    assert [u.pk for u in response.context["units"]] == [world.school.pk, world.school_branch.pk]


# ---------------------------------------------------------------- regions and sections


def test_budget_section_adds_a_town_under_its_county(world: World) -> None:
    response = world.login("budget").post(
        reverse("organizations:region_create"),
        {"mof_div_code": "511725101", "name": "渠江镇", "level": "town", "parent": world.region.pk},
    )
    assert response.status_code == 302
    town = FiscalRegion.objects.get(mof_div_code="511725101")
    assert town.path == "511725000/511725101/"
    assert _audit("region.create", town)


def test_region_with_a_bad_code_is_rejected(world: World) -> None:
    response = world.login("budget").post(
        reverse("organizations:region_create"),
        {"mof_div_code": "51A", "name": "错误", "level": "town", "parent": world.region.pk},
    )
    assert response.status_code == 400
    assert "财政区划编码应为6至9位数字" in response.content.decode()
    assert not FiscalRegion.objects.filter(name="错误").exists()


def test_region_level_must_be_below_its_parent(world: World) -> None:
    response = world.login("budget").post(
        reverse("organizations:region_create"),
        {"mof_div_code": "511725102", "name": "错误级次", "level": "city", "parent": world.region.pk},
    )
    assert response.status_code == 400
    assert "级次应低于上级区划的级次" in response.content.decode()


def test_a_region_outside_the_scope_cannot_be_a_parent(world: World) -> None:
    response = world.login("budget").post(
        reverse("organizations:region_create"),
        {"mof_div_code": "511722101", "name": "外县镇", "level": "town", "parent": world.other_region.pk},
    )
    assert response.status_code == 400
    assert not FiscalRegion.objects.filter(mof_div_code="511722101").exists()


def test_renaming_the_own_county_keeps_its_parent_and_rebuilds_child_paths(world: World) -> None:
    client = world.login("budget")
    client.post(
        reverse("organizations:region_create"),
        {"mof_div_code": "511725101", "name": "渠江镇", "level": "town", "parent": world.region.pk},
    )
    url = reverse("organizations:region_edit", args=[world.region.pk])
    assert "parent" not in client.get(url).context["form"].fields
    response = client.post(url, {"mof_div_code": "511725001", "name": "渠县（新）", "level": "county", "version": 1})
    assert response.status_code == 302
    world.region.refresh_from_db()
    assert (world.region.name, world.region.path) == ("渠县（新）", "511725001/")
    assert FiscalRegion.objects.get(mof_div_code="511725101").path == "511725001/511725101/"


def test_budget_section_adds_and_edits_a_section(world: World) -> None:
    client = world.login("budget")
    response = client.post(
        reverse("organizations:section_create"),
        {"region": world.region.pk, "code": "NY", "name": "农业股", "kind": "business", "sort": 5},
    )
    assert response.status_code == 302
    section = FinanceSection.objects.get(region=world.region, code="NY")
    assert _audit("section.create", section)
    response = client.post(
        reverse("organizations:section_edit", args=[section.pk]),
        {"region": world.region.pk, "code": "NY", "name": "农业农村股", "kind": "business", "sort": 5, "version": 1},
    )
    assert response.status_code == 302
    section.refresh_from_db()
    assert section.name == "农业农村股"
    assert _audit("section.update", section)


def test_a_section_with_departments_cannot_stop_being_a_business_section(world: World) -> None:
    response = world.login("budget").post(
        reverse("organizations:section_edit", args=[world.edu_section.pk]),
        {"region": world.region.pk, "code": "KW", "name": "教科文股", "kind": "other", "sort": 0},
    )
    assert response.status_code == 400
    assert "不能改为非业务股室" in response.content.decode()
    world.edu_section.refresh_from_db()
    assert world.edu_section.kind == "business"


def test_section_with_a_duplicate_code_is_rejected(world: World) -> None:
    response = world.login("budget").post(
        reverse("organizations:section_create"),
        {"region": world.region.pk, "code": "KW", "name": "重复", "kind": "business", "sort": 0},
    )
    assert response.status_code == 400
    assert "股室编码“KW”已存在" in response.content.decode()
    assert not FinanceSection.objects.filter(name="重复").exists()


# ---------------------------------------------------------------- fiscal years


def test_adding_a_year(world: World) -> None:
    response = world.login("budget").post(reverse("organizations:year_save"), {"year": "2028", "is_open": "on"})
    assert response.status_code == 302
    year = FiscalYear.objects.get(pk=2028)
    assert (year.is_current, year.is_open) == (False, True)
    assert _audit("fiscal_year.create", year)


def test_adding_an_existing_or_invalid_year_is_rejected(world: World) -> None:
    client = world.login("budget")
    duplicate = client.post(reverse("organizations:year_save"), {"year": "2026"})
    assert duplicate.status_code == 400
    assert "2026年度已存在" in duplicate.content.decode()
    invalid = client.post(reverse("organizations:year_save"), {"year": "1999"})
    assert invalid.status_code == 400
    assert "年度应在2000至2100之间" in invalid.content.decode()
    assert not FiscalYear.objects.filter(pk=1999).exists()


def test_setting_the_current_year_leaves_exactly_one_current(world: World) -> None:
    response = world.login("sys_admin").post(
        reverse("organizations:year_save"), {"action": "set_current", "year": "2027"}
    )
    assert response.status_code == 302
    assert list(FiscalYear.objects.filter(is_current=True).values_list("year", flat=True)) == [2027]
    assert _audit("fiscal_year.set_current", FiscalYear.objects.get(pk=2027))


def test_setting_the_current_year_asks_for_confirmation_naming_the_year(world: World) -> None:
    """Every page's default year follows the current year, for everyone: the button asks first, as 关闭填报 does."""
    page = world.login("budget").get(reverse("organizations:year_list")).content.decode()
    form = page[: page.index('value="set_current"')].rsplit("<form", 1)[1]
    assert 'data-confirm="确定将2027年度设为当前年度吗？' in form


def test_closing_and_reopening_a_year(world: World) -> None:
    client = world.login("budget")
    client.post(reverse("organizations:year_save"), {"action": "close", "year": "2026"})
    assert FiscalYear.objects.get(pk=2026).is_open is False
    assert AuditEvent.objects.filter(event_type="fiscal_year.close", object_id="2026").exists()
    client.post(reverse("organizations:year_save"), {"action": "open", "year": "2026"})
    assert FiscalYear.objects.get(pk=2026).is_open is True
    assert AuditEvent.objects.filter(event_type="fiscal_year.open", object_id="2026").exists()


def test_an_action_on_an_unknown_year_is_404(world: World) -> None:
    response = world.login("budget").post(reverse("organizations:year_save"), {"action": "close", "year": "2099"})
    assert response.status_code == 404


def test_marking_a_unit_secret_reads_no_to_yes_in_the_audit_trail(world: World) -> None:
    """涉密 (`is_secret`) was recorded as “***” both ways (its name holds “secret”): the auditor could not see that a
    unit was marked 涉密 — and so hidden from 信息公开."""
    client = world.login("budget")
    url = reverse("organizations:unit_edit", args=[world.hospital.pk])
    data = _unit_data(world, agency_code=world.hospital.agency_code, name=world.hospital.name, version=1)
    response = client.post(url, {**data, "department": world.health.pk, "is_secret": "on"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(event_type="unit.update", object_id=str(world.hospital.pk))
    assert event.changes["is_secret"] == [False, True]
    body = world.login("audit_admin").get("/accounts/console/audit/", {"event_type": "unit"}).content.decode()
    assert "涉密：否 → 是" in body and "***" not in body


def test_the_unit_form_finds_department_and_parent_by_search_not_lists_of_the_whole_county(world: World) -> None:
    """A county has ~100 主管部门 and ~400 预算单位: 新增/编辑预算单位 listed every one in two <select>s; they are
    search boxes now, an edited unit's department and parent shown by name, and foreign ids still refused."""
    client = world.login("budget")
    page = client.get(reverse("organizations:unit_create")).content.decode()
    assert '<select name="department"' not in page and '<select name="parent"' not in page
    assert f'data-jx-autocomplete="{reverse("organizations:department_autocomplete")}"' in page
    assert f'data-jx-autocomplete="{reverse("organizations:unit_autocomplete")}?parents=1"' in page
    edit = client.get(reverse("organizations:unit_edit", args=[world.school_branch.pk])).content.decode()
    parent = world.school_branch.parent
    assert parent is not None
    assert f'name="parent" value="{parent.pk}"' in edit and f'value="{parent.name}"' in edit
    assert f'name="department" value="{world.edu.pk}"' in edit and f'value="{world.edu.name}"' in edit
    far = _unit_data(world, parent=world.far_unit.pk)
    assert client.post(reverse("organizations:unit_create"), far).status_code == 400
    response = client.post(reverse("organizations:unit_create"), _unit_data(world, parent=world.school.pk))
    assert response.status_code == 302
    assert BudgetUnit.objects.get(region=world.region, agency_code="101003").parent == world.school
