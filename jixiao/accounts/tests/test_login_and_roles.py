from __future__ import annotations

import html

import pytest
from django.test import Client

from conftest import PERSONAS, World
from jixiao.accounts import services
from jixiao.accounts.models import Membership, User
from jixiao.accounts.tests.factories import TEST_PASSWORD, UserFactory
from jixiao.core.errors import DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.models import AuditEvent


def test_anonymous_visitor_lands_on_the_chinese_login_page(anonymous_client: Client, db: None) -> None:
    response = anonymous_client.get("/", follow=True)
    body = response.content.decode()
    assert response.status_code == 200
    assert "登录" in body and "用户名" in body and "密码" in body
    assert 'lang="zh-CN"' in body


def test_wrong_password_and_unknown_user_get_the_same_generic_message(world: World) -> None:
    client = Client()
    wrong = client.post("/accounts/login/", {"username": "p_unit", "password": "nope"})
    unknown = client.post("/accounts/login/", {"username": "nobody", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 400  # a refused login is a 4xx, the same for both
    assert "用户名或密码错误" in wrong.content.decode()
    assert "用户名或密码错误" in unknown.content.decode()
    failures = AuditEvent.objects.filter(event_type="auth.login_failed")
    assert set(failures.values_list("actor_name", flat=True)) == {"p_unit", "nobody"}


def test_login_and_logout_are_audited_with_ip_and_role(world: World) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"username": "p_unit", "password": TEST_PASSWORD})
    assert response.status_code == 302
    login = AuditEvent.objects.get(event_type="auth.login")
    assert login.actor_name == "p_unit" and login.ip == "127.0.0.1"
    client.post("/accounts/logout/")
    assert AuditEvent.objects.filter(event_type="auth.logout", actor_name="p_unit").exists()


def test_authenticated_pages_are_not_cached_and_carry_security_headers(world: World) -> None:
    response = world.login("performance").get("/")
    assert response["Cache-Control"] == "no-store"
    assert "object-src 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_state_changing_posts_need_a_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["unit_user"])
    response = client.post(f"/projects/{world.school_project.pk}/transition/", {"action": "submit"})
    assert response.status_code == 403
    world.school_project.refresh_from_db()
    assert world.school_project.status == "draft"


