from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.test import Client

from conftest import World
from jixiao.accounts import services
from jixiao.accounts.models import User
from jixiao.accounts.views import AUDIT_HEADERS
from jixiao.core import audit, audit_labels
from jixiao.core.models import AuditEvent, Job


def test_audit_events_cannot_be_changed_or_deleted_through_the_orm(world: World) -> None:
    event = audit.record(actor=world.users["performance"], event_type="test.event", reason="x")
    event.reason = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="y")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def test_audit_admin_searches_and_exports_with_escaped_values(world: World) -> None:
    audit.record(actor="<script>alert(1)</script>", event_type="auth.login_failed", reason="=cmd|' /C calc'!A0")
    client = world.login("audit_admin")
    page = client.get("/accounts/console/audit/?event_type=auth")
    body = page.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body
    export = client.get("/accounts/console/audit/?event_type=auth&export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    reasons = [row[10] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "=cmd|' /C calc'!A0" in reasons
    assert AuditEvent.objects.filter(event_type="audit.export", actor_name="p_audit").exists()
    assert AuditEvent.objects.filter(event_type="audit.query", actor_name="p_audit").exists()
    world.login("audit_admin").get("/accounts/console/audit/", {"event_type": "auth", "outcome": "failure"})
    query = AuditEvent.objects.filter(event_type="audit.query").order_by("-seq").first()
    assert query is not None and query.reason == "事件类型=auth；结果=失败"


def test_long_audit_export_is_a_job_with_the_same_filter(world: World, settings: Any) -> None:
    audit.record(actor="someone", event_type="auth.login_failed", reason="第一条")
    audit.record(actor="someone", event_type="project.update", reason="不在筛选内")
    settings.JIXIAO_EXPORT_SYNC_ROWS = 0
    client = world.login("audit_admin")
    response = client.get("/accounts/console/audit/?event_type=auth.login_failed&export=xlsx")
    job = Job.objects.get(kind="audit.export")
    assert response.status_code == 302 and job.status == Job.Status.DONE, job.message
    download = client.get(f"/jobs/{job.pk}/download/result/")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    reasons = [row[10] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "第一条" in reasons and "不在筛选内" not in reasons


def test_no_endpoint_edits_audit_rows(world: World) -> None:
    client = world.login("audit_admin")
    assert client.post("/accounts/console/audit/", {"reason": "x"}).status_code in {403, 405, 200}
    assert AuditEvent.objects.filter(reason="x").count() == 0


def test_an_audit_query_with_a_bad_date_says_so_instead_of_listing_everything(world: World) -> None:
    audit.record(actor="someone", event_type="auth.login_failed", reason="登录失败的那条")
    audit.record(actor="someone", event_type="project.update", reason="项目修改的那条")
    client = world.login("audit_admin")
    response = client.get("/accounts/console/audit/", {"event_type": "auth", "date_from": "2026.13.01"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "请输入正确的日期" in body and 'value="auth"' in body  # the error shown, what was typed kept
    assert "项目修改的那条" not in body and "登录失败的那条" not in body  # not the whole trail unfiltered
    export = client.get("/accounts/console/audit/", {"event_type": "auth", "date_from": "2026.13.01", "export": "xlsx"})
    assert export.status_code == 400 and not AuditEvent.objects.filter(event_type="audit.export").exists()
    backwards = client.get("/accounts/console/audit/", {"date_from": "2026-12-05", "date_to": "2026-12-01"})
    assert backwards.status_code == 400 and "开始日期不能晚于结束日期" in backwards.content.decode()


def test_the_code_filters_suggest_the_codes_by_their_chinese_names(world: World) -> None:
    """事件类型 and 对象类型 take codes (“auth”, “projects.project”); the boxes offer them by name, so an auditor who
    types 登录 or 项目 finds the code to use."""
    body = world.login("audit_admin").get("/accounts/console/audit/").content.decode()
    assert 'list="audit-event-types"' in body and 'list="audit-object-types"' in body
    assert '<option value="auth" label="登录认证">' in body
    assert '<option value="projects.project" label="项目">' in body
    assert '<option value="accounts.user" label="用户">' in body


def _exported(client: Any, event_type: str, **filters: str) -> list[dict[str, Any]]:
    response = client.get("/accounts/console/audit/", {"event_type": event_type, "export": "xlsx", **filters})
    rows = list(
        openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True)
    )
    assert list(rows[0][:12]) == AUDIT_HEADERS[:12]  # the code columns stay where they were
    assert list(rows[0][12:]) == ["角色名称", "事件名称", "对象类型名称", "变更说明"]
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_the_export_names_role_event_and_object_type_in_chinese_beside_the_codes(world: World) -> None:
    audit.record(actor="系统", event_type="project.submit", object_type="projects.project")
    client = world.login("audit_admin")
    [project] = _exported(client, "project")
    assert (project["事件类型"], project["对象类型"]) == ("project.submit", "projects.project")
    assert (project["角色名称"], project["事件名称"], project["对象类型名称"]) == (None, "项目库：提交审核", "项目")
    client.get("/accounts/console/audit/")  # the 审计管理员's own query, recorded with the role
    query = next(row for row in _exported(client, "audit.query"))
    assert (query["角色"], query["角色名称"], query["事件名称"]) == ("audit_admin", "审计管理员", "审计日志：查询")


def test_the_audit_log_keeps_a_role_on_one_line(world: World) -> None:
    """At 1400px the 角色 column wrapped 业务股室 as 业务股 / 室 and 审计管理员 as 审计管 / 理员."""
    assert world.login("business").get("/indicators/export/").status_code == 200  # audited with the actor's role
    body = world.login("audit_admin").get("/accounts/console/audit/?event_type=indicator").content.decode()
    assert '<td class="text-nowrap">业务股室</td>' in body


def test_a_batchs_ids_read_as_the_records_it_moved_on_the_console_and_in_the_export(world: World) -> None:
    """core.bulk records {"ids": [...], "status": [old, new]}: the console showed “ids：203 → 204” (the first two ids
    as if one had changed into the other) and the export a Python repr with raw status codes."""
    changes = {"ids": [203, 204, 205], "status": ["submitted", "dept_approved"]}
    audit.record(actor="系统", event_type="project.bulk_approve", object_type="projects.project", changes=changes)
    client = world.login("audit_admin")
    body = client.get("/accounts/console/audit/", {"event_type": "project"}).content.decode()
    assert "批量办理的记录ID：203、204、205（共3条）" in body
    assert "203 → 204" not in body
    assert "状态：待主管部门审核 → 待业务股室审核" in body
    [row] = _exported(client, "project")
    assert row["变更说明"] == "批量办理的记录ID：203、204、205（共3条）\n状态：待主管部门审核 → 待业务股室审核"


def test_an_audit_query_with_no_match_says_so(world: World) -> None:
    """The table and its footer were simply empty: no word that nothing matched (or that the filter was wrong)."""
    client = world.login("audit_admin")
    body = client.get("/accounts/console/audit/", {"actor": "没有这个用户"}).content.decode()
    assert "没有符合查询条件的审计记录" in body
    body = client.get("/accounts/console/audit/", {"date_from": "2026.13.01"}).content.decode()
    assert "请按提示修改查询条件" in body and "没有符合查询条件的审计记录" not in body
    body = client.get("/accounts/console/audit/").content.decode()
    assert 'data-testid="audit-empty"' not in body


def test_a_grant_names_the_region_and_the_unit_in_chinese_in_the_trail(world: World) -> None:
    """The console read “organization：（空） → 县第一中学”: a field code, in English, instead of its name."""
    user = world.users["unit_user"]
    services.membership_grant(
        actor=world.users["sec_admin"], user=user, role="unit_user", region=world.region, unit=world.hospital
    )
    body = world.login("audit_admin").get("/accounts/console/audit/", {"event_type": "membership"}).content.decode()
    assert "organization：" not in body
    assert f"财政区划：（空） → {world.region}" in body
    assert "预算单位：（空） → 县人民医院" in body


def test_the_auditor_finds_a_persons_records_by_their_name(world: World) -> None:
    """The 用户 box matched the login only and the list showed the login only, while the 审计管理员 may not open
    用户管理 (三员分立) to learn which login belongs to 张会计: searching the name found nothing."""
    person = world.users["unit_user"]
    User.objects.filter(pk=person.pk).update(display_name="张会计")
    audit.record(actor=person, event_type="project.submit", object_type="projects.project", reason="x")
    # A failed login: no account signed in, the login typed (recorded in the account's region, as signals.py does).
    audit.record(actor=person.username, event_type="auth.login_failed", region_path=world.region.path)
    client = world.login("audit_admin")
    body = client.get("/accounts/console/audit/", {"actor": "张会计"}).content.decode()
    assert f"张会计（{person.username}）" in body
    assert "登录认证：登录失败" in body
    assert "没有符合查询条件的审计记录" not in body
    [row] = _exported(client, "project", actor="张会计")
    assert row["用户"] == person.username


def test_a_page_refused_for_a_missing_capability_is_audited(world: World) -> None:
    """SECURITY.md §1.4: authorization failures are audit events — who, which address, which capability."""
    response = world.login("unit_user").get("/accounts/console/users/?q=x")
    assert response.status_code == 403
    event = AuditEvent.objects.get(event_type="authz.denied")
    assert event.actor_id == world.users["unit_user"].pk and event.outcome == AuditEvent.Outcome.DENIED
    assert event.reason == "缺少权限 users.manage：GET /accounts/console/users/"
    assert audit_labels.event_label("authz.denied") == "访问控制：拒绝访问"
    assert world.login("sys_admin").get("/accounts/console/users/").status_code == 200
    assert AuditEvent.objects.filter(event_type="authz.denied").count() == 1  # an allowed page writes nothing


def test_a_refused_address_with_a_nul_is_audited_without_it(world: World) -> None:
    """The path is the client's: a NUL in a text segment (documents' 模板类型) would be a 500 on PostgreSQL."""
    response = world.login("unit_user").get("/documents/templates/a%00b/")
    assert response.status_code == 403
    event = AuditEvent.objects.get(event_type="authz.denied")
    assert "\x00" not in event.reason and event.reason.endswith("GET /documents/templates/ab/")


def test_another_units_object_asked_by_its_id_is_audited_as_a_404(world: World) -> None:
    """Checklist C01: unit A asking for unit B's project by its id gets a 404 (not yours and not there look the
    same), and the attempt is an audit event, from the page and from the API alike."""
    client = world.login("unit_user")
    pk = world.hospital_project.pk
    assert client.get(f"/projects/{pk}/").status_code == 404
    assert client.get(f"/api/v1/projects/{pk}/").status_code == 404
    reasons = list(
        AuditEvent.objects.filter(event_type="authz.denied").order_by("seq").values_list("reason", flat=True)
    )
    assert reasons == [
        f"对象不存在或不在管理范围内（404）：GET /projects/{pk}/",
        f"对象不存在或不在管理范围内（404）：GET /api/v1/projects/{pk}/",
    ]
    event = AuditEvent.objects.filter(event_type="authz.denied").first()
    assert event is not None and event.actor_id == world.users["unit_user"].pk
    assert event.outcome == AuditEvent.Outcome.DENIED


def test_a_views_own_refusal_is_audited_once_and_unknown_addresses_and_visitors_are_not(world: World) -> None:
    """A view raising PermissionDenied itself (not through capability_required) is audited with its 403; a refusal
    capability_required recorded is not recorded again; an address no page answers is not a refusal of authority."""
    client = world.login("unit_user")
    assert client.get("/accounts/console/users/").status_code == 403  # capability_required: recorded once
    assert client.get("/no-such-page/").status_code == 404
    assert Client().get(f"/projects/{world.hospital_project.pk}/").status_code == 302  # a visitor: to the login page
    assert AuditEvent.objects.filter(event_type="authz.denied").count() == 1
    client.get("/documents/templates/a%00b/")  # capability_required again
    assert AuditEvent.objects.filter(event_type="authz.denied").count() == 2
