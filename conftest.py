"""Personas shared by every app's tests (ARCHITECTURE.md §Tests).

One small county: two departments (教育局 对口 教科文股, 卫健局 对口 社保股), each with a first-level unit;
教育局's unit has a second-level unit. `world` gives each test fresh instances of it, built once per worker (see
`SharedBlock`); `fresh_world` builds it for one transactional test; persona fixtures log a client in.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Model
from django.test import Client

from jixiao.accounts.models import Membership, User
from jixiao.accounts.tests.factories import TEST_PASSWORD, UserFactory
from jixiao.organizations.models import BudgetUnit, Department, FinanceSection, FiscalRegion
from jixiao.organizations.tests.factories import (
    BudgetUnitFactory,
    DepartmentFactory,
    FinanceSectionFactory,
    FiscalRegionFactory,
    FiscalYearFactory,
)
from jixiao.projects.models import Project
from jixiao.projects.tests.factories import ProjectFactory


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Each test starts with an empty cache (the security policy is cached), as its database starts clean.

    Django also caches content type ids per process; a browser test's flush deletes the rows behind them, so a
    generic link written later (documents, disclosure, findings, signatures) would point at a missing row.
    """
    cache.clear()
    ContentType.objects.clear_cache()
    yield
    cache.clear()
    ContentType.objects.clear_cache()


# Reference rows created by data migrations (rule sets, scoring templates, the indicator library, settings): live
# server tests are transactional, and the flush after each one empties every table, so the next test on the same
# worker would start without them (pytest-django #329, #1117: serialized_rollback does not survive live_server).
# They are captured once per worker from the freshly migrated database, before any test can flush it (this
# fixture is autouse and session-scoped, so it runs first), and tests/browser/conftest.py puts them back.
SKIPPED_MODELS = {"core.auditevent", "core.auditchainhead"}


@pytest.fixture(scope="session", autouse=True)
def _reference_rows(django_db_setup: Any, django_db_blocker: Any) -> list[str]:
    from django.apps import apps
    from django.core import serializers
    from django.db import connection

    # When no collected test uses the database pytest-django sets none up, and the connection still names the
    # development database: never read it (a run of database-free tests alone would have).
    if connection.settings_dict["NAME"] != connection.creation._get_test_db_name():
        return []
    with django_db_blocker.unblock():
        models = [
            model
            for model in apps.get_models()
            if model.__module__.startswith("jixiao.") and model._meta.label_lower not in SKIPPED_MODELS
        ]
        ordered = serializers.sort_dependencies([(None, models)], allow_cycles=True)  # type: ignore[arg-type]
        return [
            serializers.serialize("json", model._default_manager.order_by("pk"))
            for model in ordered
            if model._default_manager.exists()
        ]


PERSONAS = [
    "performance",
    "budget",
    "business",
    "dept_admin",
    "unit_user",
    "other_unit_user",
    "expert",
    "agency",
    "leader",
    "oversight",
    "sys_admin",
    "sec_admin",
    "audit_admin",
]


@dataclass
class World:
    region: FiscalRegion
    other_region: FiscalRegion
    perf_section: FinanceSection
    budget_section: FinanceSection
    edu_section: FinanceSection
    health_section: FinanceSection
    edu: Department
    health: Department
    school: BudgetUnit
    school_branch: BudgetUnit
    hospital: BudgetUnit
    far_unit: BudgetUnit
    school_project: Project
    branch_project: Project
    hospital_project: Project
    far_project: Project
    users: dict[str, User]

    def login(self, persona: str) -> Client:
        client = Client()
        assert client.login(username=self.users[persona].username, password=TEST_PASSWORD)
        return client


def _member(username: str, role: str, region: FiscalRegion, **orgs: Any) -> User:
    user = UserFactory(username=username, display_name=username)
    Membership.objects.create(user=user, role=role, region=region, **orgs)
    return user


