"""The SECURITY.md §5 acceptance checklist, one test per automatable item (id in the name).

Thin tests: each exercises the real behaviour again end to end; the detailed tests live next to the code and are
named in docs/security.md. Items with their own files here: A09/E08 (test_rate_limits), C11 (test_authz_matrix),
F05 (test_uploads_av), G01/G04 (test_crypto_signatures), G02/G03/G07 (test_personal_data), G05/H01–H05
(test_deploy_settings).
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from typing import Any

import openpyxl
import pytest
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from jixiao.accounts import services as account_services
from jixiao.accounts.models import LoginLock, User
from jixiao.accounts.tests.factories import TEST_PASSWORD
from jixiao.core.errors import DomainError, PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.core.spreadsheets import SpreadsheetError, read_rows, write_workbook
from jixiao.core.uploads import check_upload
from jixiao.projects.models import Project

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def _login(client: Client, username: str, password: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": password})


# ---- A. Authentication -----------------------------------------------------------------------------------------


def test_a01_five_failures_lock_the_account_and_everything_is_audited(world: World) -> None:
    client = Client()
    for _ in range(5):
        assert "用户名或密码错误" in _login(client, "p_unit", "wrong").content.decode()
    assert "已临时锁定" in _login(client, "p_unit", TEST_PASSWORD).content.decode()
    assert AuditEvent.objects.filter(event_type="auth.login_failed", actor_name="p_unit").count() == 5
    assert AuditEvent.objects.filter(event_type="auth.locked", actor_name="p_unit").exists()
    assert "_auth_user_id" not in client.session


def test_a02_lock_expires_and_the_counter_resets(world: World) -> None:
    client = Client()
    for _ in range(5):
        _login(client, "p_unit", "wrong")
    LoginLock.objects.filter(username="p_unit").update(locked_until=timezone.now() - datetime.timedelta(seconds=1))
    assert _login(client, "p_unit", TEST_PASSWORD).status_code == 302
    assert not LoginLock.objects.filter(username="p_unit").exists()


def test_a03_unknown_user_gets_the_same_answer(world: World) -> None:
    known = _login(Client(), "p_unit", "wrong")
    unknown = _login(Client(), "no_such_user", "wrong")
    assert known.status_code == unknown.status_code == 400
    strip = lambda r: r.content.decode().replace("p_unit", "").replace("no_such_user", "")  # noqa: E731
    assert "用户名或密码错误" in strip(known) and "用户名或密码错误" in strip(unknown)


@pytest.mark.parametrize("password", ["abcdefgh", "Abcdef1", "p_unit_Aa1!", "Password1!", "12345678"])
def test_a04_weak_passwords_are_refused(world: World, password: str) -> None:
    client = world.login("unit_user")
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert response.status_code in (200, 400)
    user = User.objects.get(username="p_unit")
    assert user.check_password(TEST_PASSWORD)


def test_a07_password_change_needs_the_current_password(world: World) -> None:
    client = world.login("unit_user")
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": "Xy7!kqPz#9", "new_password2": "Xy7!kqPz#9"},
    )
    assert response.status_code in (200, 400)
    assert User.objects.get(username="p_unit").check_password(TEST_PASSWORD)


def test_a08_no_plaintext_password_in_the_database_or_the_audit_trail(world: World) -> None:
    _login(Client(), "p_unit", TEST_PASSWORD)
    _login(Client(), "p_unit", "Wrong-Secret-123")
    user = User.objects.get(username="p_unit")
    assert TEST_PASSWORD not in user.password and "$" in user.password
    dump = str(list(AuditEvent.objects.values_list("reason", "changes", "object_repr")))
    assert TEST_PASSWORD not in dump and "Wrong-Secret-123" not in dump


# ---- B. Sessions ----------------------------------------------------------------------------------------------


def test_b02_session_id_changes_at_login(world: World) -> None:
    client = Client()
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    assert _login(client, "p_unit", TEST_PASSWORD).status_code == 302
    assert client.session.session_key != before


def test_b03_old_session_cookie_is_dead_after_logout(world: World) -> None:
    client = Client()
    _login(client, "p_unit", TEST_PASSWORD)
    cookie = client.cookies["sessionid"].value
    client.post(reverse("accounts:logout"))
    replay = Client()
    replay.cookies["sessionid"] = cookie
    response = replay.get("/")
    assert response.status_code == 302 and LOGIN in response["Location"]
    assert not Session.objects.filter(session_key=cookie).exists()


def test_b05_a_disabled_user_is_out_at_the_next_request(world: World) -> None:
    client = world.login("unit_user")
    assert client.get("/").status_code == 200
    User.objects.filter(username="p_unit").update(is_active=False)
    response = client.get("/")
    assert response.status_code == 302 and LOGIN in response["Location"]


# ---- C. Authorization ---------------------------------------------------------------------------------------------


def test_c01_other_units_project_is_404_without_data(world: World) -> None:
    client = world.login("other_unit_user")
    response = client.get(reverse("projects:detail", args=[world.school_project.pk]))
    assert response.status_code == 404 and world.school_project.name not in response.content.decode()
    far = world.login("performance").get(reverse("projects:detail", args=[world.far_project.pk]))
    assert far.status_code == 404


def test_c02_filter_tampering_does_not_widen_the_list(world: World) -> None:
    client = world.login("unit_user")
    page = client.get(reverse("projects:list"), {"unit": world.hospital.pk, "unit_id": world.hospital.pk}).content
    text = page.decode()
    assert world.hospital_project.name not in text and world.far_project.name not in text


def test_c08_three_admins_do_not_see_business_data(world: World) -> None:
    for persona in ("sys_admin", "sec_admin", "audit_admin"):
        response = world.login(persona).get(reverse("projects:list"))
        assert response.status_code in (403, 404), persona
    with pytest.raises(PermissionDeniedError):
        account_services.membership_grant(
            actor=world.users["sys_admin"], user=world.users["unit_user"], role="leader", region=world.region
        )


def test_c09_two_admin_roles_on_one_account_are_refused_and_no_superuser_exists(world: World) -> None:
    with pytest.raises(DomainError, match="三员分立"):
        account_services.membership_grant(
            actor=world.users["sec_admin"], user=world.users["sys_admin"], role="audit_admin", region=world.region
        )
    assert not User.objects.filter(is_superuser=True, is_active=True).exists()
    assert not User.objects.filter(username__in=["admin", "root", "test"]).exists()


# ---- D. Audit -----------------------------------------------------------------------------------------------------


def test_d01_a_business_action_leaves_one_complete_record(world: World) -> None:
    client = world.login("unit_user")
    client.post(reverse("accounts:logout"))
    event = AuditEvent.objects.filter(event_type="auth.logout").get()
    assert event.occurred_at.tzinfo is not None and event.actor_name == "p_unit" and event.ip == "127.0.0.1"
    assert event.outcome == "success"


def test_d02_orm_refuses_to_change_audit_rows(world: World) -> None:
    _login(Client(), "p_unit", "wrong")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(reason="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.first().delete()  # type: ignore[union-attr]


def test_d03_verify_command_names_the_tampered_record(world: World) -> None:
    from django.db import connection

    for _ in range(3):
        _login(Client(), "p_unit", "wrong")
    call_command("verify_audit_chain", stdout=io.StringIO())
    target = AuditEvent.objects.order_by("seq")[1]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET reason = 'x' WHERE id = %s", [target.pk])
    with pytest.raises(CommandError, match=f"序号 {target.seq}，ID {target.pk}"):
        call_command("verify_audit_chain", stdout=io.StringIO(), stderr=io.StringIO())


def test_d06_hostile_username_is_escaped_in_the_audit_viewer(world: World) -> None:
    _login(Client(), "<script>alert(1)</script>\n\x1b[31m", "wrong")
    page = world.login("audit_admin").get(reverse("accounts:audit_list")).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


# ---- E. Input, CSRF, headers ------------------------------------------------------------------------------------


def test_e01_script_and_sql_in_search_are_inert(world: World) -> None:
    client = world.login("performance")
    for value in ("<script>alert(1)</script>", "' OR 1=1--", '"><img src=x onerror=alert(1)>'):
        response = client.get(reverse("projects:list"), {"q": value})
        assert response.status_code == 200
        assert "<script>alert(1)</script>" not in response.content.decode()
        assert "<img src=x" not in response.content.decode()


def test_e03_posts_without_csrf_token_are_refused(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["unit_user"])
    response = client.post(f"/projects/{world.school_project.pk}/transition/", {"action": "submit"})
    assert response.status_code == 403
    assert Project.objects.get(pk=world.school_project.pk).status == "draft"


def test_e06_headers_on_authenticated_pages(world: World) -> None:
    response = world.login("performance").get("/")
    csp = response["Content-Security-Policy"]
    assert "object-src 'none'" in csp and "base-uri" in csp and "frame-ancestors" in csp
    assert response["X-Content-Type-Options"] == "nosniff" and response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] and response["Cache-Control"] == "no-store"


def test_e07_unknown_page_is_a_generic_chinese_page(world: World) -> None:
    response = world.login("performance").get("/no/such/page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "页面不存在" in text and "Traceback" not in text and "urlpatterns" not in text


# ---- F. Files and spreadsheets --------------------------------------------------------------------------------------


class _Upload(io.BytesIO):
    def __init__(self, name: str, data: bytes) -> None:
        super().__init__(data)
        self.name, self.size = name, len(data)


@pytest.mark.parametrize(
    ("name", "data"),
    [("evil.pdf", b"MZ\x90\x00 executable"), ("page.xlsx", b"<html><script></script></html>"),
     ("macro.xlsm", b"PK\x03\x04"), ("a.svg", b"<svg/>")],
)  # fmt: skip
def test_f02_disguised_or_macro_files_are_refused(name: str, data: bytes) -> None:
    with pytest.raises(DomainError):
        check_upload(_Upload(name, data))


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry, data in entries.items():
            archive.writestr(entry, data)
    return buffer.getvalue()


def test_f03_zip_bomb_and_macro_workbook_are_refused_before_parsing() -> None:
    with pytest.raises(SpreadsheetError):
        read_rows(_zip({"xl/workbook.xml": b"<x/>", "big.xml": b"0" * (101 * 1024 * 1024)}))
    with pytest.raises(SpreadsheetError):
        read_rows(_zip({"xl/workbook.xml": b"<x/>", "xl/vbaProject.bin": b"x"}))


def test_f04_entity_expansion_is_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b"<worksheet>&lol2;</worksheet>"
    )
    workbook = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active.append(["a"])  # type: ignore[union-attr]
    wb.save(workbook)
    with zipfile.ZipFile(io.BytesIO(workbook.getvalue())) as source:
        entries = {n: source.read(n) for n in source.namelist()}
    entries["xl/worksheets/sheet1.xml"] = bomb
    with pytest.raises((SpreadsheetError, Exception)):
        read_rows(_zip(entries))


def test_f06_path_and_header_injection_in_names_is_neutralised() -> None:
    assert check_upload(_Upload("../../etc/passwd.pdf", b"%PDF-1.4 x")) == "passwd.pdf"
    assert "/" not in check_upload(_Upload("..\\..\\x.pdf", b"%PDF-1.4 x"))


def test_f09_formula_like_cells_are_exported_as_text() -> None:
    content = write_workbook([("表", ["值"], [["=cmd|' /C calc'!A0"], ["+1"], ["-1+2"], ["@SUM(A1)"]])])
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    for row in range(2, 6):
        assert sheet.cell(row=row, column=1).data_type == "s"  # type: ignore[union-attr]


# ---- G. Data protection ---------------------------------------------------------------------------------------------


def test_g06_authenticated_responses_are_not_stored(world: World) -> None:
    for persona in ("unit_user", "performance", "audit_admin"):
        assert world.login(persona).get("/")["Cache-Control"] == "no-store"


# ---- I. Reliability -----------------------------------------------------------------------------------------------


def test_i05_second_concurrent_edit_gets_a_conflict(world: World) -> None:
    """Optimistic locking: a form saved with a stale version is refused, not silently overwritten."""
    from jixiao.experts import services as expert_services
    from jixiao.experts.models import Expert

    actor = world.users["performance"]
    data = {"name": "甲", "kind": "expert", "field": "教育"}
    expert = expert_services.expert_save(actor=actor, expert=None, data=data)
    stale = expert.version
    expert_services.expert_save(actor=actor, expert=expert, data={"title": "教授"}, expected_version=stale)
    from jixiao.core.errors import ConflictError

    with pytest.raises(ConflictError):
        expert_services.expert_save(actor=actor, expert=expert, data={"title": "副教授"}, expected_version=stale)
    assert Expert.objects.get(pk=expert.pk).title == "教授"


def test_users_created_by_the_system_admin_must_change_the_initial_password(world: World) -> None:
    """A05/C09: initial passwords are random and single use."""
    _user, password = account_services.user_create(
        actor=world.users["sys_admin"], username="new_user", display_name="新用户"
    )
    assert len(password) >= 12
    client = Client()
    response = _login(client, "new_user", password)
    assert response.status_code == 302
    follow = client.get("/")
    assert follow.status_code == 302 and "password" in follow["Location"]


def test_g06_no_business_data_in_browser_storage() -> None:
    """The front end keeps nothing in localStorage/sessionStorage (nothing to clear after logout)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "static" / "js"
    offenders = [p.name for p in root.rglob("*.js") if re.search(r"(local|session)Storage", p.read_text())]
    assert not offenders


def test_i05_security_policy_saved_over_a_newer_one_is_a_conflict(world: World) -> None:
    from jixiao.accounts import security
    from jixiao.accounts.forms import SecurityPolicyForm
    from jixiao.accounts.models import SecurityPolicy

    client = world.login("sec_admin")
    form = SecurityPolicyForm(instance=SecurityPolicy.objects.get(pk=1))
    data = {name: value for name, value in form.initial.items() if value is not None and name != "id"}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    first = client.post(reverse("accounts:security_policy"), {**data, "min_length": 10})
    assert first.status_code == 302
    stale = client.post(reverse("accounts:security_policy"), {**data, "min_length": 9})  # the page opened before
    assert stale.status_code == 409 and "已被他人修改" in stale.content.decode()
    assert SecurityPolicy.objects.get(pk=1).min_length == 10 == security.policy().min_length
