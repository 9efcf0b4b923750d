"""The rollup read (`annotate_execution_fast`, used by the warning sweep) equals the raw read (`annotate_execution`)
for any date, after every path that writes payments: the import (payments and refunds), the test factory,
deletions followed by `rollup_refresh`, and `rollup_rebuild` (which the demo seed calls after its bulk insert; the
import linter keeps jixiao.demo out of this app's tests). The payment totals (`PaymentTotal`) equal the payments
grouped after the same paths."""

from __future__ import annotations

import datetime as dt
import random
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Count, Q, Sum

from jixiao.execution import imports
from jixiao.execution.models import (
    DepartmentCumulativeExecution,
    DepartmentMonthExecution,
    Payment,
    PaymentTotal,
    ProjectMonthExecution,
    RegionMonthExecution,
)
from jixiao.execution.selectors import (
    annotate_execution,
    annotate_execution_fast,
    cumulative,
    execution_analysis,
    execution_by_department,
    execution_by_month,
    whole_departments,
)
from jixiao.execution.services import department_rollup_refresh, rollup_rebuild, rollup_refresh
from jixiao.execution.tests.factories import payment_create
from jixiao.execution.tests.helpers import csv_bytes, row, write
from jixiao.organizations.models import Department
from jixiao.projects.models import Project
from jixiao.projects.tests.factories import ProjectFactory

# Month ends and mid-month days, the first and last day of the year, a day before any payment, the next year.
DATES = [
    dt.date(2025, 12, 31),
    dt.date(2026, 1, 1),
    dt.date(2026, 1, 15),
    dt.date(2026, 2, 28),
    dt.date(2026, 3, 14),
    dt.date(2026, 3, 15),
    dt.date(2026, 3, 31),
    dt.date(2026, 4, 1),
    dt.date(2026, 4, 2),
    dt.date(2026, 6, 30),
    dt.date(2026, 9, 10),
    dt.date(2026, 12, 31),
    dt.date(2027, 1, 20),
]


def figures(projects: Any, day: dt.date, fast: bool) -> dict[int, Decimal]:
    annotate = annotate_execution_fast if fast else annotate_execution
    return dict(annotate(projects.order_by(), day).values_list("pk", "executed_yuan"))


def assert_equal_for_every_date(projects: Any) -> None:
    assert projects.exists()
    for day in DATES:
        raw, fast = figures(projects, day, False), figures(projects, day, True)
        assert raw == fast, f"{day}: raw {raw} != rollup {fast}"


def assert_payment_totals_equal_the_payments() -> None:
    keys = ("region_id", "department_id", "unit_id", "fiscal_year")
    refund = Q(amount_yuan__lt=0)
    grouped = Payment.objects.values(*keys).annotate(
        n=Count("*"),
        amount=Sum("amount_yuan"),
        refunds=Count("id", filter=refund),
        refunds_yuan=Sum("amount_yuan", filter=refund),
    )
    expected = {
        tuple(g[k] for k in keys): (g["n"], g["amount"], g["refunds"], g["refunds_yuan"] or Decimal("0.00"))
        for g in grouped.order_by()
    }
    values = ("payments", "amount_yuan", "refunds", "refunds_yuan")
    stored = {tuple(r[:4]): tuple(r[4:]) for r in PaymentTotal.objects.values_list(*keys, *values)}
    assert expected, "no payments to compare"
    assert stored == expected


def test_import_with_refunds_keeps_the_rollup_equal_to_raw_payments(world: Any, tmp_path: Path) -> None:
    content = csv_bytes(
        [
            row("V1", "1000.00", pay_date="2026-03-15"),
            row("V2", "250.50", pay_date="2026-04-02"),
            row("V3", "99", project="P-BRANCH", unit="101002", pay_date="2026-01-01"),
            row("V4", "-200", reverses="V1", pay_date="2026-03-31"),
            row("V5", "-50.25", reverses="V2", pay_date="2026-09-10"),
        ]
    )
    imports.import_payment_file(
        actor=world.users["budget"], region=world.region, path=write(tmp_path, "a.csv", content), file_name="a.csv"
    )
    projects = Project.objects.filter(region=world.region, fiscal_year=2026)
    assert_equal_for_every_date(projects)
    assert_payment_totals_equal_the_payments()
    at_day = figures(projects, dt.date(2026, 3, 31), True)
    assert at_day[world.school_project.pk] == Decimal("800.00")
    assert figures(projects, dt.date(2026, 4, 1), True)[world.school_project.pk] == Decimal("800.00")
    assert figures(projects, dt.date(2026, 4, 2), True)[world.school_project.pk] == Decimal("1050.50")