def build_world() -> World:
    FiscalYearFactory(year=2026, is_current=True)
    FiscalYearFactory(year=2027, is_current=False)
    region = FiscalRegionFactory(mof_div_code="511725000", name="渠县")
    other = FiscalRegionFactory(mof_div_code="511722000", name="宣汉县")
    perf = FinanceSectionFactory(region=region, code="JX", name="绩效股", kind=FinanceSection.Kind.PERFORMANCE)
    budget = FinanceSectionFactory(region=region, code="YS", name="预算股", kind=FinanceSection.Kind.BUDGET)
    edu_s = FinanceSectionFactory(region=region, code="KW", name="教科文股")
    health_s = FinanceSectionFactory(region=region, code="SB", name="社保股")
    edu = DepartmentFactory(region=region, dept_code="101", name="县教育局", finance_section=edu_s)
    health = DepartmentFactory(region=region, dept_code="102", name="县卫健局", finance_section=health_s)
    far_dept = DepartmentFactory(region=other, dept_code="101", name="宣汉县教育局")
    school = BudgetUnitFactory(department=edu, agency_code="101001", name="县第一中学")
    branch = BudgetUnitFactory(department=edu, agency_code="101002", name="县第一中学分校", parent=school, level=2)
    hospital = BudgetUnitFactory(department=health, agency_code="102001", name="县人民医院")
    far_unit = BudgetUnitFactory(department=far_dept, agency_code="101001", name="宣汉县中学")
    users = {
        "performance": _member("p_perf", "performance", region, section=perf),
        "budget": _member("p_budget", "budget", region, section=budget),
        "business": _member("p_business", "business", region, section=edu_s),
        "dept_admin": _member("p_dept", "dept_admin", region, department=edu),
        "unit_user": _member("p_unit", "unit_user", region, unit=school),
        "other_unit_user": _member("p_other", "unit_user", region, unit=hospital),
        "expert": _member("p_expert", "expert", region),
        "agency": _member("p_agency", "agency", region),
        "leader": _member("p_leader", "leader", region),
        "oversight": _member("p_oversight", "oversight", region),
        "sys_admin": _member("p_sys", "sys_admin", region),
        "sec_admin": _member("p_sec", "sec_admin", region),
        "audit_admin": _member("p_audit", "audit_admin", region),
    }
    return World(
        region=region,
        other_region=other,
        perf_section=perf,
        budget_section=budget,
        edu_section=edu_s,
        health_section=health_s,
        edu=edu,
        health=health,
        school=school,
        school_branch=branch,
        hospital=hospital,
        far_unit=far_unit,
        school_project=ProjectFactory(unit=school, code="P-SCHOOL", name="一中教学设备购置"),
        branch_project=ProjectFactory(unit=branch, code="P-BRANCH", name="分校食堂改造"),
        hospital_project=ProjectFactory(unit=hospital, code="P-HOSP", name="医院信息化建设"),
        far_project=ProjectFactory(unit=far_unit, code="P-FAR", name="外县项目"),
        users=users,
    )


# The world is built once per worker (about 2,700 tests ask for it; building it took 0.1–0.25 s each, a fifth of
# CI's time) inside a transaction held open while those tests run, each in a savepoint of its own (pytest-django's
# `db`). Each test gets fresh instances of the rows (`_load_world`), so what one test changes in memory or in the
# database never reaches the next. Tests asking for `world` run in one block on each worker, after every other test
# and before the demo county's (`pytest_collection_modifyitems`). A transactional test cannot run inside that
# transaction: it asks for `fresh_world`, built for it alone.
@dataclass(frozen=True)
class _WorldKeys:
    fields: dict[str, tuple[type[Model], Any]]
    users: dict[str, Any]
    rows: list[tuple[type[Model], Any]]  # every row above, and the rows their foreign keys point at


def _world_rows(world: World) -> list[Model]:
    """The world's rows and the rows their foreign keys point at (regions, sections, the other county's department)."""
    seen: dict[tuple[type[Model], Any], Model] = {}
    todo: list[Model] = [getattr(world, f.name) for f in fields(World) if f.name != "users"]
    todo += list(world.users.values())
    while todo:
        obj = todo.pop()
        key = (obj._meta.concrete_model, obj.pk)
        if key in seen:
            continue
        seen[key] = obj
        todo += [value for value in obj._state.fields_cache.values() if isinstance(value, Model)]
    return list(seen.values())


def _load_world(keys: _WorldKeys) -> World:
    wanted: dict[type[Model], list[Any]] = {}
    for model, pk in keys.rows:
        wanted.setdefault(model, []).append(pk)
    rows = {
        (model, pk): obj for model, pks in wanted.items() for pk, obj in model._default_manager.in_bulk(pks).items()
    }
    # Wire the foreign keys between them, as the factories left them: world.school.department is world.edu.
    for obj in rows.values():
        for field in obj._meta.concrete_fields:
            if field.many_to_one or field.one_to_one:
                target = rows.get((field.related_model._meta.concrete_model, getattr(obj, field.attname)))
                if target is not None:
                    field.set_cached_value(obj, target)
    return World(
        **{name: rows[key] for name, key in keys.fields.items()},
        users={persona: rows[(User, pk)] for persona, pk in keys.users.items()},
    )


@pytest.fixture(scope="session")
def _world_block(_shared_block: SharedBlock) -> _WorldKeys:
    def build() -> _WorldKeys:
        world = build_world()
        return _WorldKeys(
            fields={
                f.name: (getattr(world, f.name)._meta.concrete_model, getattr(world, f.name).pk)
                for f in fields(World)
                if f.name != "users"
            },
            users={persona: user.pk for persona, user in world.users.items()},
            rows=[(obj._meta.concrete_model, obj.pk) for obj in _world_rows(world)],
        )

    return _shared_block.open("world", build)


