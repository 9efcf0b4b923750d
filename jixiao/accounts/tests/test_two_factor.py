"""TOTP second factor (SECURITY.md A06, A08): RFC 6238 vectors, login in two steps, replay refused, secret encrypted."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test import Client

from conftest import World
from jixiao.accounts import security, totp
from jixiao.accounts.models import SecurityPolicy, TOTPDevice
from jixiao.accounts.tests.factories import TEST_PASSWORD
from jixiao.core import crypto
from jixiao.core.models import AuditEvent

LOGIN = "/accounts/login/"


def _set_policy(**fields: object) -> None:
    row = SecurityPolicy.objects.get(pk=1)
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()  # the post_save signal clears the cached policy


VERIFY = "/accounts/login/verify/"


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
    ],
)
def test_rfc6238_sha1_vectors(timestamp: int, expected: str) -> None:
    assert totp.hotp(b"12345678901234567890", timestamp // 30, digits=8) == expected


def test_verify_accepts_one_step_of_drift_and_refuses_replay() -> None:
    secret = totp.new_secret()
    now = 1_700_000_000.0
    code = totp.code_at(secret, now - 30)
    step = totp.verify(secret, code, last_step=None, now=now)
    assert step == totp.step_at(now - 30)
    assert totp.verify(secret, code, last_step=step, now=now) is None  # used once
    assert totp.verify(secret, totp.code_at(secret, now - 90), last_step=None, now=now) is None
    assert totp.verify(secret, "12a456", last_step=None, now=now) is None


def _password_step(client: Client, username: str) -> None:
    response = client.post(LOGIN, {"username": username, "password": TEST_PASSWORD})
    assert response.status_code == 302 and response["Location"] == VERIFY


def test_finance_staff_enrol_on_first_login_and_get_no_session_before_the_code(world: World) -> None:
    client = Client()
    _password_step(client, "p_perf")
    assert "_auth_user_id" not in client.session
    assert client.get("/projects/").status_code == 302  # still anonymous
    page = client.get(VERIFY).content.decode()
    assert "绑定并登录" in page and 'data-testid="totp-qr"' in page
    device = TOTPDevice.objects.get(user=world.users["performance"])
    wrong = client.post(VERIFY, {"code": "000000"})
    assert wrong.status_code == 400 and "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(event_type="auth.totp_failed").count() == 1
    assert client.post(VERIFY, {"code": totp.code_at(device.secret, time.time())}).status_code == 302
    assert client.get("/projects/").status_code == 200
    assert AuditEvent.objects.filter(event_type="auth.totp_enrolled").count() == 1


def test_a_used_code_cannot_log_in_again(world: World) -> None:
    user = world.users["sec_admin"]
    secret = totp.new_secret()
    TOTPDevice.objects.create(user=user, secret=secret, confirmed_at="2026-01-01T00:00:00+08:00")
    code = totp.code_at(secret, time.time())
    first = Client()
    _password_step(first, "p_sec")
    assert first.post(VERIFY, {"code": code}).status_code == 302
    second = Client()
    _password_step(second, "p_sec")
    assert second.post(VERIFY, {"code": code}).status_code == 400
    assert "_auth_user_id" not in second.session


def test_units_log_in_with_a_password_only_unless_they_opt_in(world: World) -> None:
    client = Client()
    assert client.post(LOGIN, {"username": "p_unit", "password": TEST_PASSWORD})["Location"] == "/"
    page = client.get("/accounts/two-factor/").content.decode()
    assert "启用" in page
    secret = TOTPDevice.objects.get(user=world.users["unit_user"]).secret
    assert client.post("/accounts/two-factor/", {"code": totp.code_at(secret, time.time())}).status_code == 302
    assert security.needs_second_factor(world.users["unit_user"])
    # Turning it off needs a current code (the code just used cannot serve again).
    assert client.post("/accounts/two-factor/", {"action": "disable"}).status_code == 400
    assert client.post("/accounts/two-factor/", {"action": "disable", "code": "000000"}).status_code == 400
    assert TOTPDevice.objects.filter(user=world.users["unit_user"]).exists()
    later = {"action": "disable", "code": totp.code_at(secret, time.time() + 30)}
    assert client.post("/accounts/two-factor/", later).status_code == 302
    assert not TOTPDevice.objects.filter(user=world.users["unit_user"]).exists()


def test_mandatory_second_factor_cannot_be_disabled_and_the_switch_turns_it_off(world: World) -> None:
    user = world.users["performance"]
    with pytest.raises(Exception, match="必须使用动态口令"):
        security.totp_disable(actor=user, user=user, code="")
    # Pressed on the page: the page again with the reason and 400 (it redirected with a message).
    response = world.login("performance").post("/accounts/two-factor/", {"action": "disable"})
    assert response.status_code == 400 and "必须使用动态口令，不能停用" in response.content.decode()
    _set_policy(totp_required_finance=False)
    assert not security.needs_second_factor(user)


def test_the_secret_is_encrypted_at_rest(world: World) -> None:
    device = TOTPDevice.objects.create(user=world.users["budget"], secret=totp.new_secret())
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM accounts_totpdevice WHERE id = %s", [device.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("sm4gcm:") and device.secret not in stored
    assert TOTPDevice.objects.get(pk=device.pk).secret == device.secret
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(stored, context="accounts.User.secret")  # bound to its column


def test_pending_login_expires(world: World) -> None:
    client = Client()
    _password_step(client, "p_perf")
    session = client.session
    session["jixiao_2fa_pending"] = session["jixiao_2fa_pending"] | {"at": int(time.time()) - 301}
    session.save()
    assert client.get(VERIFY)["Location"].startswith("/accounts/login/")


def test_a_code_typed_in_full_width_digits_is_read_as_the_same_code(world: World) -> None:
    """A Chinese input method in full-width mode types “１２３４５６”: the same code, not a server error."""
    secret = totp.new_secret()
    now = 1_700_000_000.0
    code = totp.code_at(secret, now)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    assert totp.verify(secret, full_width, last_step=None, now=now) == totp.step_at(now)
    client = Client()
    _password_step(client, "p_perf")
    wrong = client.post(VERIFY, {"code": "０００٠٠٠"})  # full-width and Arabic-Indic digits: a wrong code, 400
    assert wrong.status_code == 400 and "_auth_user_id" not in client.session
    device = TOTPDevice.objects.get(user=world.users["performance"])
    typed = "".join(chr(ord(c) + 0xFEE0) for c in totp.code_at(device.secret, time.time()))
    assert client.post(VERIFY, {"code": typed}).status_code == 302
    assert "_auth_user_id" in client.session


def test_the_login_steps_are_never_cached(world: World) -> None:
    """The enrolment step shows the TOTP secret before any login: the browser and proxies must not keep it."""
    client = Client()
    assert "no-store" in client.get(LOGIN)["Cache-Control"]
    _password_step(client, "p_perf")
    page = client.get(VERIFY)
    secret = TOTPDevice.objects.get(user=world.users["performance"]).secret
    assert page.status_code == 200 and secret in page.content.decode()
    assert "no-store" in page["Cache-Control"]
