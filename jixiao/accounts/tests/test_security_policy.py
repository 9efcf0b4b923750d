"""SECURITY.md checklist A01–A05, A07, B01, B04: lockout, password policy, expiry, idle timeout, single session."""

from __future__ import annotations

import datetime
import time

from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from conftest import World
from jixiao.accounts import security
from jixiao.accounts.capabilities import Role
from jixiao.accounts.middleware import LAST_SEEN, LOGIN_AT
from jixiao.accounts.models import LoginLock, Membership, PasswordHistory, SecurityPolicy, User
from jixiao.accounts.tests.factories import TEST_PASSWORD, UserFactory
from jixiao.core.models import AuditEvent
from jixiao.core.tests.helpers import shown_form_data
from jixiao.organizations.tests.factories import city_with_counties

LOGIN = "/accounts/login/"


def _set_policy(**fields: object) -> None:
    row = SecurityPolicy.objects.get(pk=1)
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()  # the post_save signal clears the cached policy


def _try(client: Client, username: str, password: str) -> str:
    return client.post(LOGIN, {"username": username, "password": password}).content.decode()


def test_five_failures_lock_even_the_right_password_then_the_lock_expires(world: World) -> None:
    client = Client()
    for _ in range(4):
        assert "用户名或密码错误" in _try(client, "p_unit", "wrong")
    assert "用户名或密码错误" in _try(client, "p_unit", "wrong")  # the 5th is still the generic message
    assert "已临时锁定" in _try(client, "p_unit", TEST_PASSWORD)  # the 6th, with the right password
    assert AuditEvent.objects.filter(event_type="auth.locked", actor_name="p_unit").count() == 1
    assert AuditEvent.objects.filter(event_type="auth.login_failed", actor_name="p_unit").count() == 5
    LoginLock.objects.filter(username="p_unit").update(locked_until=timezone.now() - datetime.timedelta(seconds=1))
    response = client.post(LOGIN, {"username": "p_unit", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert not LoginLock.objects.filter(username="p_unit").exists()  # the counter resets on success


def test_unknown_usernames_lock_the_same_way(world: World) -> None:
    client = Client()
    for _ in range(5):
        _try(client, "nobody", "wrong")
    assert "已临时锁定" in _try(client, "nobody", "wrong")


def test_failures_outside_the_window_do_not_add_up(world: World) -> None:
    start = timezone.now()
    for minutes in (0, 5, 10, 14):
        assert not security.register_failure("p_unit", now=start + datetime.timedelta(minutes=minutes))
    assert not security.register_failure("p_unit", now=start + datetime.timedelta(minutes=16))  # window restarted
    assert not security.is_locked("p_unit")


def test_three_admins_are_locked_longer(world: World) -> None:
    now = timezone.now()
    for _ in range(5):
        security.register_failure("p_sec", now=now)
    lock = LoginLock.objects.get(username="p_sec")
    assert lock.locked_until == now + datetime.timedelta(minutes=30)


def test_security_admin_unlocks_and_it_is_audited(world: World) -> None:
    for _ in range(5):
        security.register_failure("p_unit")
    lock = LoginLock.objects.get(username="p_unit")
    assert world.login("sys_admin").post(f"/accounts/console/security/locks/{lock.pk}/unlock/").status_code == 403
    client = world.login("sec_admin")
    page = client.get("/accounts/console/security/").content.decode()
    assert "p_unit" in page
    assert client.post(f"/accounts/console/security/locks/{lock.pk}/unlock/").status_code == 302
    assert not security.is_locked("p_unit")
    event = AuditEvent.objects.get(event_type="auth.unlock")
    assert event.actor_name == "p_sec" and event.object_repr == "p_unit"


def test_password_rules(world: World) -> None:
    user = world.users["unit_user"]
    assert security.password_problems("abcdefgh", user)  # one class only
    assert security.password_problems("Abcdef1", user)  # 7 characters
    assert any("用户名" in p for p in security.password_problems("Xp_unit#2026", user))
    assert security.password_problems("Abcdef1!x", user) == []
    admin = world.users["sec_admin"]
    assert any("12" in p for p in security.password_problems("Abcdef1!x", admin))
    assert security.password_problems("Abcdef1!xY2@", admin) == []


def test_recent_passwords_cannot_come_back(world: World) -> None:
    user = world.users["unit_user"]
    client = world.login("unit_user")
    for number, new in enumerate(["Newpass#2026a", "Newpass#2026b"]):
        old = TEST_PASSWORD if number == 0 else "Newpass#2026a"
        response = client.post("/accounts/password/", {"old_password": old, "new_password1": new, "new_password2": new})
        assert response.status_code == 302, response.content.decode()
    user.refresh_from_db()
    again = client.post(
        "/accounts/password/",
        {"old_password": "Newpass#2026b", "new_password1": TEST_PASSWORD, "new_password2": TEST_PASSWORD},
    )
    assert again.status_code == 400 and "最近5次" in again.content.decode()


def test_the_password_in_force_cannot_be_set_again_without_a_history_row(world: World) -> None:
    """An account loaded in bulk (the demo's) or set before the history was kept has no history row for its password:
    changing it to the same password went through."""
    user = world.users["unit_user"]
    PasswordHistory.objects.filter(user=user).delete()
    client = world.login("unit_user")
    same = {"old_password": TEST_PASSWORD, "new_password1": TEST_PASSWORD, "new_password2": TEST_PASSWORD}
    response = client.post("/accounts/password/", same)
    assert response.status_code == 400 and "最近5次使用过的密码相同" in response.content.decode()
    new = {"old_password": TEST_PASSWORD, "new_password1": "Newpass#2026a", "new_password2": "Newpass#2026a"}
    assert client.post("/accounts/password/", new).status_code == 302
    user.refresh_from_db()
    assert user.check_password("Newpass#2026a")


def test_password_change_needs_the_current_password(world: World) -> None:
    client = world.login("unit_user")
    response = client.post("/accounts/password/", {"new_password1": "Abcdef1!xyz", "new_password2": "Abcdef1!xyz"})
    assert response.status_code == 400 and "当前密码" in response.content.decode()
    world.users["unit_user"].refresh_from_db()
    assert world.users["unit_user"].check_password(TEST_PASSWORD)


def test_the_password_page_states_the_policy_in_force_not_a_fixed_eight(world: World) -> None:
    """Under the policy's own rule the page also printed “密码至少8位…”, whatever the 安全管理员 had set."""
    _set_policy(min_length=10, admin_min_length=14)
    body = world.login("unit_user").get("/accounts/password/").content.decode()
    assert "密码至少10位（三员账号至少14位）" in body
    assert "密码至少8位" not in body


def test_an_expired_password_allows_only_the_change_page(world: World) -> None:
    user = world.users["unit_user"]
    user.password_changed_at = timezone.now() - datetime.timedelta(days=91)
    user.save(update_fields=["password_changed_at"])
    client = world.login("unit_user")
    response = client.get("/projects/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/password/")
    _set_policy(max_age_days=180)
    assert client.get("/projects/").status_code == 200


def _idle_for_31_minutes(client: Client) -> None:
    """As if the client's last request was 31 minutes ago (the default idle limit is 30)."""
    session = client.session
    session[LAST_SEEN] = int(time.time()) - 31 * 60
    session.save()


def test_idle_session_ends_on_the_next_request(world: World) -> None:
    client = world.login("unit_user")
    client.get("/")
    _idle_for_31_minutes(client)
    response = client.get("/projects/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/projects/").status_code == 302
    assert AuditEvent.objects.filter(event_type="auth.session_expired").exists()


def test_an_idle_session_on_the_public_pages_ends_there_without_a_login_page(world: World) -> None:
    client = world.login("unit_user")
    client.get("/")
    _idle_for_31_minutes(client)
    response = client.get("/public/")
    assert response.status_code == 200
    assert AuditEvent.objects.filter(event_type="auth.session_expired").exists()
    assert client.get("/projects/").status_code == 302  # the session did end


def test_the_login_page_says_why_the_session_ended_and_the_next_login_does_not(world: World) -> None:
    """The login page showed no messages: the reason (长时间未操作，会话已结束) waited for the next signed-in page, so
    the user, just logged in again, was told on the home page to log in again."""
    client = Client()
    assert client.post("/accounts/login/", {"username": "p_unit", "password": TEST_PASSWORD}).status_code == 302
    _idle_for_31_minutes(client)
    response = client.get("/projects/", follow=True)
    assert response.request["PATH_INFO"] == "/accounts/login/"
    assert "长时间未操作，会话已结束，请重新登录" in response.content.decode()
    client.post("/accounts/login/", {"username": "p_unit", "password": TEST_PASSWORD})
    assert "请重新登录" not in client.get("/").content.decode()


def test_an_active_session_is_saved_once_a_minute_and_its_expiry_slides(world: World) -> None:
    """Pages do not write the session row on every request (parallel requests would queue on it), yet activity keeps
    the session alive: LAST_SEEN moves, and the stored expiry with it, at most once a minute."""
    client = world.login("unit_user")
    client.get("/")
    key = client.session.session_key
    before = Session.objects.get(session_key=key)
    client.get("/projects/")
    assert Session.objects.get(session_key=key).expire_date == before.expire_date  # no write within the minute
    session = client.session
    session[LAST_SEEN] = int(time.time()) - 61
    session.save()
    aged = Session.objects.get(session_key=key).expire_date
    time.sleep(0.01)
    assert client.get("/projects/").status_code == 200
    assert Session.objects.get(session_key=key).expire_date > aged
    assert abs(client.session[LAST_SEEN] - int(time.time())) <= 2


def _age(client: Client, seconds: int) -> None:
    session = client.session
    session[LAST_SEEN] = int(time.time()) - seconds
    session.save()


def test_the_idle_warning_asks_without_moving_the_clock_and_keepalive_moves_it(world: World) -> None:
    """The page's idle warning: GET keepalive says how long is left and is not activity (a tab left open must not
    keep the session alive); POST is 继续使用 and starts the idle clock again; an ended session is sent to log in."""
    client = world.login("unit_user")
    page = client.get("/").content.decode()
    assert 'data-idle-seconds="1800"' in page and 'data-keepalive-url="/accounts/keepalive/"' in page
    _age(client, 1700)
    asked = client.get("/accounts/keepalive/")
    assert asked.status_code == 200 and asked.json() == {"idle_seconds": 1800, "remaining": 100}
    assert int(time.time()) - client.session[LAST_SEEN] >= 1700  # asking moved nothing
    kept = client.post("/accounts/keepalive/")
    assert kept.status_code == 200 and kept.json()["remaining"] >= 1798
    assert abs(client.session[LAST_SEEN] - int(time.time())) <= 2
    assert client.put("/accounts/keepalive/").status_code == 405
    # A password to change first (only that page opens): its idle warning still gets its answer.
    User.objects.filter(pk=world.users["unit_user"].pk).update(must_change_password=True)
    assert client.get("/projects/").status_code == 302
    assert client.get("/accounts/keepalive/").status_code == 200
    _age(client, 1801)
    ended = client.get("/accounts/keepalive/")
    assert ended.status_code == 302 and ended["Location"].startswith("/accounts/login/")
    assert Client().get("/accounts/keepalive/").status_code == 302  # no session: the login page


def test_keepalive_is_a_csrf_protected_post_and_three_admins_count_down_from_their_own_limit(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["sec_admin"])
    assert 'data-idle-seconds="900"' in client.get("/accounts/console/security/").content.decode()
    assert client.post("/accounts/keepalive/").status_code == 403
    assert client.get("/accounts/keepalive/").json()["idle_seconds"] == 900
    assert "data-idle-seconds" not in Client().get(LOGIN).content.decode()


def test_absolute_lifetime(world: World) -> None:
    client = world.login("unit_user")
    client.get("/")
    session = client.session
    session[LOGIN_AT] = int(time.time()) - 9 * 3600
    session.save()
    assert client.get("/projects/")["Location"].startswith("/accounts/login/")


def test_three_admin_idle_limit_is_shorter(world: World) -> None:
    client = world.login("sec_admin")
    client.get("/")
    session = client.session
    session[LAST_SEEN] = int(time.time()) - 16 * 60
    session.save()
    assert client.get("/accounts/console/security/")["Location"].startswith("/accounts/login/")


def test_second_login_of_a_three_admin_ends_the_first_session(world: World) -> None:
    _set_policy(totp_required_admins=False)  # the second factor has its own tests
    first, second = Client(), Client()
    assert first.post(LOGIN, {"username": "p_sec", "password": TEST_PASSWORD}).status_code == 302
    assert first.get("/accounts/console/security/").status_code == 200
    assert second.post(LOGIN, {"username": "p_sec", "password": TEST_PASSWORD}).status_code == 302
    assert second.get("/accounts/console/security/").status_code == 200
    assert first.get("/accounts/console/security/").status_code == 302
    assert AuditEvent.objects.filter(event_type="auth.session_replaced").count() == 1
    assert Session.objects.count() == 1


def test_a_three_admin_stays_logged_in_after_changing_the_password(world: World) -> None:
    """Changing the password renews the session key (update_session_auth_hash): the account's tracked session
    follows it, or the single-session rule logged the 三员 out at once as "该账号已在其他地方登录"."""
    _set_policy(totp_required_admins=False)
    User.objects.filter(username="p_sec").update(must_change_password=True)  # the forced first-login change
    client = Client()
    assert client.post(LOGIN, {"username": "p_sec", "password": TEST_PASSWORD}).status_code == 302
    assert client.get("/accounts/console/security/").status_code == 302  # to the password page first
    new = "N3w-Strong-Pass!2026"
    changed = {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new}
    assert client.post("/accounts/password/", changed).status_code == 302
    assert client.get("/accounts/console/security/").status_code == 200
    assert User.objects.get(username="p_sec").current_session_key == client.session.session_key
    assert not AuditEvent.objects.filter(event_type="auth.session_expired").exists()
    again = {"old_password": new, "new_password1": new + "x", "new_password2": new + "x"}  # a later, voluntary one
    assert client.post("/accounts/password/", again).status_code == 302
    assert client.get("/accounts/console/security/").status_code == 200


def test_business_users_may_hold_two_sessions(world: World) -> None:
    first, second = Client(), Client()
    for client in (first, second):
        assert client.post(LOGIN, {"username": "p_unit", "password": TEST_PASSWORD}).status_code == 302
    assert first.get("/projects/").status_code == 200 and second.get("/projects/").status_code == 200


def test_policy_page_only_for_the_security_admin(world: World) -> None:
    for persona in ("sys_admin", "audit_admin", "performance"):
        assert world.login(persona).get("/accounts/console/security/").status_code == 403
    client = world.login("sec_admin")
    data = {
        "min_length": 10,
        "admin_min_length": 14,
        "min_classes": 3,
        "history_count": 5,
        "max_age_days": 90,
        "lockout_threshold": 5,
        "lockout_window_minutes": 15,
        "lockout_minutes": 20,
        "admin_lockout_minutes": 30,
        "idle_minutes": 30,
        "admin_idle_minutes": 15,
        "absolute_hours": 8,
        "admin_single_session": "on",
    }
    assert client.post("/accounts/console/security/", data).status_code == 302
    assert security.policy().min_length == 10
    assert AuditEvent.objects.filter(event_type="security.policy_update").count() == 1
    bad = client.post("/accounts/console/security/", data | {"admin_min_length": 9})
    assert bad.status_code == 400 and "三员密码最小长度" in bad.content.decode()
    assert security.policy().admin_min_length == 14


def test_a_policy_saved_from_a_stale_page_is_a_409_and_keeps_the_newer_policy(world: World) -> None:
    client = world.login("sec_admin")
    shown = shown_form_data(client.get("/accounts/console/security/").context["form"])
    assert shown["loaded_at"]  # the page carries the policy's timestamp
    _set_policy(min_length=12)  # another security admin saves after the page was opened
    response = client.post("/accounts/console/security/", shown | {"lockout_threshold": 17})
    body = response.content.decode()
    assert response.status_code == 409 and "安全策略已被他人修改，请刷新页面后重新设置" in body and 'value="17"' in body
    policy = SecurityPolicy.objects.get(pk=1)
    assert policy.min_length == 12 and policy.lockout_threshold != 17


def test_only_a_top_level_security_admin_sets_the_policy_a_countys_sees_it(world: World) -> None:
    """One policy row serves the whole deployment: once the county sits under a city, the county's 安全管理员 sees
    the policy read-only and a forged POST is refused; the city's sets it."""
    city, _ = city_with_counties(world.region)
    county_admin = world.login("sec_admin")
    page = county_admin.get("/accounts/console/security/")
    body = page.content.decode()
    assert page.status_code == 200 and 'data-testid="policy-read-only"' in body and ">保存</button>" not in body
    assert all(field.disabled for field in page.context["form"].fields.values())
    shown = shown_form_data(page.context["form"])
    response = county_admin.post("/accounts/console/security/", shown | {"lockout_threshold": 17})
    assert response.status_code == 403 and "由最上级财政区划的安全管理员设置" in response.content.decode()
    assert SecurityPolicy.objects.get(pk=1).lockout_threshold != 17
    assert not AuditEvent.objects.filter(event_type="security.policy_update").exists()

    city_admin = UserFactory(username="city_sec")
    Membership.objects.create(user=city_admin, role=Role.SEC_ADMIN, region=city)
    client = Client()
    client.force_login(city_admin)
    page = client.get("/accounts/console/security/")
    assert 'data-testid="policy-read-only"' not in page.content.decode()
    response = client.post("/accounts/console/security/", shown_form_data(page.context["form"], lockout_threshold=17))
    assert response.status_code == 302 and SecurityPolicy.objects.get(pk=1).lockout_threshold == 17
