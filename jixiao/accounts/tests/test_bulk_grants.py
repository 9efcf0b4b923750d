"""批量授权 by the 安全管理员: 用户名 + 角色 + the organisation the role needs, checked like one grant; all or
nothing."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import World
from jixiao.accounts import services
from jixiao.accounts.imports import parse_grant_workbook
from jixiao.accounts.models import Membership, Role, User
from jixiao.accounts.tests.factories import UserFactory
from jixiao.core.errors import PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.organizations.tests.factories import FinanceSectionFactory, FiscalRegionFactory

HEADERS = ["用户名", "角色", "股室", "主管部门编码", "预算单位编码", "财政区划编码"]
IMPORT = reverse("accounts:membership_import")


def _xlsx(rows: list[list[Any]], headers: list[str] = HEADERS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(client: Client, content: bytes, name: str = "grants.xlsx") -> Any:
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, content)})


@pytest.fixture
def new_users(world: World) -> dict[str, User]:
    """Accounts just opened by the system admin, with no role yet."""
    return {name: UserFactory(username=name, display_name=name) for name in ("u1", "u2", "u3", "u4", "u5")}


def test_security_admin_grants_roles_from_a_workbook(world: World, new_users: dict[str, User]) -> None:
    rows = [
        ["u1", "预算单位", "", "", "101001", ""],
        ["U2", "主管部门", "", "102", "", "511725000"],  # user names in any case
        ["u3", "绩效股", "JX", "", "", ""],  # a 股室 by its code …
        ["u4", "业务股室", "社保股", "", "", ""],  # … or by its name
        ["u5", "领导（只读）", "", "", "", ""],
        ["u1", "预算单位", "", "", "101002", ""],  # a second identity of the same user
    ]
    client = world.login("sec_admin")
    response = _upload(client, _xlsx(rows))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:membership_list")
    granted = {
        (m.user.username, m.role, m.organization_label)
        for m in Membership.objects.filter(user__in=new_users.values()).select_related("user", "unit", "department")
    }
    assert granted == {
        ("u1", Role.UNIT_USER, "县第一中学"),
        ("u1", Role.UNIT_USER, "县第一中学分校"),
        ("u2", Role.DEPT_ADMIN, "县卫健局"),
        ("u3", Role.PERFORMANCE, "绩效股"),
        ("u4", Role.BUSINESS, "社保股"),
        ("u5", Role.LEADER, "渠县"),
    }
    assert all(m.region_id == world.region.pk for m in Membership.objects.filter(user__in=new_users.values()))
    assert AuditEvent.objects.filter(event_type="membership.grant", actor_name="p_sec").count() == 6
    assert AuditEvent.objects.get(event_type="membership.import").reason == "批量授权：新授权6项，已有授权0项"
    assert "批量授权成功：新授权6项" in client.get(reverse("accounts:membership_list")).content.decode()


def test_a_grant_the_user_already_holds_is_not_repeated(world: World, new_users: dict[str, User]) -> None:
    client = world.login("sec_admin")
    assert _upload(client, _xlsx([["u1", "预算单位", "", "", "101001", ""]])).status_code == 302
    again = _upload(client, _xlsx([["u1", "预算单位", "", "", "101001", ""], ["u2", "评审专家", "", "", "", ""]]))
    assert again.status_code == 302
    assert new_users["u1"].memberships.count() == 1 and new_users["u2"].memberships.get().role == Role.EXPERT
    assert "1项已有相同授权" in client.get(reverse("accounts:membership_list")).content.decode()


@pytest.mark.parametrize(
    ("rows", "column", "message"),
    [
        ([["nobody", "预算单位", "", "", "101001", ""]], "用户名", "用户不存在或已停用"),
        ([["", "预算单位", "", "", "101001", ""]], "用户名", "必填"),
        ([["u2", "", "", "", "", ""]], "角色", "必填"),
        ([["u2", "财务总监", "", "", "", ""]], "角色", "角色无效"),
        ([["u2", "预算单位", "", "", "", ""]], "预算单位编码", "必须指定预算单位"),
        ([["u2", "主管部门", "", "", "", ""]], "主管部门编码", "必须指定主管部门"),
        ([["u2", "绩效股", "", "", "", ""]], "股室", "必须指定股室"),
        ([["u2", "预算单位", "", "", "999999", ""]], "预算单位编码", "预算单位不存在"),
        ([["u2", "主管部门", "", "999", "", ""]], "主管部门编码", "主管部门不存在"),
        ([["u2", "绩效股", "不存在股", "", "", ""]], "股室", "股室不存在"),
        ([["u2", "评审专家", "", "101", "", ""]], "主管部门编码", "不填写主管部门编码"),
        ([["u2", "主管部门", "", "101", "101001", ""]], "预算单位编码", "不填写预算单位编码"),
        # Another county's unit and region: outside the administrator's region, so "not there".
        ([["u2", "预算单位", "", "", "101001", "511722000"]], "财政区划编码", "财政区划不存在"),
        ([["u2", "审计管理员", "", "", "", ""], ["u2", "预算单位", "", "", "101001", ""]], "角色", "三员分立"),
        ([["u2", "领导（只读）", "", "", "", ""], ["u2", "系统管理员", "", "", "", ""]], "角色", "三员分立"),
        ([["p_sys", "领导（只读）", "", "", "", ""]], "角色", "三员分立"),
        (
            [["u2", "领导（只读）", "", "", "", ""], ["U2", "领导（只读）", "", "", "", ""]],
            "用户名",
            "与第3行的授权相同",
        ),
        ([["p_sec", "领导（只读）", "", "", "", ""]], "用户名", "不能给自己授权"),
    ],
)
def test_every_bad_row_is_reported_and_nothing_is_granted(
    world: World, new_users: dict[str, User], rows: list[list[str]], column: str, message: str
) -> None:
    before = Membership.objects.count()
    client = world.login("sec_admin")
    response = _upload(client, _xlsx([["u1", "预算单位", "", "", "101001", ""], *rows]))
    assert response.status_code == 400
    errors = response.context["errors"]
    assert any(e.column == column and message in e.message for e in errors), errors
    assert Membership.objects.count() == before
    assert not AuditEvent.objects.filter(event_type="membership.grant").exists()
    report = client.get(reverse("accounts:membership_import_errors"))
    assert report.status_code == 200
    report_rows = list(openpyxl.load_workbook(io.BytesIO(report.content)).worksheets[0].iter_rows(values_only=True))
    assert len(report_rows) == len(errors) + 1


def test_the_parsers_and_the_databases_objections_come_in_one_report(world: World, new_users: dict[str, User]) -> None:
    rows = [["u1", "财务总监", "", "", "", ""], ["nobody", "领导（只读）", "", "", "", ""]]
    response = _upload(world.login("sec_admin"), _xlsx(rows))
    assert response.status_code == 400
    assert [(e.row, e.column) for e in response.context["errors"]] == [(2, "角色"), (3, "用户名")]


def test_a_unit_of_another_county_is_not_found_in_the_admins_region(world: World, new_users: dict[str, User]) -> None:
    """宣汉县 has a unit coded 101001 too; the row resolves in the administrator's own region only."""
    response = _upload(world.login("sec_admin"), _xlsx([["u1", "预算单位", "", "", "101001", ""]]))
    assert response.status_code == 302
    assert new_users["u1"].memberships.get().unit == world.school


