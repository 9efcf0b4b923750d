"""`manage.py generate_province`: complete counties, deterministic per county, the same rows whatever the workers."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from jixiao.accounts.models import Membership, SecurityPolicy, User
from jixiao.core.models import AuditEvent
from jixiao.demo.generator import CURRENT_YEAR, PREVIOUS_YEAR
from jixiao.demo.preassessment import SUPPORTIVE_STATUSES
from jixiao.demo.province import PROVINCE, ProvinceSummary, generate_province
from jixiao.demo.reset import DemoDataError, reset_demo
from jixiao.demo.tests.fingerprint import digest, fingerprint
from jixiao.evaluation.models import SelfEvaluation
from jixiao.execution.columns import HEADERS
from jixiao.monitoring.models import MonitoringRecord, RecordStatus
from jixiao.organizations.models import BudgetUnit, Department, FiscalRegion
from jixiao.preassessment import selectors
from jixiao.preassessment.models import Attachment, Conclusion, PreAssessment, PreAssessmentEvent, PreAssessmentStatus
from jixiao.projects.models import Project
from jixiao.targets.models import PerformanceTarget, TargetIndicator

SMALL = {"scale": 0.1, "payments_per_region": 300}
PROJECT_FIELDS = ("code", "name", "unit__agency_code", "category", "status", "fiscal_amount_yuan", "total_amount_yuan")


def _generate(tmp_path: Path, name: str, **kwargs: Any) -> tuple[ProvinceSummary, str]:
    path = tmp_path / name
    summary = generate_province(payments_csv=path, **SMALL, **kwargs)
    return summary, path.read_text(encoding="utf-8")


def _county_projects(code: str) -> list[tuple[Any, ...]]:
    return list(Project.objects.filter(region__mof_div_code=code).order_by("code").values_list(*PROJECT_FIELDS))


@pytest.mark.django_db
def test_one_county_has_every_part_and_its_payments_in_the_import_layout(tmp_path: Path) -> None:
    summary, text = _generate(tmp_path, "payments.csv", regions=1, workers=1)

    county = FiscalRegion.objects.get(mof_div_code="990101000")
    assert county.parent.mof_div_code == "990100000" and county.parent.parent.mof_div_code == PROVINCE[0]
    assert summary.region_codes == ["990101000"]
    assert summary.departments == Department.objects.filter(region=county).count() > 0
    assert summary.units == BudgetUnit.objects.filter(region=county).count() > summary.departments
    assert summary.users == Membership.objects.filter(region=county).count()
    assert summary.users == User.objects.filter(username__startswith="r001_").count()
    assert summary.projects == Project.objects.filter(region=county).count()
    assert summary.targets == PerformanceTarget.objects.filter(region=county).count() > 0
    assert summary.indicators == TargetIndicator.objects.filter(target__region=county).count()
    assert summary.monitoring_records == MonitoringRecord.objects.filter(region=county).count() > 0
    assert MonitoringRecord.objects.filter(region=county, status=RecordStatus.FILLING).exists()
    assert summary.self_evaluations == SelfEvaluation.objects.filter(region=county).count() > 0
    # Every project past the 事前评估 gate holds the concluded assessment of an earlier round, as in the demo county.
    rules = selectors.rules_for([county], (PREVIOUS_YEAR, CURRENT_YEAR))
    gated = [
        p
        for p in Project.objects.filter(region=county, status__in=SUPPORTIVE_STATUSES)
        if selectors.assessment_required(p, selectors.pick_rule(rules, county, p.fiscal_year))[0]
    ]
    assessed = PreAssessment.objects.filter(region=county, status=PreAssessmentStatus.CONCLUDED)
    assert summary.preassessments == assessed.count() == len(gated) > 0
    assert set(assessed.values_list("project_id", flat=True)) == {p.pk for p in gated}
    assert not assessed.exclude(conclusion__in=(Conclusion.SUPPORT, Conclusion.SUPPORT_REDUCED)).exists()
    first = assessed.order_by("pk").first()
    assert first is not None and first.created_at.year == first.fiscal_year - 1  # filed the autumn before
    assert PreAssessmentEvent.objects.filter(assessment=first).count() == 5
    assert Attachment.objects.filter(assessment=first, kind=Attachment.Kind.FEASIBILITY).count() == 1
    # Unit paths name their parents (ids are taken before the insert): a second-level unit's path holds its parent's.
    child = BudgetUnit.objects.filter(region=county, level=2).select_related("parent").first()
    assert child is not None and child.path == f"{child.parent.path}{child.agency_code}/"
    # The generated column is what the targets copied from their project.
    target = PerformanceTarget.objects.filter(region=county).select_related("project").first()
    assert target is not None and target.annual_total_yuan == target.project.total_amount_yuan

    rows = list(csv.reader(StringIO(text)))
    assert rows[0] == list(HEADERS)
    assert len(rows) - 1 == summary.payments > 0
    assert {row[2] for row in rows[1:]} == {"990101000"}
    codes = set(Project.objects.filter(region=county).values_list("code", flat=True))
    assert {row[4] for row in rows[1:]} <= codes


@pytest.mark.django_db
def test_a_county_is_the_same_whatever_the_number_of_counties(tmp_path: Path) -> None:
    _summary, two = _generate(tmp_path, "two.csv", regions=2, workers=1)
    first_of_two = _county_projects("990101000")
    assert first_of_two and _county_projects("990102000")
    reset_demo(county_code=PROVINCE[0], parent_codes=())
    assert not FiscalRegion.objects.filter(mof_div_code__startswith="99").exists()

    _summary, one = _generate(tmp_path, "one.csv", regions=1, workers=1)

    assert _county_projects("990101000") == first_of_two
    assert two.startswith(one) and len(two) > len(one)


@pytest.mark.django_db
def test_the_fast_monitoring_round_and_self_evaluation_equal_the_services(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr("jixiao.demo.province.county.VIA_SERVICES", True)
    by_services, _csv = _generate(tmp_path, "services.csv", regions=1, workers=1)
    reference = fingerprint()
    reset_demo(county_code=PROVINCE[0], parent_codes=())
    monkeypatch.setattr("jixiao.demo.province.county.VIA_SERVICES", False)

    fast, _csv = _generate(tmp_path, "fast.csv", regions=1, workers=1)

    assert fast.monitoring_records == by_services.monitoring_records > 0
    assert fast.self_evaluations == by_services.self_evaluations > 0
    rows = fingerprint()
    assert digest(rows) == digest(reference)
    assert rows == reference
    # Both paths leave the services' audit rows: created, issued and started, for each run.
    assert AuditEvent.objects.filter(event_type="monitoring.task_issue").count() == 2
    assert AuditEvent.objects.filter(event_type="evaluation.selfeval_start").count() == 2


@pytest.mark.django_db
def test_a_second_province_in_the_same_database_is_refused(tmp_path: Path) -> None:
    _generate(tmp_path, "payments.csv", regions=1, workers=1)
    with pytest.raises(DemoDataError, match="已存在"):
        _generate(tmp_path, "again.csv", regions=1, workers=1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"regions": 0}, "区划数须在1至"),
        ({"regions": 1, "scale": 0}, "规模系数"),
        ({"regions": 1, "workers": 0}, "进程数须在1至"),
    ],
)
def test_bad_options_are_refused_in_chinese(tmp_path: Path, options: dict[str, Any], message: str) -> None:
    with pytest.raises(DemoDataError, match=message):
        generate_province(payments_csv=tmp_path / "p.csv", **options)
    assert not FiscalRegion.objects.filter(mof_div_code=PROVINCE[0]).exists()


@pytest.mark.django_db
def test_several_workers_need_postgresql(tmp_path: Path) -> None:
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only: PostgreSQL accepts several workers")
    with pytest.raises(CommandError, match="多进程生成只支持 PostgreSQL"):
        call_command("generate_province", "--regions", "2", "--workers", "2", "--skip-checks")


@pytest.mark.django_db
def test_the_command_reports_what_it_built(tmp_path: Path) -> None:
    out = StringIO()
    path = tmp_path / "p.csv"
    call_command(
        "generate_province",
        "--regions",
        "1",
        "--scale",
        "0.1",
        "--payments-per-region",
        "200",
        "--payments-csv",
        str(path),
        "--skip-checks",
        stdout=out,
    )
    text = out.getvalue()
    assert "模拟省级数据已生成" in text and "县级区划 1 个" in text
    # Its logins work with the demo password alone, as seed_demo's (h98 had to switch TOTP off by hand).
    policy = SecurityPolicy.objects.get(pk=1)
    assert not policy.totp_required_finance and not policy.totp_required_admins and "无需动态口令" in text
    assert f"→ {path}" in text and path.exists()
    assert not any(p.name.endswith(".parts") for p in tmp_path.iterdir())  # the per-county parts are cleaned up


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_and_two_workers_give_the_same_rows_and_the_same_csv(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: worker processes need a database server")
    one, csv_one = _generate(tmp_path, "one.csv", regions=3, workers=1)
    rows_one = fingerprint()
    reset_demo(county_code=PROVINCE[0], parent_codes=())

    two, csv_two = _generate(tmp_path, "two.csv", regions=3, workers=2)
    rows_two = fingerprint()

    assert two.region_codes == one.region_codes == ["990101000", "990102000", "990103000"]
    assert vars(two) == vars(one)
    assert csv_two == csv_one
    assert digest(rows_two) == digest(rows_one)  # readable difference first: which table, how many rows
    assert rows_two == rows_one


@pytest.mark.django_db
def test_the_generated_tables_leave_with_planner_statistics(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's (SQLite plans without them)")
    summary, _text = _generate(tmp_path, "payments.csv", regions=1, workers=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [Project._meta.db_table])
        (estimate,) = cursor.fetchone()
    # Never analysed, PostgreSQL says -1; analysed, the row count it sampled (all of them at this size).
    assert estimate == summary.projects > 0