def test_factory_payments_deletions_and_rebuild_keep_the_rollup_equal(world: Any) -> None:
    school, hospital = world.school_project, world.hospital_project
    payment_create(school, "300.00", dt.date(2026, 1, 31))
    payment_create(school, "700.10", dt.date(2026, 3, 14))
    payment_create(hospital, "5000", dt.date(2026, 6, 30))
    late = payment_create(hospital, "-1200", dt.date(2026, 12, 31))
    projects = Project.objects.filter(pk__in=[school.pk, hospital.pk])
    assert_equal_for_every_date(projects)
    assert figures(projects, dt.date(2026, 12, 31), True)[hospital.pk] == Decimal("3800.00")

    # A deletion outside the import: the writer refreshes the months it touched.
    Payment.objects.filter(pk=late.pk).delete()
    rollup_refresh(project_ids=[hospital.pk], months=[(2026, 12)])
    assert_equal_for_every_date(projects)
    assert_payment_totals_equal_the_payments()
    assert figures(projects, dt.date(2026, 12, 31), True)[hospital.pk] == Decimal("5000.00")

    # A damaged rollup is repaired by a rebuild (and only the named projects' rows are touched).
    ProjectMonthExecution.objects.filter(project=school).update(amount_yuan=Decimal("1"))
    rollup_rebuild(project_ids=[school.pk])
    assert_equal_for_every_date(projects)
    PaymentTotal.objects.update(payments=0)
    rollup_rebuild(project_ids=[school.pk])  # the region's totals are rebuilt with it
    assert_payment_totals_equal_the_payments()


def test_rollup_refresh_of_some_months_leaves_other_months_alone(world: Any) -> None:
    school = world.school_project
    payment_create(school, "100", dt.date(2026, 2, 10))
    payment_create(school, "200", dt.date(2026, 5, 10))
    ProjectMonthExecution.objects.filter(project=school, month=2).update(amount_yuan=Decimal("999"))
    rollup_refresh(project_ids=[school.pk], months=[(2026, 5)])
    months = dict(ProjectMonthExecution.objects.filter(project=school).values_list("month", "amount_yuan"))
    assert months == {2: Decimal("999.00"), 5: Decimal("200.00")}  # month 2 was not asked for
    rollup_refresh(project_ids=[school.pk], months=[(2026, 2)])
    assert_equal_for_every_date(Project.objects.filter(pk=school.pk))


def test_many_projects_with_scattered_payments_and_refunds_agree_on_every_date(world: Any) -> None:
    rng = random.Random(11)
    projects = [
        ProjectFactory(unit=world.school, code=f"R-{n:03d}", fiscal_amount_yuan=Decimal("800000")) for n in range(8)
    ]
    for project in projects:
        for _ in range(rng.randint(0, 6)):
            day = dt.date(rng.choice([2025, 2026, 2026, 2026]), rng.randint(1, 12), rng.randint(1, 28))
            payment_create(project, f"{rng.randint(-500, 5000)}.{rng.randint(0, 99):02d}", day)
    assert_equal_for_every_date(Project.objects.filter(code__startswith="R-"))
    assert_payment_totals_equal_the_payments()


