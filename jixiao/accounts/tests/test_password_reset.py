"""重置密码 by the 系统管理员: a new single-use password shown once, the lock lifted, the sessions ended, audited."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from conftest import World
from jixiao.accounts import security, services
from jixiao.accounts.models import LoginLock, Membership, User
from jixiao.accounts.tests.factories import TEST_PASSWORD, UserFactory
from jixiao.core.errors import DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.models import AuditEvent


def _reset_url(user: User) -> str:
    return reverse("accounts:user_password_reset", args=[user.pk])


def _shown_password(body: str) -> str:
    match = re.search(r'data-testid="reset-password">.*?<code>(.+?)</code>', body, re.S)
    assert match, "the new password is shown on the page"
    return html.unescape(match.group(1))


def test_system_admin_resets_a_forgotten_password_and_sees_it_once(world: World) -> None:
    client = world.login("sys_admin")
    target = world.users["unit_user"]
    response = client.post(_reset_url(target))
    assert response.status_code == 200
    body = response.content.decode()
    password = _shown_password(body)
    target.refresh_from_db()
    assert target.check_password(password) and not target.check_password(TEST_PASSWORD)
    assert target.must_change_password
    event = AuditEvent.objects.get(event_type="user.password_reset")
    assert event.actor_name == "p_sys" and event.object_id == str(target.pk)
    assert event.changes == {"must_change_password": [False, True]}
    assert password not in str(AuditEvent.objects.values_list("reason", "changes", "object_repr"))
    # Never in the session (messages live there) and gone on the next page.
    assert all(password not in str(s.get_decoded()) for s in Session.objects.all())
    assert password not in client.get(reverse("accounts:user_list")).content.decode()


def test_reset_password_works_once_and_must_be_changed_at_login(world: World) -> None:
    target = world.users["unit_user"]
    password = services.user_password_reset(actor=world.users["sys_admin"], user=target)
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": "p_unit", "password": password})
    assert response.status_code == 302
    follow = client.get("/")
    assert follow.status_code == 302 and follow["Location"] == reverse("accounts:password_change")


def test_reset_ends_the_users_sessions_and_lifts_the_login_lock(world: World) -> None:
    victim = world.login("unit_user")
    assert victim.get("/").status_code == 200
    target = User.objects.get(username="p_unit")
    assert target.current_session_key
    for _ in range(security.policy().lockout_threshold):
        security.register_failure("p_unit")
    assert security.is_locked("p_unit")
    services.user_password_reset(actor=world.users["sys_admin"], user=target)
    assert not security.is_locked("p_unit") and not LoginLock.objects.filter(username="p_unit").exists()
    assert not Session.objects.filter(session_key=target.current_session_key).exists()
    response = victim.get("/")
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    reason = AuditEvent.objects.get(event_type="user.password_reset").reason
    assert "已解除登录锁定" in reason and "已结束登录会话" in reason


def test_a_user_outside_the_admins_region_is_not_found(world: World) -> None:
    stranger = UserFactory(username="far_user")
    Membership.objects.create(user=stranger, role="unit_user", region=world.other_region, unit=world.far_unit)
    before = stranger.password
    response = world.login("sys_admin").post(_reset_url(stranger))
    assert response.status_code == 404
    with pytest.raises(NotFoundError):
        services.user_password_reset(actor=world.users["sys_admin"], user=stranger)
    stranger.refresh_from_db()
    assert stranger.password == before and not AuditEvent.objects.filter(event_type="user.password_reset").exists()


@pytest.mark.parametrize("still_here", [True, False])
def test_a_user_who_also_acts_in_another_region_is_not_reset_here(world: World, still_here: bool) -> None:
    """The admin's region lists the account (a role here, or one revoked here), but the user also acts in a region
    the admin does not manage: a reset there would hand its password, and with it that region's role, to this
    admin."""
    user = UserFactory(username="two_regions")
    Membership.objects.create(user=user, role="unit_user", region=world.region, unit=world.school, is_active=still_here)
    Membership.objects.create(user=user, role="unit_user", region=world.other_region, unit=world.far_unit)
    before = user.password
    with pytest.raises(DomainError, match="管理范围以外"):
        services.user_password_reset(actor=world.users["sys_admin"], user=user)
    response = world.login("sys_admin").post(_reset_url(user))
    assert response.status_code == 403 and "管理范围以外" in response.content.decode()  # the list again, not a 302
    assert 'data-testid="reset-password"' not in response.content.decode()
    user.refresh_from_db()
    assert user.password == before and not AuditEvent.objects.filter(event_type="user.password_reset").exists()


def test_the_admin_cannot_reset_their_own_or_another_administrators_password(world: World) -> None:
    sys_admin = world.users["sys_admin"]
    with pytest.raises(DomainError, match="不能重置自己的密码"):
        services.user_password_reset(actor=sys_admin, user=sys_admin)
    with pytest.raises(DomainError, match="三员分立"):
        services.user_password_reset(actor=sys_admin, user=world.users["sec_admin"])
    client = world.login("sys_admin")
    response = client.post(_reset_url(sys_admin), follow=True)
    assert "不能重置自己的密码" in response.content.decode()
    page = client.get(reverse("accounts:user_list")).content.decode()
    assert _reset_url(world.users["unit_user"]) in page
    assert _reset_url(sys_admin) not in page and _reset_url(world.users["sec_admin"]) not in page
    assert User.objects.get(pk=sys_admin.pk).check_password(TEST_PASSWORD)
    assert not AuditEvent.objects.filter(event_type="user.password_reset").exists()


def test_reset_is_a_csrf_protected_post_for_the_system_admin_only(world: World) -> None:
    target = world.users["unit_user"]
    assert world.login("sys_admin").get(_reset_url(target)).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.users["sys_admin"])
    assert strict.post(_reset_url(target)).status_code == 403
    for persona in ("unit_user", "sec_admin", "audit_admin"):
        assert world.login(persona).post(_reset_url(target)).status_code == 403, persona
    with pytest.raises(PermissionDeniedError):
        services.user_password_reset(actor=world.users["sec_admin"], user=target)
    assert User.objects.get(pk=target.pk).check_password(TEST_PASSWORD)


def test_user_list_shows_who_must_change_the_password(world: World) -> None:
    services.user_create(actor=world.users["sys_admin"], username="fresh", display_name="新账号")
    body = world.login("sys_admin").get(reverse("accounts:user_list"), {"q": "fresh"}).content.decode()
    assert "须修改密码" in body


def test_enable_and_disable_are_refused_like_a_reset_for_admins_and_users_of_other_regions(world: World) -> None:
    """停用/启用 checks what 重置密码 checks: one of the 三员 cannot shut out another (the 审计管理员 oversees the
    others), and an account that also works in another region is not stopped from here."""
    sys_admin = world.users["sys_admin"]
    client = world.login("sys_admin")
    toggle = lambda user: reverse("accounts:user_toggle", args=[user.pk])  # noqa: E731
    for admin in ("sec_admin", "audit_admin"):
        target = world.users[admin]
        with pytest.raises(DomainError, match="三员分立"):
            services.user_set_active(actor=sys_admin, user=target, is_active=False)
        response = client.post(toggle(target), {"is_active": "0"}, follow=True)
        assert "三员分立" in response.content.decode()
        assert User.objects.get(pk=target.pk).is_active
    two = UserFactory(username="two_regions")
    Membership.objects.create(user=two, role="unit_user", region=world.region, unit=world.school)
    Membership.objects.create(user=two, role="unit_user", region=world.other_region, unit=world.far_unit)
    with pytest.raises(PermissionDeniedError, match="管理范围以外"):
        services.user_set_active(actor=sys_admin, user=two, is_active=False)
    assert "管理范围以外" in client.post(toggle(two), {"is_active": "0"}, follow=True).content.decode()
    assert User.objects.get(pk=two.pk).is_active
    assert not AuditEvent.objects.filter(event_type__in=("user.disable", "user.enable")).exists()
    # The list offers neither button on those rows; an ordinary account of the region is still disabled and enabled.
    page = client.get(reverse("accounts:user_list")).content.decode()
    assert toggle(world.users["sec_admin"]) not in page and toggle(sys_admin) not in page
    unit_user = world.users["unit_user"]
    assert toggle(unit_user) in page
    client.post(toggle(unit_user), {"is_active": "0"})
    assert not User.objects.get(pk=unit_user.pk).is_active
    client.post(toggle(unit_user), {"is_active": "1"})
    assert User.objects.get(pk=unit_user.pk).is_active
    assert AuditEvent.objects.filter(event_type="user.disable", object_id=str(unit_user.pk)).count() == 1


def test_disabling_a_searched_account_says_so_and_keeps_the_search(world: World) -> None:
    """停用 answered with the whole list from its first page and no word: the administrator who had searched for the
    account could not see that it was stopped, nor find it again without typing the search once more."""
    client = world.login("sys_admin")
    target = world.users["unit_user"]
    page = client.get(reverse("accounts:user_list"), {"q": target.username}).content.decode()
    toggle = reverse("accounts:user_toggle", args=[target.pk])
    assert f'action="{toggle}?q={target.username}"' in page
    response = client.post(f"{toggle}?q={target.username}", {"is_active": "0"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{reverse('accounts:user_list')}?q={target.username}"
    body = response.content.decode()
    assert f"已停用账号 {target.username}（{target.display_name}）" in body
    assert f'value="{target.username}"' in body  # the search box still holds the search
    assert not User.objects.get(pk=target.pk).is_active
    body = client.post(f"{toggle}?q={target.username}", {"is_active": "1"}, follow=True).content.decode()
    assert f"已启用账号 {target.username}（{target.display_name}）" in body


def test_a_second_disable_does_not_enable_the_account_again(world: World) -> None:
    """停用 used to flip the state: a double click, or a page shown before another administrator's 停用, enabled the
    account again. The form names the state wanted; asking for the state in force is a 409 that changes nothing."""
    client = world.login("sys_admin")
    target = world.users["unit_user"]
    toggle = reverse("accounts:user_toggle", args=[target.pk])
    assert client.post(toggle, {"is_active": "0"}).status_code == 302
    again = client.post(toggle, {"is_active": "0"})
    assert again.status_code == 409 and "该账号已是停用状态" in again.content.decode()
    assert not User.objects.get(pk=target.pk).is_active
    assert client.post(toggle).status_code == 400  # no state named: nothing is guessed
    assert not User.objects.get(pk=target.pk).is_active
    assert AuditEvent.objects.filter(event_type="user.disable", object_id=str(target.pk)).count() == 1
    assert not AuditEvent.objects.filter(event_type="user.enable").exists()
    assert (
        'name="is_active" value="1"'
        in client.get(reverse("accounts:user_list"), {"q": target.username}).content.decode()
    )
