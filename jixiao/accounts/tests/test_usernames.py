"""User names are unique regardless of case — in the database (a UNIQUE index on lower(username)), not only in the
services' check — and a name taken in another case gets a Chinese answer, never a server error. Login itself
stays case-sensitive."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from conftest import World
from jixiao.accounts import security, selectors, services
from jixiao.accounts.columns import UserImportRow
from jixiao.accounts.models import User
from jixiao.accounts.tests.factories import TEST_PASSWORD, UserFactory
from jixiao.core.errors import DomainError
from jixiao.core.models import AuditEvent
from jixiao.core.spreadsheets import ImportRejectedError

CREATE = reverse("accounts:user_create")


def test_the_database_refuses_a_name_that_differs_only_in_case(db: Any) -> None:
    UserFactory(username="zhangsan")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="ZhangSan", display_name="张三")
    other = UserFactory(username="lisi")
    with pytest.raises(IntegrityError), transaction.atomic():  # renaming onto it, too
        User.objects.filter(pk=other.pk).update(username="ZHANGSAN")
    assert list(User.objects.filter(username__iexact="zhangsan").values_list("username", flat=True)) == ["zhangsan"]


def test_creating_a_name_taken_in_another_case_is_refused_in_chinese_at_the_field(world: World) -> None:
    client = world.login("sys_admin")
    users = User.objects.count()
    response = client.post(CREATE, {"username": "P_Unit", "display_name": "冒名"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "用户名“P_Unit”已存在（用户名不区分大小写" in body and 'data-testid="create-error"' in body
    assert 'value="P_Unit"' in body and 'value="冒名"' in body  # what was typed is kept
    assert 'data-testid="created-password"' not in body
    assert User.objects.count() == users and not AuditEvent.objects.filter(event_type="user.create").exists()
    with pytest.raises(DomainError, match="不区分大小写"):
        services.user_create(actor=world.users["sys_admin"], username="P_UNIT", display_name="x")


def test_an_incomplete_create_form_is_answered_at_the_fields(world: World) -> None:
    response = world.login("sys_admin").post(CREATE, {"username": "zhang", "display_name": ""})
    assert response.status_code == 400 and 'data-testid="create-error"' in response.content.decode()
    assert not User.objects.filter(username="zhang").exists()


def _raced(monkeypatch: pytest.MonkeyPatch, blind_calls: int) -> list[Any]:
    """selectors.taken_usernames answering "free" to its first `blind_calls` calls: the name was taken by another
    administrator between the check and the insert, so only the database constraint notices."""
    real = selectors.taken_usernames
    calls: list[Any] = []

    def taken(usernames: Any) -> set[str]:
        calls.append(usernames)
        return set() if len(calls) <= blind_calls else real(usernames)

    monkeypatch.setattr(selectors, "taken_usernames", taken)
    return calls


def test_a_name_taken_at_the_same_moment_is_a_chinese_error_not_a_500(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _raced(monkeypatch, blind_calls=1)
    response = world.login("sys_admin").post(CREATE, {"username": "P_UNIT", "display_name": "同时"})
    assert len(calls) == 2  # the check (blind), then the look after the constraint refused the insert
    assert response.status_code == 400 and "已存在（用户名不区分大小写" in response.content.decode()
    assert list(User.objects.filter(username__iexact="p_unit").values_list("username", flat=True)) == ["p_unit"]
    assert not AuditEvent.objects.filter(event_type="user.create").exists()


def test_a_workbook_whose_name_was_taken_at_the_same_moment_opens_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _raced(monkeypatch, blind_calls=2)  # the check before hashing and the one in the transaction
    rows = [
        UserImportRow(row=2, username="brand_new", display_name="新"),
        UserImportRow(row=3, username="P_UNIT", display_name="冒名"),
    ]
    with pytest.raises(ImportRejectedError) as refused:
        services.users_import(actor=world.users["sys_admin"], rows=rows)
    assert len(calls) == 3
    assert [(e.row, e.column, e.message) for e in refused.value.errors] == [(3, "用户名", services.TAKEN)]
    assert not User.objects.filter(username="brand_new").exists()
    assert not AuditEvent.objects.filter(event_type="user.create").exists()
    assert AuditEvent.objects.get(event_type="user.import").outcome == AuditEvent.Outcome.FAILURE


def test_a_workbook_with_a_name_taken_in_another_case_is_refused_in_chinese(world: World) -> None:
    rows = [UserImportRow(row=2, username="P_Budget", display_name="冒名")]
    with pytest.raises(ImportRejectedError) as refused:
        services.users_import(actor=world.users["sys_admin"], rows=rows)
    found = [(e.row, e.value, e.message) for e in refused.value.errors]
    assert found == [(2, "P_Budget", "用户名已存在（不区分大小写）")]
    assert not User.objects.filter(username="P_Budget").exists()


def test_login_is_case_sensitive_as_before(world: World) -> None:
    """The name is typed as it was opened; with no two accounts differing in case, the lower-cased login lock
    (security.register_failure) still names one account."""
    assert Client().login(username="p_unit", password=TEST_PASSWORD)
    response = Client().post(reverse("accounts:login"), {"username": "P_UNIT", "password": TEST_PASSWORD})
    assert response.status_code == 400 and "用户名或密码错误" in response.content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_stops_on_names_that_differ_only_in_case_and_names_them() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0006_user_home_region")])
    try:
        old_user = executor.loader.project_state([("accounts", "0006_user_home_region")]).apps.get_model(
            "accounts", "User"
        )
        first = old_user.objects.create(username="Wang")
        second = old_user.objects.create(username="wang")
        executor = MigrationExecutor(connection)
        with pytest.raises(RuntimeError, match="以下账号的用户名只有大小写不同：Wang、wang"):
            executor.migrate([("accounts", "0007_username_case_insensitive_unique")])
        old_user.objects.filter(pk=second.pk).update(username="wang2")
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert set(User.objects.filter(pk__in=[first.pk, second.pk]).values_list("username", flat=True)) == {
        "Wang",
        "wang2",
    }


FULL_WIDTH_P_UNIT = "ｐ＿ｕｎｉｔ"  # NFKC: p_unit


def test_a_full_width_name_does_not_get_past_the_lock_of_its_half_width_account(world: World) -> None:
    """Django's UsernameField normalises (NFKC) what is typed before authenticate(), and the failures are counted
    on that name: the lock is checked on it too, so the full-width spelling meets the same lock."""
    client = Client()
    for typed in [FULL_WIDTH_P_UNIT, "p_unit", FULL_WIDTH_P_UNIT, "P_UNIT", FULL_WIDTH_P_UNIT]:
        client.post(reverse("accounts:login"), {"username": typed, "password": "wrong"})
    assert security.is_locked("p_unit") and security.is_locked(FULL_WIDTH_P_UNIT)
    response = client.post(reverse("accounts:login"), {"username": FULL_WIDTH_P_UNIT, "password": TEST_PASSWORD})
    assert response.status_code == 400 and "已临时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_name_that_changes_under_nfkc_is_not_given_to_a_new_account(world: World) -> None:
    assert "全角" in services.username_problem("ｚｈａｎｇ")
    assert "全角" in services.username_problem("zhangⅡ")  # a compatibility character: NFKC makes it "II"
    assert services.username_problem("zhang") == ""
    response = world.login("sys_admin").post(CREATE, {"username": "ｚｈａｎｇ", "display_name": "张"})
    assert response.status_code == 400 and "全角" in response.content.decode()
    assert not User.objects.filter(username__in=["ｚｈａｎｇ", "zhang"]).exists()