def test_execution_by_department_equals_the_per_project_sum(world: Any) -> None:
    payment_create(world.school_project, "1000", dt.date(2026, 3, 1))
    payment_create(world.branch_project, "500", dt.date(2026, 7, 1))
    payment_create(world.hospital_project, "2500", dt.date(2026, 2, 1))
    projects = Project.objects.filter(region=world.region)
    rows = {r["department_id"]: r for r in execution_by_department(projects, 2026, 6)}
    expected: dict[int, Decimal] = {}
    for project in annotate_execution(projects.filter(fiscal_year=2026), dt.date(2026, 6, 30)):
        expected[project.department_id] = expected.get(project.department_id, Decimal(0)) + project.executed_yuan
    assert {pk: r["executed"] for pk, r in rows.items()} == expected
    assert rows[world.school_project.department_id]["executed"] == Decimal("1000.00")  # July is after June
    budgets = [r["budget"] for r in execution_by_department(projects, 2026, 6)]
    assert budgets == sorted(budgets, reverse=True)


# ---- the department × month rollup (province-wide dashboards) ---------------------------------------------------


def _department_rollup_expected() -> dict[tuple[int, int, int, int], Decimal]:
    """The department rollup recomputed by hand from the project rollup of in-library, undeleted projects."""
    expected: dict[tuple[int, int, int, int], Decimal] = {}
    rows = ProjectMonthExecution.objects.filter(
        project__status=Project.Status.IN_LIBRARY, project__is_deleted=False
    ).values_list("project__department_id", "project__fiscal_year", "fiscal_year", "month", "amount_yuan")
    for department, project_year, year, month, amount in rows:
        key = (department, project_year, year, month)
        expected[key] = expected.get(key, Decimal(0)) + amount
    return expected


def _department_rollup_stored() -> dict[tuple[int, int, int, int], Decimal]:
    return {
        (d, py, y, m): a
        for d, py, y, m, a in DepartmentMonthExecution.objects.values_list(
            "department_id", "project_year", "fiscal_year", "month", "amount_yuan"
        )
    }


def _assert_cumulative_matches_the_monthly_rows() -> None:
    """Every department and project year with monthly rows has twelve cumulative rows: the payments through the
    end of month m of the project year, earlier years included, later years not."""
    expected: dict[tuple[int, int, int], Decimal] = {}
    monthly = _department_rollup_stored()
    for department, project_year in {(d, py) for d, py, _y, _m in monthly}:
        for month in range(1, 13):
            expected[(department, project_year, month)] = sum(
                (
                    amount
                    for (d, py, y, m), amount in monthly.items()
                    if (d, py) == (department, project_year) and (y < py or (y == py and m <= month))
                ),
                Decimal("0.00"),
            )
    stored = DepartmentCumulativeExecution.objects.values_list(
        "department_id", "project_year", "month", "executed_yuan"
    )
    assert {(d, py, m): a for d, py, m, a in stored} == expected


def _assert_analysis_paths_agree(world: Any) -> None:
    """execution_analysis reads the region and department rollups for region, section and department users; the
    per-project rollup over the same visible projects must give the same months and departments."""
    by_region: dict[tuple[int, int, int, int], Decimal] = {}
    for (department, project_year, year, month), amount in _department_rollup_stored().items():
        region = Department.objects.get(pk=department).region_id
        key = (region, project_year, year, month)
        by_region[key] = by_region.get(key, Decimal(0)) + amount
    stored = RegionMonthExecution.objects.values_list(
        "region_id", "project_year", "fiscal_year", "month", "amount_yuan"
    )
    assert {(r, py, y, m): a for r, py, y, m, a in stored} == by_region
    _assert_cumulative_matches_the_monthly_rows()
    for persona in ("performance", "business", "dept_admin", "leader"):
        user = world.users[persona]
        user.set_active_membership(user.memberships.first())
        assert whole_departments(user) is not None, persona
        projects = Project.objects.visible_to(user).filter(fiscal_year=2026, status=Project.Status.IN_LIBRARY)
        for month in (1, 6, 12):
            data = execution_analysis(user, 2026, month)
            assert data["cumulative"] == cumulative(execution_by_month(projects, 2026)), persona
            got = [{k: v for k, v in row.items() if k != "gap"} for row in data["departments"]]
            assert got == execution_by_department(projects, 2026, month), (persona, month)
            _assert_totals_are_the_projects(data, projects)
    unit_user = world.users["unit_user"]
    unit_user.set_active_membership(unit_user.memberships.first())
    assert whole_departments(unit_user) is None  # a unit sees part of its department: the project rollup
    projects = Project.objects.visible_to(unit_user).filter(fiscal_year=2026, status=Project.Status.IN_LIBRARY)
    _assert_totals_are_the_projects(execution_analysis(unit_user, 2026, 12), projects)


