"""Several regions swept in one pass give exactly what sweeping each region alone gives; a city (or province)
bureau's 立即计算 sweeps every county under it."""

from __future__ import annotations

import io
import json
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from jixiao.accounts.models import Membership
from jixiao.accounts.tests.factories import UserFactory
from jixiao.alerts import services, sweep_writes
from jixiao.alerts.models import ProjectLight, Warning
from jixiao.alerts.sweep import regions_to_sweep, sweep_region, sweep_regions
from jixiao.alerts.tests.conftest import pay
from jixiao.core.models import AuditEvent
from jixiao.organizations.models import FiscalRegion
from jixiao.organizations.tests.factories import FiscalRegionFactory

AUGUST = date(2026, 8, 20)


def _state() -> tuple[dict[Any, Any], dict[Any, Any]]:
    warnings = {
        (w.project_id, w.rule_id): (w.color, w.value, w.value_text, w.reason, w.record_id, w.as_of)
        for w in Warning.objects.filter(fiscal_year=2026)
    }
    lights = {
        light.project_id: (light.color, light.executed_yuan, light.reasons, light.as_of)
        for light in ProjectLight.objects.filter(fiscal_year=2026)
    }
    return warnings, lights


def _payments(w: Any) -> None:
    pay(w.school_project, "150000", date(2026, 3, 10))
    pay(w.hospital_project, "900000", date(2026, 8, 2))
    pay(w.far_project, "20000", date(2026, 7, 1))


def test_one_pass_over_two_regions_equals_two_single_sweeps(library: Any, monkeypatch: Any) -> None:
    w = library
    _payments(w)
    results = sweep_regions([w.other_region, w.region], 2026, AUGUST)
    together = _state()
    assert results[w.region.pk].projects == 3 and results[w.other_region.pk].projects == 1
    assert together[0] and len(together[1]) == 4
    audits = AuditEvent.objects.filter(event_type="alerts.sweep")
    assert sorted(a.object_id for a in audits) == sorted([str(w.region.pk), str(w.other_region.pk)])

    Warning.objects.all().delete()
    ProjectLight.objects.all().delete()
    sweep_region(w.region, 2026, AUGUST)
    sweep_region(w.other_region, 2026, AUGUST)
    assert _state() == together

    # And a second pass over unchanged data writes nothing, and compares the lights' reasons as the database's
    # JSON text without decoding them.
    assert any(reasons for _c, _e, reasons, _d in together[1].values())
    decoded: list[str] = []
    counting = SimpleNamespace(dumps=json.dumps, loads=lambda text: decoded.append(text))
    monkeypatch.setattr(sweep_writes, "json", counting)
    sweep_regions([w.region, w.other_region], 2026, AUGUST)
    monkeypatch.undo()
    assert _state() == together
    changes = AuditEvent.objects.filter(event_type="alerts.sweep").order_by("-id").first().changes  # type: ignore[union-attr]
    assert changes["warnings_written"] == 0 and changes["lights_written"] == 0 and decoded == []


def test_a_city_bureau_sweeps_its_counties(library: Any) -> None:
    w = library
    _payments(w)
    city = FiscalRegionFactory(mof_div_code="511700000", name="达州市", level=FiscalRegion.Level.CITY)
    for county in (w.region, w.other_region):
        county.parent = city
        county.save()
        county.path = county.build_path()
        county.save(update_fields=["path"])
    assert [r.pk for r in regions_to_sweep(city, 2026)] == sorted([w.region.pk, w.other_region.pk])
    assert [r.pk for r in regions_to_sweep(w.region, 2026)] == [w.region.pk]
    officer = UserFactory(username="city_perf")
    Membership.objects.create(user=officer, role="performance", region=city)
    officer.set_active_membership(officer.memberships.get())
    seen: list[tuple[int, int]] = []
    result = services.sweep(
        actor=officer, region=city, fiscal_year=2026, as_of=AUGUST, progress=lambda d, t: seen.append((d, t))
    )
    assert result.projects == 4 and seen == [(2, 2)]
    assert set(ProjectLight.objects.values_list("project_id", flat=True)) == {
        w.school_project.pk,
        w.branch_project.pk,
        w.hospital_project.pk,
        w.far_project.pk,
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_nightly_command_with_two_workers_writes_what_one_process_writes(fresh_world: Any, settings: Any) -> None:
    """`sweep_warnings --workers 2`: on PostgreSQL two forked processes share the passes (one region per pass
    here); on SQLite the command sweeps in-process. Either way the rows equal a one-process sweep's."""
    from jixiao.alerts.tests.conftest import in_library

    w = fresh_world
    in_library(w.school_project, w.branch_project, w.hospital_project, w.far_project)
    _payments(fresh_world)
    settings.JIXIAO_SWEEP_REGIONS_PER_PASS = 1
    out = io.StringIO()
    call_command("sweep_warnings", "--year", "2026", "--as-of", "2026-08-20", "--workers", "2", stdout=out)
    assert "渠县 2026年度（2026-08-20）：项目3个" in out.getvalue() and "宣汉县" in out.getvalue()
    parallel = _state()
    assert parallel[0] and len(parallel[1]) == 4
    Warning.objects.all().delete()
    ProjectLight.objects.all().delete()
    call_command("sweep_warnings", "--year", "2026", "--as-of", "2026-08-20", stdout=io.StringIO())
    assert _state() == parallel
    with pytest.raises(CommandError, match="正整数"):
        call_command("sweep_warnings", "--workers", "0")


def test_a_pass_runs_without_the_cyclic_collector(library: Any, monkeypatch: Any) -> None:
    """core.gcpause: the collector is off while the pass computes, and on again after it."""
    import gc

    from jixiao.alerts import sweep

    seen: list[bool] = []
    compute = sweep._compute

    def spy(*args: Any) -> Any:
        seen.append(gc.isenabled())
        return compute(*args)

    monkeypatch.setattr(sweep, "_compute", spy)
    gc.enable()
    sweep_regions([library.region], 2026, AUGUST)
    assert seen == [False]
    assert gc.isenabled()
