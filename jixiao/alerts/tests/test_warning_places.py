"""A warning carries its project's region and code (`Warning.region`, `Warning.project_code`; the 预警列表 of a region
is scoped, counted and ordered from them): the sweep writes them, a project moved to another county or renumbered
takes its warnings along at once, a deleted project loses them, a sweep puts right a copy changed behind its back,
and the migration fills them for the warnings already stored."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from conftest import World, _member
from jixiao.alerts.models import Warning
from jixiao.alerts.selectors import warnings_filtered
from jixiao.alerts.sweep import sweep_region, sweep_regions
from jixiao.alerts.tests.conftest import in_library, pay
from jixiao.organizations.models import FinanceSection
from jixiao.organizations.tests.factories import FinanceSectionFactory, city_with_counties
from jixiao.projects import services as project_services
from jixiao.projects.models import Project
from jixiao.projects.tests.factories import ProjectFactory

JUNE = date(2026, 6, 15)


def _places() -> dict[int, set[tuple[int, str, int]]]:
    """Per project, the (region, code, severity) its warnings carry."""
    found: dict[int, set[tuple[int, str, int]]] = {}
    for project_id, region_id, code, severity in Warning.objects.values_list(
        "project_id", "region_id", "project_code", "severity"
    ):
        found.setdefault(project_id, set()).add((region_id, code, severity))
    return found


def _projects_places() -> dict[int, tuple[int, str]]:
    rows = Project.objects.filter(pk__in=Warning.objects.values("project_id"))
    return {pk: (region_id, code) for pk, region_id, code in rows.values_list("pk", "region_id", "code")}


def _assert_places_follow_projects() -> None:
    projects = _projects_places()
    assert projects
    for project_id, places in _places().items():
        assert {(region, code) for region, code, _severity in places} == {projects[project_id]}
    severities = dict(Warning.objects.values_list("color", "severity").distinct())
    assert {color: severities[color] for color in severities} == {
        color: {"RED": 0, "YELLOW": 1, "GREEN": 2}[color] for color in severities
    }


def _listed(user: Any) -> set[int]:
    return set(warnings_filtered(user, {"fiscal_year": 2026}).values_list("project_id", flat=True))


def test_the_sweep_writes_each_warning_with_its_projects_region_and_code(library: World) -> None:
    w = library
    pay(w.school_project, "150000", date(2026, 6, 10))
    sweep_regions([w.region, w.other_region], 2026, JUNE)
    _assert_places_follow_projects()
    assert {region for places in _places().values() for region, _code, _sev in places} == {
        w.region.pk,
        w.other_region.pk,
    }


def test_a_moved_or_renumbered_project_takes_its_warnings_along(library: World) -> None:
    w = library
    sweep_regions([w.region, w.other_region], 2026, JUNE)
    city, _counties = city_with_counties(w.region, w.other_region)
    section = FinanceSectionFactory(region=city, code="YS", name="预算科", kind=FinanceSection.Kind.BUDGET)
    city_budget = _member("city_budget", "budget", city, section=section)
    county_perf = w.users["performance"]
    assert w.hospital_project.pk in _listed(county_perf)

    # 县人民医院's project moves to 宣汉县 (its unit there): its warnings are listed there at once, before any sweep.
    project_services.project_update(actor=city_budget, project=w.hospital_project, data={"unit": w.far_unit})
    moved = Project.objects.get(pk=w.hospital_project.pk)
    assert moved.region_id == w.other_region.pk
    _assert_places_follow_projects()
    assert w.hospital_project.pk not in _listed(county_perf)
    far_perf = _member("far_perf", "performance", w.other_region)
    assert w.hospital_project.pk in _listed(far_perf)
    assert w.hospital_project.pk in _listed(city_budget)

    # Renumbered: the copies follow, and so does the list's order.
    project_services.project_update(actor=city_budget, project=moved, data={"code": "A-FIRST"})
    _assert_places_follow_projects()
    first = warnings_filtered(far_perf, {"fiscal_year": 2026, "color": "RED"}).first()
    assert first is not None and first.project_id == moved.pk and first.project_code == "A-FIRST"

    # A sweep leaves them right (nothing to rewrite) and rewrites a copy changed around save().
    before = set(Warning.objects.values_list("pk", flat=True))
    sweep_regions([w.region, w.other_region], 2026, JUNE)
    assert set(Warning.objects.values_list("pk", flat=True)) == before
    Project.objects.filter(pk=moved.pk).update(code="B-SECOND")  # no signal
    sweep_region(w.other_region, 2026, JUNE)
    _assert_places_follow_projects()
    assert set(Warning.objects.filter(project=moved).values_list("project_code", flat=True)) == {"B-SECOND"}


def test_a_deleted_project_loses_its_warnings_and_a_new_sweep_brings_them_back(library: World) -> None:
    w = library
    sweep_region(w.region, 2026, JUNE)
    county_perf = w.users["performance"]
    assert w.school_project.pk in _listed(county_perf)
    project = Project.objects.get(pk=w.school_project.pk)
    project.is_deleted = True
    project.save(update_fields=["is_deleted"])
    assert not Warning.objects.filter(project=project).exists()
    assert w.school_project.pk not in _listed(county_perf)
    sweep_region(w.region, 2026, JUNE)  # a deleted project is not swept
    assert not Warning.objects.filter(project=project).exists()
    project.is_deleted = False
    project.save(update_fields=["is_deleted"])
    sweep_region(w.region, 2026, JUNE)
    assert w.school_project.pk in _listed(county_perf)
    _assert_places_follow_projects()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_fills_the_region_and_code_of_stored_warnings(fresh_world: World) -> None:
    w = fresh_world
    in_library(w.school_project, w.hospital_project, w.far_project)
    gone = ProjectFactory(unit=w.hospital, code="P-GONE")
    Project.objects.filter(pk=gone.pk).update(is_deleted=True)
    executor = MigrationExecutor(connection)
    executor.migrate([("alerts", "0005_regional_row_labels")])
    try:
        old_apps = executor.loader.project_state([("alerts", "0005_regional_row_labels")]).apps
        warning = old_apps.get_model("alerts", "Warning")
        rule = old_apps.get_model("alerts", "WarningRule").objects.order_by("pk").first()
        for project, color in (
            (w.school_project, "RED"),
            (w.hospital_project, "GREEN"),
            (w.far_project, "YELLOW"),
            (gone, "RED"),
        ):
            warning.objects.create(project_id=project.pk, fiscal_year=2026, rule=rule, color=color, as_of=JUNE)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    rows = {
        project_id: (region_id, code, severity)
        for project_id, region_id, code, severity in Warning.objects.values_list(
            "project_id", "region_id", "project_code", "severity"
        )
    }
    assert rows == {
        w.school_project.pk: (w.region.pk, "P-SCHOOL", 0),
        w.hospital_project.pk: (w.region.pk, "P-HOSP", 2),
        w.far_project.pk: (w.other_region.pk, "P-FAR", 1),
    }  # the deleted project's warning is gone: the sweep computes none for it
