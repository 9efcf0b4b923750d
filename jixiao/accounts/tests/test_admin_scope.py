"""Which accounts a region's 系统管理员 / 安全管理员 manage (selectors.users_for_admin): those with a role in the
region, and those opened there that hold no role yet (User.home_region). Another region's account is not offered,
not listed and not opened (404); a forged form naming one writes nothing."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import World
from jixiao.accounts import security, selectors, services
from jixiao.accounts.columns import UserImportRow
from jixiao.accounts.forms import MembershipGrantForm
from jixiao.accounts.models import LoginLock, Membership, User
from jixiao.accounts.tests.factories import TEST_PASSWORD, UserFactory
from jixiao.core.errors import NotFoundError
from jixiao.core.models import AuditEvent
from jixiao.organizations.models import FiscalRegion
from jixiao.organizations.tests.factories import city_with_counties

USERS = reverse("accounts:user_list")
MEMBERSHIPS = reverse("accounts:membership_list")


def _admin(username: str, role: str, region: FiscalRegion) -> User:
    user = UserFactory(username=username, display_name=username)
    Membership.objects.create(user=user, role=role, region=region)
    return user


def _fresh(user: User) -> User:
    """The user read again: the acting membership (and its region's path) is cached on an instance."""
    return User.objects.get(pk=user.pk)


def _login(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def _grant_workbook(rows: list[list[str]]) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["用户名", "角色", "股室", "主管部门编码", "预算单位编码", "财政区划编码"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("grants.xlsx", buffer.getvalue())


@pytest.fixture
def far(world: World) -> dict[str, User]:
    """宣汉县 (world.other_region): its two administrators, an account with a role there and one its 系统管理员
    opened that has no role yet; and one 渠县's 系统管理员 opened."""
    far_sys = _admin("far_sys", "sys_admin", world.other_region)
    far_sec = _admin("far_sec", "sec_admin", world.other_region)
    far_unit = UserFactory(username="far_unit")
    Membership.objects.create(user=far_unit, role="unit_user", region=world.other_region, unit=world.far_unit)
    far_new, _password = services.user_create(actor=far_sys, username="far_new", display_name="宣汉新账号")
    here_admin = world.users["sys_admin"]
    here_new, _password = services.user_create(actor=here_admin, username="here_new", display_name="渠县新账号")
    return {"sys": far_sys, "sec": far_sec, "unit": far_unit, "new": far_new, "here_new": here_new}


def test_an_account_is_opened_in_the_region_of_the_admin_who_opens_it(world: World, far: dict[str, User]) -> None:
    assert far["here_new"].home_region == world.region and far["new"].home_region == world.other_region
    event = AuditEvent.objects.get(event_type="user.create", object_id=str(far["here_new"].pk))
    assert event.changes["home_region"] == [None, world.region.pk]
    body = world.login("audit_admin").get(reverse("accounts:audit_list")).content.decode()
    assert "开户区划：（空） → 渠县" in body  # the change reads in Chinese, the region by its name


# ---- 1. 授予角色 and 批量授权 offer and accept only the administrator's users -------------------------------------


def test_the_grant_form_offers_only_the_admins_own_users(world: World, far: dict[str, User]) -> None:
    offered = set(MembershipGrantForm(actor=world.users["sec_admin"]).fields["user"].queryset)  # type: ignore[attr-defined]
    assert {far["here_new"], world.users["unit_user"], world.users["sys_admin"]} <= offered
    assert far["unit"] not in offered and far["new"] not in offered and far["sec"] not in offered
    # The 用户 box is a search (a county has hundreds of accounts): it finds the administrator's accounts only.
    client = world.login("sec_admin")
    found = {row["id"] for row in client.get(reverse("accounts:user_autocomplete")).json()["results"]}
    assert far["here_new"].pk in found and far["new"].pk not in found and far["unit"].pk not in found
    # And the other way round: 宣汉县's security administrator is offered its own accounts, not 渠县's.
    theirs = set(MembershipGrantForm(actor=far["sec"]).fields["user"].queryset)  # type: ignore[attr-defined]
    assert {far["new"], far["unit"]} <= theirs and far["here_new"] not in theirs


@pytest.mark.parametrize("who", ["new", "unit"])
def test_a_forged_grant_for_another_regions_user_is_refused_and_writes_nothing(
    world: World, far: dict[str, User], who: str
) -> None:
    target = far[who]
    before = set(Membership.objects.values_list("pk", flat=True))
    post = {"user": target.pk, "role": "leader", "region": world.region.pk}
    response = world.login("sec_admin").post(MEMBERSHIPS, post)
    assert response.status_code == 400
    assert "用户不存在或不在您的管理范围内" in response.content.decode()
    with pytest.raises(NotFoundError):
        services.membership_grant(actor=world.users["sec_admin"], user=target, role="leader", region=world.region)
    assert set(Membership.objects.values_list("pk", flat=True)) == before
    assert not AuditEvent.objects.filter(event_type="membership.grant").exists()


def test_a_grant_for_an_account_opened_here_goes_through(world: World, far: dict[str, User]) -> None:
    post = {"user": far["here_new"].pk, "role": "leader", "region": world.region.pk}
    assert world.login("sec_admin").post(MEMBERSHIPS, post).status_code == 302
    assert far["here_new"].memberships.get().role == "leader"


def test_a_workbook_naming_another_regions_user_grants_nothing(world: World, far: dict[str, User]) -> None:
    rows = [["here_new", "领导（只读）", "", "", "", ""], ["FAR_NEW", "领导（只读）", "", "", "", ""]]
    rows.append(["far_unit", "领导（只读）", "", "", "", ""])
    response = world.login("sec_admin").post(reverse("accounts:membership_import"), {"file": _grant_workbook(rows)})
    assert response.status_code == 400
    refused = {(e.row, e.value, e.message) for e in response.context["errors"]}
    assert refused == {(3, "FAR_NEW", "用户不存在或已停用"), (4, "far_unit", "用户不存在或已停用")}
    assert not Membership.objects.filter(user__in=[far["here_new"], far["new"]]).exists()
    assert far["unit"].memberships.count() == 1
    assert not AuditEvent.objects.filter(event_type="membership.grant").exists()


# ---- 2. role-less accounts belong to the region that opened them -------------------------------------------------


def test_another_regions_new_account_is_not_listed_reset_or_disabled(world: World, far: dict[str, User]) -> None:
    target = far["new"]
    client = world.login("sys_admin")
    listed = client.get(USERS).content.decode()
    assert "here_new" in listed and "far_new" not in listed
    assert "<td>far_new</td>" not in client.get(USERS, {"q": "far_new"}).content.decode()
    password = target.password
    assert client.post(reverse("accounts:user_password_reset", args=[target.pk])).status_code == 404
    assert client.post(reverse("accounts:user_toggle", args=[target.pk])).status_code == 404
    with pytest.raises(NotFoundError):
        services.user_password_reset(actor=world.users["sys_admin"], user=target)
    target.refresh_from_db()
    assert target.password == password and target.is_active
    assert not AuditEvent.objects.filter(event_type__in=["user.password_reset", "user.disable"]).exists()
    # Its own region's administrator manages it as before.
    theirs = _login(far["sys"])
    assert "far_new" in theirs.get(USERS).content.decode() and "here_new" not in theirs.get(USERS).content.decode()
    assert theirs.post(reverse("accounts:user_toggle", args=[target.pk]), {"is_active": "0"}).status_code == 302
    assert not User.objects.get(pk=target.pk).is_active


def test_an_account_keeps_being_managed_where_its_role_is(world: World, far: dict[str, User]) -> None:
    """Once the account holds a role, its memberships decide, as before: granted in 宣汉县 by an administrator above
    both counties, the account opened in 渠县 moves to 宣汉县's lists."""
    city, _counties = city_with_counties(world.region, world.other_region)
    city_sec = _admin("city_sec", "sec_admin", city)
    other = FiscalRegion.objects.get(pk=world.other_region.pk)
    services.membership_grant(actor=city_sec, user=far["here_new"], role="leader", region=other)
    here_admin, far_admin = _fresh(world.users["sys_admin"]), _fresh(far["sys"])
    assert not selectors.users_for_admin(actor=here_admin).filter(pk=far["here_new"].pk).exists()
    assert selectors.users_for_admin(actor=far_admin).filter(pk=far["here_new"].pk).exists()


def test_an_admin_above_the_counties_sees_every_new_account_below_and_the_untraced_ones(world: World) -> None:
    city, (county, other) = city_with_counties(world.region, world.other_region)
    city_sys = _admin("city_sys", "sys_admin", city)
    far_sys = _admin("far_sys", "sys_admin", other)
    here_sys = _fresh(world.users["sys_admin"])
    here, _ = services.user_create(actor=here_sys, username="here_new", display_name="渠县")
    there, _ = services.user_create(actor=far_sys, username="far_new", display_name="宣汉")
    above, _ = services.user_create(actor=city_sys, username="city_new", display_name="市本级")
    untraced = UserFactory(username="shell_made")  # opened in manage.py shell: no home region, no role
    assert untraced.home_region is None

    def managed(actor: User) -> set[str]:
        return set(selectors.users_for_admin(actor=actor).values_list("username", flat=True))

    assert {"here_new", "far_new", "city_new", "shell_made"} <= managed(city_sys)
    assert managed(here_sys) & {"here_new", "far_new", "city_new", "shell_made"} == {"here_new"}
    assert managed(far_sys) & {"here_new", "far_new", "city_new", "shell_made"} == {"far_new"}
    assert _login(here_sys).post(reverse("accounts:user_toggle", args=[untraced.pk])).status_code == 404
    assert (here.home_region, there.home_region, above.home_region) == (county, other, city)


def test_accounts_opened_from_a_workbook_belong_to_the_admins_region(world: World, far: dict[str, User]) -> None:
    rows = [UserImportRow(row=2, username="bulk_far", display_name="批量")]
    (created, _password), *_ = services.users_import(actor=far["sys"], rows=rows)
    assert created.home_region == world.other_region
    assert "bulk_far" not in world.login("sys_admin").get(USERS).content.decode()
    assert "bulk_far" in _login(far["sys"]).get(USERS).content.decode()


def test_the_login_lock_of_another_regions_account_is_not_shown_or_lifted(world: World, far: dict[str, User]) -> None:
    for name in ("far_new", "here_new", "nobody_at_all"):
        for _ in range(security.policy().lockout_threshold):
            security.register_failure(name)
    client = world.login("sec_admin")
    page = client.get(reverse("accounts:security_policy")).content.decode()
    assert "here_new" in page and "nobody_at_all" in page and "far_new" not in page
    far_lock = LoginLock.objects.get(username="far_new")
    assert client.post(reverse("accounts:security_unlock", args=[far_lock.pk])).status_code == 404
    assert security.is_locked("far_new") and not AuditEvent.objects.filter(event_type="auth.unlock").exists()
    theirs = _login(far["sec"])
    assert theirs.post(reverse("accounts:security_unlock", args=[far_lock.pk])).status_code == 302
    assert not security.is_locked("far_new")


def test_the_grant_form_finds_user_department_and_unit_by_search_not_lists(world: World) -> None:
    """角色授权 listed every account, 主管部门 (~100) and 预算单位 (~400) of the administrator's region in three
    <select>s; they are search boxes now, a refused grant shows its choices again by name, and a unit outside the
    region is still refused at the box."""
    client = world.login("sec_admin")
    page = client.get(MEMBERSHIPS).content.decode()
    for name in ("user", "department", "unit"):
        assert f'<select name="{name}"' not in page, name
    for url in (
        "accounts:user_autocomplete",
        "organizations:department_autocomplete",
        "organizations:unit_autocomplete",
    ):
        assert f'data-jx-autocomplete="{reverse(url)}"' in page, url
    found = client.get(reverse("accounts:user_autocomplete"), {"q": "p_oth"}).json()["results"]
    assert found == [{"id": world.users["other_unit_user"].pk, "text": "p_other", "hint": "p_other"}]
    grant = {"user": world.users["other_unit_user"].pk, "role": "unit_user", "region": world.region.pk}
    refused = client.post(MEMBERSHIPS, {**grant, "unit": world.far_unit.pk})
    assert refused.status_code == 400 and not Membership.objects.filter(unit=world.far_unit).exists()
    body = refused.content.decode()
    assert f'name="user" value="{world.users["other_unit_user"].pk}"' in body and 'value="p_other"' in body
    assert client.post(MEMBERSHIPS, {**grant, "unit": world.school.pk}).status_code == 302
    assert Membership.objects.filter(user=world.users["other_unit_user"], unit=world.school).exists()