@pytest.fixture
def world(_world_block: _WorldKeys, _shared_block: SharedBlock, request: pytest.FixtureRequest, db: None) -> World:
    if _block_of(request.node) != "world":
        pytest.fail("a transactional test cannot read the shared `world`: ask for `fresh_world` (conftest.py)")
    if _shared_block.name != "world":
        pytest.fail("the shared `world` was rolled back by a test run out of the usual order (conftest.py)")
    return _load_world(_world_block)


@pytest.fixture
def fresh_world(db: None) -> World:
    """The world built for one test alone: for transactional tests, which cannot run inside the shared block."""
    return build_world()


@pytest.fixture
def anonymous_client() -> Client:
    return Client()


# The demo county, seeded once per worker for the tests that only read it (about twenty of them used to seed it
# each, some 12–30 s apiece: CI's time budget). The seed runs in a transaction that stays open to the end of
# the session; each test using it runs in a savepoint inside it (pytest-django's `db`), so what a test writes is
# rolled back and the next one sees the county as seeded. The tests asking for it are run last on each worker
# (pytest_collection_modifyitems below), so no other test ever runs inside that transaction.
DEMO_SCALE = 0.1


@pytest.fixture(scope="session")
def demo_county(_shared_block: SharedBlock, tmp_path_factory: Any) -> Any:
    """The output of `seed_demo --scale 0.1 --print-logins`; the data are in the database for the whole session.

    A test seeding with other options (a reset, another seed or scale) calls the command itself."""
    from io import StringIO

    from django.core.management import call_command
    from django.test import override_settings

    media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("demo_media")))
    media.enable()

    def build() -> str:
        out = StringIO()
        call_command("seed_demo", scale=DEMO_SCALE, print_logins=True, stdout=out)
        return out.getvalue()

    yield _shared_block.open("demo", build)
    _shared_block.close()
    media.disable()


class SharedBlock:
    """One transaction per worker, held open while a block of tests reads the rows built in it (the world, then the
    demo county); each test runs in a savepoint inside it. Opening a block rolls the previous one back."""

    def __init__(self, blocker: Any, reference_rows: list[str]) -> None:
        self.blocker = blocker
        self.reference_rows = reference_rows
        self.name: str | None = None
        self._atomic: Any = None

    def open(self, name: str, build: Any) -> Any:
        from django.db import transaction

        self.close()
        with self.blocker.unblock():
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            self.name = name
            restore_reference_rows(self.reference_rows)  # a transactional test before may have flushed them
            return build()

    def close(self) -> None:
        from django.db import transaction

        if self._atomic is None:
            return
        with self.blocker.unblock():
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)
        self._atomic = None
        self.name = None


_SHARED: list[SharedBlock] = []


@pytest.fixture(scope="session")
def _shared_block(django_db_setup: Any, django_db_blocker: Any, _reference_rows: list[str]) -> Any:
    block = SharedBlock(django_db_blocker, _reference_rows)
    _SHARED.append(block)
    yield block
    block.close()
    _SHARED.remove(block)


def _is_transactional(item: Any) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    names = getattr(item, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names


def _block_of(item: Any) -> str | None:
    names = getattr(item, "fixturenames", ())
    if "demo_county" in names:
        return "demo"
    if "world" in names and not _is_transactional(item):
        return "world"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: Any) -> None:
    """A test outside the blocks, run after one was opened (out of the usual order), closes it first."""
    if _block_of(item) is None:
        for block in _SHARED:
            block.close()


def restore_reference_rows(blobs: list[str]) -> None:
    """Put back the rows the data migrations wrote (see `_reference_rows`) and the content types."""
    from django.apps import apps
    from django.core import serializers

    for blob in blobs:
        for obj in serializers.deserialize("json", blob):
            obj.save()
    # The flush after a transactional test also empties django_content_type, which migrate fills in production;
    # generic links (documents, findings, disclosure, signatures) look their rows up by natural key.
    ContentType.objects.clear_cache()
    ContentType.objects.get_for_models(*apps.get_models())


@pytest.hookimpl(trylast=True)  # after pytest-django's own ordering (db, transactional, the rest)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests reading the shared world, then those reading the shared demo county, go last, each block in its
    collection order (see `SharedBlock`), after every transactional test (whose flush would end the block's
    transaction). The order is the same on every xdist worker, and each worker is handed increasing runs of it."""
    order = {None: 0, "world": 1, "demo": 2}
    items.sort(key=lambda item: order[_block_of(item)])
