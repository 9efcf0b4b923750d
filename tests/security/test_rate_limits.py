"""A09 and E08: rate limits on login (per IP, per username), imports and exports (per user); 429 in Chinese."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from conftest import World
from jixiao.accounts.tests.factories import TEST_PASSWORD
from jixiao.core import ratelimit
from jixiao.core.models import AuditEvent

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
# Windows are fixed (aligned to multiples of their length): the tests use one-day windows so that a slow run never
# crosses a window boundary halfway.


@override_settings(JIXIAO_RATE_LIMITS={"login_ip": "30/86400", "login_user": ""})
def test_a09_logins_from_one_ip_across_usernames_are_throttled(world: World) -> None:
    client = Client(REMOTE_ADDR="10.1.2.3")
    statuses = [client.post(LOGIN, {"username": f"user{i}", "password": "x"}).status_code for i in range(31)]
    assert set(statuses[:30]) == {400} and statuses[30] == 429
    response = client.post(LOGIN, {"username": "p_unit", "password": TEST_PASSWORD})
    assert response.status_code == 429  # even the right password, until the window ends
    assert "登录请求过于频繁" in response.content.decode() and int(response["Retry-After"]) >= 1
    assert AuditEvent.objects.filter(event_type="security.rate_limited", outcome="denied").count() == 1
    # Another client IP is not affected.
    other = Client(REMOTE_ADDR="10.9.9.9")
    assert other.post(LOGIN, {"username": "p_unit", "password": TEST_PASSWORD}).status_code == 302


@override_settings(JIXIAO_RATE_LIMITS={"login_ip": "", "login_user": "3/86400"})
def test_a09_logins_for_one_username_are_throttled_from_any_ip(world: World) -> None:
    for i in range(3):
        assert Client(REMOTE_ADDR=f"10.0.0.{i}").post(LOGIN, {"username": "P_Unit", "password": "x"}).status_code == 400
    response = Client(REMOTE_ADDR="10.0.0.9").post(LOGIN, {"username": "p_unit", "password": TEST_PASSWORD})
    assert response.status_code == 429 and "该账号的登录请求过于频繁" in response.content.decode()


@override_settings(JIXIAO_RATE_LIMITS={"login_ip": "", "login_user": "3/86400"})
def test_a09_a_full_width_spelling_counts_against_the_same_username(world: World) -> None:
    """The login form normalises the name (NFKC) before authenticating: `ｐ＿ｕｎｉｔ` is `p_unit`, one limit."""
    for i in range(3):
        client = Client(REMOTE_ADDR=f"10.0.1.{i}")
        assert client.post(LOGIN, {"username": "ｐ＿ｕｎｉｔ", "password": "x"}).status_code == 400
    response = Client(REMOTE_ADDR="10.0.1.9").post(LOGIN, {"username": "p_unit", "password": TEST_PASSWORD})
    assert response.status_code == 429


@override_settings(JIXIAO_RATE_LIMITS={"login_ip": "2/86400", "login_user": ""})
def test_e08_a_forged_x_forwarded_for_does_not_change_the_key(world: World) -> None:
    client = Client(REMOTE_ADDR="10.1.1.1")
    for i in range(2):
        client.post(LOGIN, {"username": "x", "password": "x"}, HTTP_X_FORWARDED_FOR=f"1.2.3.{i}")
    response = client.post(LOGIN, {"username": "x", "password": "x"}, HTTP_X_FORWARDED_FOR="5.6.7.8")
    assert response.status_code == 429


@override_settings(JIXIAO_RATE_LIMITS={"export": "3/86400"})
def test_a09_exports_and_downloads_per_user(world: World) -> None:
    client = world.login("performance")
    url = reverse("experts:export")
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(url)
    assert response.status_code == 429 and "导出或下载过于频繁" in response.content.decode()
    # Per user: a colleague still exports; ordinary pages are not counted.
    assert world.login("budget").get(reverse("experts:list")).status_code in (200, 403)
    assert client.get(reverse("experts:list")).status_code == 200


@override_settings(JIXIAO_RATE_LIMITS={"import": "2/86400"})
def test_a09_imports_per_user_count_uploads_only(world: World) -> None:
    client = world.login("performance")
    url = reverse("experts:import")
    for _ in range(5):
        assert client.get(url).status_code == 200  # opening the form is not an import
    for _ in range(2):
        upload = SimpleUploadedFile("专家.xlsx", b"not a workbook", content_type="application/octet-stream")
        assert client.post(url, {"file": upload}).status_code != 429
    upload = SimpleUploadedFile("专家.xlsx", b"not a workbook", content_type="application/octet-stream")
    response = client.post(url, {"file": upload})
    assert response.status_code == 429 and "导入操作过于频繁" in response.content.decode()


def test_a09_api_requests_get_a_json_429() -> None:
    from django.test import RequestFactory

    response = ratelimit.too_many(RequestFactory().get("/api/v1/projects/export/"), "export", 30)
    assert response.status_code == 429 and response["Retry-After"] == "30"
    assert response["Content-Type"] == "application/json"
    assert "导出或下载过于频繁" in json.loads(response.content)["detail"]


def test_limits_are_configurable_and_can_be_switched_off() -> None:
    with override_settings(JIXIAO_RATE_LIMITS={"export": "5/30", "import": ""}):
        assert ratelimit.limit_for("export") == ratelimit.Limit(5, 30)
        assert ratelimit.limit_for("import") is None
    assert ratelimit.limit_for("login_ip") is not None  # shipped default