def _assert_totals_are_the_projects(data: dict[str, Any], projects: Any) -> None:
    """The budget and project count (summed from the department rows) are those of the visible projects."""
    assert data["project_count"] == len(projects)
    assert data["budget"] == sum((p.total_amount_yuan for p in projects), Decimal("0.00"))


def test_department_rollup_follows_payments_imports_status_moves_and_deletions(world: Any, tmp_path: Path) -> None:
    school, branch, hospital = world.school_project, world.branch_project, world.hospital_project
    for project in (school, branch, hospital):
        project.status = Project.Status.IN_LIBRARY
        project.save(update_fields=["status"])
    payment_create(school, "1000", dt.date(2026, 3, 1))
    payment_create(branch, "500.55", dt.date(2026, 7, 1))
    payment_create(hospital, "2500", dt.date(2026, 2, 1))
    payment_create(hospital, "-300", dt.date(2026, 5, 9))
    payment_create(school, "40", dt.date(2025, 12, 20))  # paid before the project year: in every month's total
    payment_create(school, "7", dt.date(2027, 1, 20))  # paid after it: in none
    stored = _department_rollup_stored()
    assert stored == _department_rollup_expected()
    assert stored[(world.edu.pk, 2026, 2026, 3)] == Decimal("1000.00")
    _assert_analysis_paths_agree(world)

    content = csv_bytes([row("V1", "88.10", pay_date="2026-04-02"), row("V2", "11", pay_date="2026-06-30")])
    imports.import_payment_file(
        actor=world.users["budget"], region=world.region, path=write(tmp_path, "a.csv", content), file_name="a.csv"
    )
    assert _department_rollup_stored() == _department_rollup_expected()
    _assert_analysis_paths_agree(world)
    assert_payment_totals_equal_the_payments()  # the import added to the totals the factory's payments built

    branch.status = Project.Status.SUBMITTED  # out of the library: its payments leave the department's rows
    branch.save(update_fields=["status", "updated_at"])
    assert (world.edu.pk, 2026, 2026, 7) not in _department_rollup_stored()
    assert _department_rollup_stored() == _department_rollup_expected()

    hospital.department = world.edu  # moved to another department: both departments are rebuilt
    hospital.save()
    stored = _department_rollup_stored()
    assert stored == _department_rollup_expected() and not any(key[0] == world.health.pk for key in stored)
    _assert_analysis_paths_agree(world)

    school.is_deleted = True
    school.save(update_fields=["is_deleted"])
    assert _department_rollup_stored() == _department_rollup_expected()
    _assert_analysis_paths_agree(world)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_refreshes_of_one_department_take_turns(fresh_world: Any) -> None:
    """An import and a project change refreshing the same department at the same moment: both succeed (advisory
    locks per department and region), and the rows are right afterwards. PostgreSQL only (SQLite has one writer)."""
    from django.db import connection, connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL only")
    for project in (fresh_world.school_project, fresh_world.branch_project):
        project.status = Project.Status.IN_LIBRARY
        project.save(update_fields=["status"])
    payment_create(fresh_world.school_project, "1000", dt.date(2026, 3, 1))
    payment_create(fresh_world.branch_project, "250", dt.date(2026, 4, 1))
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def refresh() -> None:
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                department_rollup_refresh(department_ids=[fresh_world.edu.pk, fresh_world.health.pk])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert _department_rollup_stored() == _department_rollup_expected()
    _assert_analysis_paths_agree(fresh_world)
