"""Two users saving the same code at once: the uniqueness checks take no lock, so the second write meets the
database's constraint. It is a 409 with a Chinese message, not a 500; one current fiscal year is a constraint too."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from conftest import World
from jixiao.core.errors import ConflictError
from jixiao.core.models import AuditEvent
from jixiao.organizations import services
from jixiao.organizations.models import BudgetUnit, Department, FiscalYear


@pytest.fixture
def race(monkeypatch: pytest.MonkeyPatch) -> None:
    """The other user's row arrives between the checks and the write: the checks see nothing."""
    monkeypatch.setattr(services, "_others", lambda queryset, obj: queryset.none())
    monkeypatch.setattr(services, "_clean", lambda instance: None)


def test_a_department_code_taken_meanwhile_is_a_409(world: World, race: Any) -> None:
    data = {"dept_code": "101", "name": "县教育局（重复）", "is_active": "on"}
    response = world.login("budget").post(reverse("organizations:department_create"), data)
    assert response.status_code == 409
    assert "编码已存在" in response.content.decode()
    assert Department.objects.filter(region=world.region, dept_code="101").count() == 1
    assert not AuditEvent.objects.filter(event_type="department.create").exists()


def test_a_unit_code_taken_meanwhile_is_a_409_and_the_transaction_goes_on(world: World, race: Any) -> None:
    with transaction.atomic(), pytest.raises(ConflictError, match="编码已存在"):
        services.unit_save(
            actor=world.users["budget"],
            unit=None,
            data={"agency_code": "101001", "name": "重复", "department": world.edu, "parent": None},
        )
    assert BudgetUnit.objects.filter(agency_code="101001", region=world.region).count() == 1


def test_the_database_keeps_one_current_fiscal_year(world: World) -> None:
    with transaction.atomic(), pytest.raises(IntegrityError):
        FiscalYear.objects.filter(pk=2027).update(is_current=True)
    assert list(FiscalYear.objects.filter(is_current=True).values_list("year", flat=True)) == [2026]


def test_setting_the_current_year_still_moves_the_flag(world: World) -> None:
    services.fiscal_year_set_current(actor=world.users["budget"], fiscal_year=FiscalYear.objects.get(pk=2027))
    assert list(FiscalYear.objects.filter(is_current=True).values_list("year", flat=True)) == [2027]
