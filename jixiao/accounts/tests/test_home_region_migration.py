"""accounts.0006 gives existing accounts their home region: the region the 系统管理员 who opened the account acted
in (its `user.create` audit record), else the region of its first role; untraceable accounts stay empty."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from conftest import World
from jixiao.accounts import services
from jixiao.accounts.models import Membership, User
from jixiao.accounts.tests.factories import UserFactory
from jixiao.core import context

BEFORE = ("accounts", "0005_totp")


def _opened_by(actor: User, username: str, organization: str = "") -> User:
    token = context.bind(context.RequestContext(role="sys_admin" if organization else "", organization=organization))
    try:
        return services.user_create(actor=actor, username=username, display_name=username)[0]
    finally:
        context.unbind(token)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_gives_existing_accounts_the_region_that_opened_them(fresh_world: World) -> None:
    twice = UserFactory(username="twice_sys")  # 系统管理员 of both counties
    Membership.objects.create(user=twice, role="sys_admin", region=fresh_world.region)
    Membership.objects.create(user=twice, role="sys_admin", region=fresh_world.other_region)
    here = _opened_by(fresh_world.users["sys_admin"], "opened_here")  # one region: that one, even without a context
    named = _opened_by(twice, "opened_far", organization="宣汉县")  # the record names the region acted in
    unclear = _opened_by(twice, "opened_unclear")  # two regions and nothing recorded: not guessed
    granted = _opened_by(twice, "granted_far")  # the same, but it holds a role by now: the role's region
    Membership.objects.create(user=granted, role="leader", region=fresh_world.other_region)
    shell_made = UserFactory(username="shell_made")
    MigrationExecutor(connection).migrate([BEFORE])  # the column is gone, and with it what user_create wrote
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # filled again from the audit trail and the memberships
    homes = dict(User.objects.values_list("username", "home_region_id"))
    assert homes[here.username] == fresh_world.region.pk
    assert homes[named.username] == fresh_world.other_region.pk
    assert homes[unclear.username] is None
    assert homes[granted.username] == fresh_world.other_region.pk
    assert homes[shell_made.username] is None
    assert homes["p_unit"] == fresh_world.region.pk and homes["twice_sys"] == fresh_world.region.pk  # their first role