def test_a_user_managed_in_another_region_is_not_found(world: World, new_users: dict[str, User]) -> None:
    stranger = UserFactory(username="far_user")
    Membership.objects.create(user=stranger, role="unit_user", region=world.other_region, unit=world.far_unit)
    response = _upload(world.login("sec_admin"), _xlsx([["far_user", "领导（只读）", "", "", "", ""]]))
    assert response.status_code == 400
    assert response.context["errors"][0].message == "用户不存在或已停用"
    assert stranger.memberships.count() == 1


def test_a_lower_region_may_be_named_and_its_sections_used(world: World, new_users: dict[str, User]) -> None:
    town = FiscalRegionFactory(
        mof_div_code="511725101", name="渠江镇", parent=world.region, level="town", path="511725000/511725101/"
    )
    FinanceSectionFactory(region=town, code="CZ", name="财政所")
    response = _upload(world.login("sec_admin"), _xlsx([["u1", "绩效股", "财政所", "", "", "511725101"]]))
    assert response.status_code == 302
    membership = new_users["u1"].memberships.get()
    assert membership.region == town and membership.section.name == "财政所"


def test_the_same_service_refuses_a_system_admin(world: World, new_users: dict[str, User]) -> None:
    rows, errors = parse_grant_workbook(_xlsx([["u1", "领导（只读）", "", "", "", ""]]))
    assert not errors
    with pytest.raises(PermissionDeniedError):
        services.memberships_import(actor=world.users["sys_admin"], rows=rows)
    assert not new_users["u1"].memberships.exists()


