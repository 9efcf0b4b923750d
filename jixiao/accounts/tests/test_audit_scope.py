"""Which audit trail an audit administrator reads (selectors.audit_events): a county's reads what was done in its
county, never another county's; the city's (a region without a parent) reads all. Each record carries the region
it was done in (`AuditEvent.region_path`), signed into the chain once set."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from conftest import World
from jixiao.accounts import selectors
from jixiao.accounts.models import Membership, User
from jixiao.accounts.tests.factories import TEST_PASSWORD, UserFactory
from jixiao.core import audit, audit_chain
from jixiao.core.models import AuditEvent
from jixiao.organizations.models import FiscalRegion
from jixiao.organizations.tests.factories import city_with_counties

AUDIT = reverse("accounts:audit_list")


def _member(username: str, role: str, region: FiscalRegion) -> User:
    user = UserFactory(username=username, display_name=username)
    Membership.objects.create(user=user, role=role, region=region)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def city(world: World) -> FiscalRegion:
    """渠县 and 宣汉县 under 达州市, so the county administrators are no longer top-level."""
    city, _ = city_with_counties(world.region, world.other_region)
    world.region.refresh_from_db()
    world.other_region.refresh_from_db()
    return city


def _seen(actor: User) -> set[str]:
    return set(selectors.audit_events(actor=actor, filters={}).values_list("reason", flat=True))


def test_a_county_reads_its_own_trail_and_the_city_reads_all(world: World, city: FiscalRegion) -> None:
    here, far = _member("here_unit", "leader", world.region), _member("far_unit", "leader", world.other_region)
    audit.record(actor=here, event_type="test.step", reason="渠县的操作")
    audit.record(actor=far, event_type="test.step", reason="宣汉县的操作")
    assert AuditEvent.objects.get(reason="渠县的操作").region_path == world.region.path
    assert AuditEvent.objects.get(reason="宣汉县的操作").region_path == world.other_region.path

    county_auditor = _member("county_audit", "audit_admin", world.region)
    city_auditor = _member("city_audit", "audit_admin", city)
    assert "渠县的操作" in _seen(county_auditor) and "宣汉县的操作" not in _seen(county_auditor)
    assert {"渠县的操作", "宣汉县的操作"} <= _seen(city_auditor)

    client = Client()
    assert client.login(username="county_audit", password=TEST_PASSWORD)
    body = client.get(AUDIT).content.decode()
    assert "渠县的操作" in body and "宣汉县的操作" not in body
    # The page's own query is recorded in the auditor's county.
    assert AuditEvent.objects.filter(event_type="audit.query", region_path=world.region.path).exists()


def test_records_without_a_region_are_read_by_the_admins_of_their_actor(world: World, city: FiscalRegion) -> None:
    here, far = _member("here_unit", "leader", world.region), _member("far_unit", "leader", world.other_region)
    for actor, reason in ((here, "无区划·渠县"), (far, "无区划·宣汉县"), (None, "无区划·系统")):
        event = audit.event_for(actor=actor, event_type="test.step", reason=reason)
        event.region_path = ""  # as a record written before the column existed
        event.save()
    county_auditor = _member("county_audit", "audit_admin", world.region)
    seen = _seen(county_auditor)
    assert "无区划·渠县" in seen
    assert "无区划·宣汉县" not in seen and "无区划·系统" not in seen
    assert {"无区划·渠县", "无区划·宣汉县", "无区划·系统"} <= _seen(_member("city_audit", "audit_admin", city))


def test_a_system_step_is_recorded_in_its_objects_region(world: World) -> None:
    event = audit.event_for(actor="系统", event_type="test.step", obj=world.far_project)
    assert event.region_path == world.other_region.path
    assert audit.event_for(actor="系统", event_type="test.step").region_path == ""


def test_a_login_is_recorded_in_the_region_of_the_account(world: World) -> None:
    Client().post(reverse("accounts:login"), {"username": "p_unit", "password": TEST_PASSWORD})
    event = AuditEvent.objects.filter(event_type="auth.login", actor_id=world.users["unit_user"].pk).get()
    assert event.region_path == world.region.path


def test_the_region_is_signed_once_set_and_older_records_still_verify(world: World) -> None:
    audit.record(actor=world.users["unit_user"], event_type="test.step", reason="有区划")
    blank = audit.event_for(actor=None, event_type="test.step", reason="无区划")
    blank.save()
    assert audit.verify_table().ok
    # A record without a region signs exactly what a record of the earlier format signed.
    record = AuditEvent.objects.values(*audit_chain.RECORD_FIELDS).get(pk=blank.pk)
    assert b"region_path" not in audit_chain.canonical(record)

    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:  # moving a record to another region breaks the chain at that record
        cursor.execute(f"UPDATE {table} SET region_path = %s WHERE reason = %s", ["999/", "有区划"])  # noqa: S608
    broken = audit.verify_table()
    assert not broken.ok and broken.broken is not None
    assert broken.broken.seq == AuditEvent.objects.get(reason="有区划").seq
    with connection.cursor() as cursor:  # and so does giving one to a record that had none
        cursor.execute(f"UPDATE {table} SET region_path = %s WHERE reason = %s", [world.region.path, "有区划"])  # noqa: S608
        cursor.execute(f"UPDATE {table} SET region_path = %s WHERE reason = %s", ["999/", "无区划"])  # noqa: S608
    assert audit.verify_table().broken.seq == blank.seq  # type: ignore[union-attr]


def test_a_failed_login_on_an_account_is_recorded_in_its_region(world: World) -> None:
    Client().post(reverse("accounts:login"), {"username": "P_UNIT", "password": "wrong-password"})
    Client().post(reverse("accounts:login"), {"username": "nobody-here", "password": "wrong-password"})
    failed = dict(AuditEvent.objects.filter(event_type="auth.login_failed").values_list("actor_name", "region_path"))
    assert failed == {"P_UNIT": world.region.path, "nobody-here": ""}