ADMIN_PAGES = {
    "/accounts/console/users/": "sys_admin",
    "/accounts/console/memberships/": "sec_admin",
    "/accounts/console/audit/": "audit_admin",
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_three_admin_consoles_are_separated(world: World, persona: str) -> None:
    client = world.login(persona)
    for url, owner in ADMIN_PAGES.items():
        assert client.get(url).status_code == (200 if persona == owner else 403), (url, persona)


@pytest.mark.parametrize("persona", ["sys_admin", "sec_admin", "audit_admin"])
def test_administrators_see_no_business_data(world: World, persona: str) -> None:
    client = world.login(persona)
    assert client.get("/projects/").status_code == 403
    assert client.get(f"/projects/{world.school_project.pk}/").status_code == 403
    assert client.get("/api/v1/projects/").status_code == 403


def test_system_admin_creates_a_user_with_a_random_single_use_password(world: World) -> None:
    client = world.login("sys_admin")
    response = client.post("/accounts/console/users/new/", {"username": "newbie", "display_name": "新人"}, follow=True)
    assert "初始密码" in response.content.decode()
    event = AuditEvent.objects.get(event_type="user.create")
    assert event.actor_name == "p_sys" and event.object_repr == "新人"
    from jixiao.accounts.models import User

    assert User.objects.get(username="newbie").must_change_password


def test_default_account_names_are_refused(world: World) -> None:
    with pytest.raises(DomainError):
        services.user_create(actor=world.users["sys_admin"], username="admin", display_name="x")


def test_security_admin_grants_roles_and_three_admin_roles_cannot_be_combined(world: World) -> None:
    sec = world.users["sec_admin"]
    user = UserFactory(username="someone")
    services.membership_grant(actor=sec, user=user, role="unit_user", region=world.region, unit=world.hospital)
    with pytest.raises(DomainError, match="三员分立"):
        services.membership_grant(actor=sec, user=user, role="audit_admin", region=world.region)
    with pytest.raises(DomainError, match="三员分立"):
        services.membership_grant(actor=sec, user=world.users["sys_admin"], role="sec_admin", region=world.region)
    with pytest.raises(DomainError, match="必须指定"):
        services.membership_grant(actor=sec, user=user, role="dept_admin", region=world.region)
    with pytest.raises(PermissionDeniedError):
        services.membership_grant(actor=world.users["sys_admin"], user=user, role="leader", region=world.region)
    assert AuditEvent.objects.filter(event_type="membership.grant").count() == 1


def test_user_with_two_memberships_switches_and_sees_the_other_scope(world: World) -> None:
    user = world.users["unit_user"]
    second = services.membership_grant(
        actor=world.users["sec_admin"], user=user, role="unit_user", region=world.region, unit=world.hospital
    )
    client = world.login("unit_user")
    assert "医院信息化建设" not in client.get("/projects/").content.decode()
    client.post("/accounts/switch/", {"membership": second.pk, "next": "/projects/"})
    body = client.get("/projects/").content.decode()
    assert "医院信息化建设" in body and "一中教学设备购置" not in body
    other = world.users["other_unit_user"].memberships.get()
    assert client.post("/accounts/switch/", {"membership": other.pk}).status_code == 404


def test_home_shows_the_personas_todo_list(world: World) -> None:
    body = world.login("unit_user").get("/").content.decode()
    assert "我的待办" in body and "项目未送审" in body
    # An in-period continuation project needs no 事前绩效评估 before it is submitted.
    world.school_project.is_new, world.school_project.start_year = False, 2025
    world.school_project.save(update_fields=["is_new", "start_year"])
    world.login("unit_user").post(f"/projects/{world.school_project.pk}/transition/", {"action": "submit"})
    dept_home = world.login("dept_admin").get("/").content.decode()
    assert "项目待主管部门审核" in dept_home


def test_menu_shows_every_stage_and_hides_administration_from_business_roles(world: World) -> None:
    body = world.login("performance").get("/").content.decode()
    for stage in (
        "事前绩效评估",
        "绩效运行监控",
        "结果应用",
        "问题整改",
        "文书与通报",
        "信息公开",
        "绩效考核与培训",
        "统计分析",
    ):
        assert stage in body
    assert "建设中" not in body and "用户管理" not in body


def test_created_user_must_change_the_initial_password_before_anything_else(world: World) -> None:
    admin = world.login("sys_admin")
    response = admin.post("/accounts/console/users/new/", {"username": "newcomer", "display_name": "新同事"})
    password = response.context["created_password"]
    assert html.escape(password) in response.content.decode()
    from jixiao.accounts.models import User

    newcomer = User.objects.get(username="newcomer")
    services.membership_grant(actor=world.users["sec_admin"], user=newcomer, role="leader", region=world.region)
    client = Client()
    assert client.login(username="newcomer", password=password)
    assert client.get("/projects/")["Location"] == "/accounts/password/"
    changed = client.post(
        "/accounts/password/",
        {"old_password": password, "new_password1": "Qx7!long-enough", "new_password2": "Qx7!long-enough"},
    )
    assert changed.status_code == 302
    assert client.get("/projects/").status_code == 200
    assert AuditEvent.objects.filter(event_type="auth.password_change", actor_name="newcomer").exists()


def test_admin_consoles_only_show_their_own_region(world: World) -> None:
    from jixiao.accounts.tests.factories import UserFactory

    outsider = UserFactory(username="far_user")
    with pytest.raises(NotFoundError):
        services.membership_grant(
            actor=world.users["sec_admin"], user=outsider, role="leader", region=world.other_region
        )
    Membership.objects.create(user=outsider, role="leader", region=world.other_region)
    assert "far_user" not in world.login("sys_admin").get("/accounts/console/users/").content.decode()
    assert "far_user" not in world.login("sec_admin").get("/accounts/console/memberships/").content.decode()
    assert world.login("sys_admin").post(f"/accounts/console/users/{outsider.pk}/toggle/").status_code == 404
    outsider.refresh_from_db()
    assert outsider.is_active
    # Disabling oneself is refused on the list itself, with its status (was a redirect).
    own = world.login("sys_admin").post(
        f"/accounts/console/users/{world.users['sys_admin'].pk}/toggle/", {"is_active": "0"}
    )
    assert own.status_code == 400 and "不能停用自己的账号" in own.content.decode()


def test_the_identity_names_the_region_when_the_section_is_named_like_the_role(world: World) -> None:
    perf = world.users["performance"].memberships.get()
    assert perf.organization_label == "绩效股" and str(perf) == "绩效股 · 渠县"
    assert str(world.users["unit_user"].memberships.get()) == "预算单位 · 县第一中学"
    body = world.login("performance").get("/").content.decode()
    assert "绩效股 · 渠县" in body and "绩效股 · 绩效股" not in body


def test_a_leader_without_todos_is_pointed_to_the_dashboard(world: World) -> None:
    body = world.login("leader").get("/").content.decode()
    assert "暂无待办事项" in body and 'data-testid="home-dashboard"' in body
    assert 'data-testid="home-dashboard"' not in world.login("sys_admin").get("/").content.decode()


@pytest.mark.parametrize(
    ("persona", "url"), [("sys_admin", "/accounts/console/users/"), ("sec_admin", "/accounts/console/memberships/")]
)
def test_the_console_search_keeps_its_button_on_one_line_and_offers_a_reset(
    world: World, persona: str, url: str
) -> None:
    client = world.login(persona)
    assert '<button class="btn btn-sm btn-primary text-nowrap">查询</button>' in client.get(url).content.decode()
    assert ">重置</a>" not in client.get(url).content.decode()
    searched = client.get(url, {"q": "p_"}).content.decode()
    assert 'value="p_"' in searched and f'href="{url}">重置</a>' in searched


def test_an_empty_login_says_what_is_missing(world: World) -> None:
    """The form is `novalidate` (no browser bubbles): an empty user name or password is named on the page."""
    body = Client().post("/accounts/login/", {"username": "", "password": ""}).content.decode()
    assert "请输入用户名" in body and "请输入密码" in body
    typed = Client().post("/accounts/login/", {"username": "p_unit", "password": ""}).content.decode()
    assert "请输入密码" in typed and "请输入用户名" not in typed and 'value="p_unit"' in typed


def test_a_role_granted_with_an_organisation_it_does_not_take_is_refused(world: World) -> None:
    """A 主管部门 granted with a unit as well read “主管部门 · 县第一中学” in the top bar and on the list."""
    user = UserFactory(username="someone")
    client = world.login("sec_admin")
    post = {"user": user.pk, "role": "dept_admin", "region": world.region.pk, "department": world.edu.pk}
    response = client.post("/accounts/console/memberships/", {**post, "unit": world.school.pk})
    assert response.status_code == 400
    assert "“主管部门”角色不填写预算单位，请留空" in response.content.decode()
    with pytest.raises(DomainError, match="不填写主管部门"):
        services.membership_grant(
            actor=world.users["sec_admin"], user=user, role="leader", region=world.region, department=world.edu
        )
    assert not user.memberships.exists()
    assert client.post("/accounts/console/memberships/", post).status_code == 302
    assert str(user.memberships.get()) == "主管部门 · 县教育局"


def test_the_security_admin_cannot_revoke_their_own_role(world: World) -> None:
    """Revoking it would leave nobody to grant it back."""
    own = world.users["sec_admin"].memberships.get()
    client = world.login("sec_admin")
    page = client.get("/accounts/console/memberships/").content.decode()
    assert f"/accounts/console/memberships/{own.pk}/revoke/" not in page  # no 撤销 on one's own row
    assert f"/accounts/console/memberships/{world.users['unit_user'].memberships.get().pk}/revoke/" in page
    response = client.post(f"/accounts/console/memberships/{own.pk}/revoke/?q=p_", follow=True)
    # The list again with the reason and its status (not a redirect); its search, pager and grant form name the
    # list's own address.
    assert response.status_code == 400 and not response.redirect_chain
    assert "不能撤销自己的授权" in response.content.decode()
    assert response.content.decode().count('action="/accounts/console/memberships/"') == 2
    own.refresh_from_db()
    assert own.is_active
    assert not AuditEvent.objects.filter(event_type="membership.revoke").exists()
    other = world.users["unit_user"].memberships.get()
    client.post(f"/accounts/console/memberships/{other.pk}/revoke/")
    response = client.post(f"/accounts/console/memberships/{other.pk}/revoke/", follow=True)
    assert response.status_code == 409 and "该授权已撤销" in response.content.decode()
    assert AuditEvent.objects.filter(event_type="membership.revoke").count() == 1


def test_the_grant_form_names_each_user_by_user_name_and_name(world: World) -> None:
    UserFactory(username="wangmin1", display_name="王敏")
    UserFactory(username="wangmin2", display_name="王敏")
    # The 用户 box is a search: each suggestion carries the 用户名 beside the 姓名.
    found = world.login("sec_admin").get("/accounts/console/users/autocomplete/", {"q": "王敏"}).json()["results"]
    assert [(row["text"], row["hint"]) for row in found] == [("王敏", "wangmin1"), ("王敏", "wangmin2")]
    # A refused grant shows the chosen account again with its 用户名, not a bare 王敏 like the other one.
    chosen = User.objects.get(username="wangmin2")
    page = world.login("sec_admin").post(
        "/accounts/console/memberships/", {"user": chosen.pk, "role": "unit_user", "region": world.region.pk}
    )
    assert page.status_code == 400 and 'value="王敏（wangmin2）"' in page.content.decode()


def test_revoking_returns_to_the_list_as_it_was(world: World) -> None:
    """The search (and page) the administrator had typed travel in the revoke form's address and come back."""
    other = world.users["unit_user"].memberships.get()
    client = world.login("sec_admin")
    page = client.get("/accounts/console/memberships/", {"q": "p_unit"}).content.decode()
    assert f"/accounts/console/memberships/{other.pk}/revoke/?q=p_unit" in page
    response = client.post(f"/accounts/console/memberships/{other.pk}/revoke/?q=p_unit")
    assert response.status_code == 302 and response["Location"] == "/accounts/console/memberships/?q=p_unit"
