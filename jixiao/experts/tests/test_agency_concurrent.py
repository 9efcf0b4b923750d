"""Two users registering the same agency at once: the second write meets the unique constraint, a 409 not a 500."""

from __future__ import annotations

import pytest
from django.db import transaction

from conftest import World
from jixiao.core.errors import ConflictError
from jixiao.core.models import AuditEvent
from jixiao.experts import services
from jixiao.experts.models import Agency


def test_an_agency_registered_meanwhile_is_a_409(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    Agency.objects.create(region=world.region, name="明信咨询", credit_code="91511700MA62D4L83R")
    monkeypatch.setattr(services, "_credit_code_taken", lambda row: False)  # the other row arrives after the check
    with transaction.atomic(), pytest.raises(ConflictError, match="编码已存在"):
        services.agency_save(
            actor=world.users["performance"],
            agency=None,
            data={"name": "明信咨询（重复）", "credit_code": "91511700MA62D4L83R"},
        )
    assert Agency.objects.filter(credit_code="91511700MA62D4L83R").count() == 1
    assert not AuditEvent.objects.filter(event_type="agency.create").exists()