@pytest.mark.parametrize("persona", ["unit_user", "sys_admin", "audit_admin", "performance"])
def test_only_the_security_admin_grants_in_bulk(world: World, new_users: dict[str, User], persona: str) -> None:
    client = world.login(persona)
    for name in (
        "accounts:membership_import",
        "accounts:membership_import_template",
        "accounts:membership_import_errors",
    ):
        assert client.get(reverse(name)).status_code == 403, name
    assert _upload(client, _xlsx([["u1", "领导（只读）", "", "", "", ""]])).status_code == 403
    assert not new_users["u1"].memberships.exists()


def test_a_file_that_is_not_xlsx_gets_a_chinese_error_not_a_500(world: World) -> None:
    client = world.login("sec_admin")
    response = _upload(client, b"%PDF-1.4 fake", name="grants.pdf")
    assert response.status_code == 400 and "请上传 .xlsx 格式" in response.content.decode()
    broken = _upload(client, b"PK\x03\x04broken", name="grants.xlsx")
    assert broken.status_code == 400 and "文件" in broken.context["form"].errors["file"][0]


def test_the_template_lists_the_roles_with_a_dropdown_and_the_sections(world: World) -> None:
    response = world.login("sec_admin").get(reverse("accounts:membership_import_template"))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["授权", "填写说明", "股室"]
    assert list(workbook["授权"].iter_rows(values_only=True)) == [tuple(HEADERS)]
    notes = " ".join(str(c) for row in workbook["填写说明"].iter_rows(values_only=True) for c in row if c)
    for _value, label in Role.choices:
        assert str(label) in notes
    assert "渠县" in notes and "三员分立" in notes
    validation = workbook["授权"].data_validations.dataValidation[0]
    assert validation.type == "list" and "领导（只读）" in validation.formula1 and "B2" in str(validation.sqref)
    sections = list(workbook["股室"].iter_rows(values_only=True))
    assert ("JX", "绩效股", "渠县") in sections and len(sections) == 5


def test_membership_list_links_to_the_bulk_page(world: World) -> None:
    body = world.login("sec_admin").get(reverse("accounts:membership_list")).content.decode()
    assert reverse("accounts:membership_import") in body


def test_grants_lock_the_account_before_reading_its_roles(
    world: World, new_users: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two grants at the same moment each read "no role yet" and could give one account two of the 三员 roles:
    授予角色 and 批量授权 take the account's row (SELECT … FOR UPDATE) before reading the roles it holds."""
    events: list[str] = []
    lock = User.objects.select_for_update
    monkeypatch.setattr(User.objects, "select_for_update", lambda *a, **k: events.append("lock") or lock(*a, **k))
    validate = services.membership_problem

    def checked(*args: Any, **kwargs: Any) -> str:
        events.append("check")
        return validate(*args, **kwargs)

    monkeypatch.setattr(services, "membership_problem", checked)
    services.membership_grant(actor=world.users["sec_admin"], user=new_users["u1"], role="leader", region=world.region)
    assert events == ["lock", "check"]
    events.clear()
    rows, errors = parse_grant_workbook(_xlsx([["u2", "领导（只读）", "", "", "", ""]]))
    assert not errors
    services.memberships_import(actor=world.users["sec_admin"], rows=rows)
    assert events[-2:] == ["lock", "check"]  # the plan's check, then the grant's own under the lock
    assert new_users["u2"].memberships.get().role == "leader"
