"""An upper-level 真实性核查 whose projects the upper level names (DOMAIN.md §2.4.6 "a task listing the projects"):
the section enters the project codes instead of drawing. Every code must be a finance-reviewed project
self-evaluation the section sees; otherwise nothing is taken and the codes stay in the box."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from conftest import World
from jixiao.core.errors import ConflictError, DomainError
from jixiao.core.models import AuditEvent
from jixiao.evaluation import services_reeval
from jixiao.evaluation.models import AuthenticityCheck, AuthenticityItem, UpperCheckProject
from jixiao.evaluation.tests.selfeval_helpers import YEAR
from jixiao.evaluation.tests.test_upper_check import _final_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def undrawn(world: World, settings: Any, tmp_path: Path) -> AuthenticityCheck:
    settings.MEDIA_ROOT = str(tmp_path)
    _final_records(world)
    return services_reeval.check_create(
        actor=world.users["performance"],
        fiscal_year=YEAR,
        title="省财政指定项目核查",
        upper_level_request=True,
        materials_deadline=timezone.localdate() + timedelta(days=10),
    )


def _page(world: World, check: AuthenticityCheck) -> str:
    return world.login("performance").get(f"/evaluation/authenticity/{check.pk}/").content.decode()


def test_the_named_projects_are_taken_and_their_units_asked_for_materials(
    world: World, undrawn: AuthenticityCheck
) -> None:
    assert 'data-testid="auth-designate-form"' in _page(world, undrawn)
    response = world.login("performance").post(
        f"/evaluation/authenticity/{undrawn.pk}/", {"action": "designate", "codes": "P-HOSP\nP-SCHOOL、P-HOSP"}
    )
    assert response.status_code == 302
    check = AuthenticityCheck.objects.get(pk=undrawn.pk)
    assert check.designated and not check.seed and check.status == AuthenticityCheck.Status.CHECKING
    assert check.sample_size == 2 and check.population_size == 3
    assert set(AuthenticityItem.objects.filter(check_batch=check).values_list("code", flat=True)) == {
        "P-HOSP",
        "P-SCHOOL",
    }
    assert sorted(UpperCheckProject.objects.filter(check_batch=check).values_list("code", flat=True)) == [
        "P-HOSP",
        "P-SCHOOL",
    ]
    event = AuditEvent.objects.get(event_type="evaluation.authenticity_designate")
    assert event.changes["codes"] == [None, ["P-HOSP", "P-SCHOOL"]]
    page = _page(world, check)
    assert "上级指定 2 个项目" in page and 'data-testid="auth-designated"' in page
    assert 'data-testid="upper-card"' in page and "复核抽样" not in page
    with pytest.raises(DomainError, match="由上级指定"):
        services_reeval.check_verify(check)
    with pytest.raises(ConflictError):  # taken once: neither a draw nor another list afterwards
        services_reeval.check_draw(actor=world.users["performance"], check=check)


def test_an_unknown_code_takes_nothing_and_keeps_what_was_typed(world: World, undrawn: AuthenticityCheck) -> None:
    typed = "P-SCHOOL, P-NOSUCH ，P-FAR"
    response = world.login("performance").post(
        f"/evaluation/authenticity/{undrawn.pk}/", {"action": "designate", "codes": typed}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "以下项目编码不在可核查范围内" in body and "P-NOSUCH、P-FAR" in body
    assert typed in body  # the box shows the codes again
    check = AuthenticityCheck.objects.get(pk=undrawn.pk)
    assert not check.designated and check.status == AuthenticityCheck.Status.DRAFT
    assert not check.items.exists() and not UpperCheckProject.objects.filter(check_batch=check).exists()
    empty = world.login("performance").post(f"/evaluation/authenticity/{undrawn.pk}/", {"action": "designate"})
    assert empty.status_code == 400 and "请填写上级指定的项目编码" in empty.content.decode()


def test_only_an_upper_level_check_takes_a_named_list(world: World, undrawn: AuthenticityCheck) -> None:
    own = services_reeval.check_create(actor=world.users["performance"], fiscal_year=YEAR)
    assert 'data-testid="auth-designate-form"' not in _page(world, own)
    with pytest.raises(DomainError, match="只有上级财政核查"):
        services_reeval.check_designate(actor=world.users["performance"], check=own, codes_text="P-SCHOOL")
    assert not own.items.exists()
    # A unit has no business here at all.
    response = world.login("unit_user").post(
        f"/evaluation/authenticity/{undrawn.pk}/", {"action": "designate", "codes": "P-SCHOOL"}
    )
    assert response.status_code in (403, 404)
    assert not AuthenticityCheck.objects.get(pk=undrawn.pk).designated
