"""A returned case gets a new period (review time is not the unit's delay); a refused step keeps the typed input on
the case as it is now (a second press is not refused again for the same stale page); a bad candidate key and a
double conversion answer in Chinese, not 500; the 整改台账 export and each letter download are audited."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from conftest import World
from jixiao.core.errors import ConflictError
from jixiao.core.models import AuditEvent
from jixiao.rectification import services
from jixiao.rectification.models import Rectification
from jixiao.rectification.tests.helpers import issued_case, overdue_by, pdf

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="lock_token" value="([0-9a-f]+)"')


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _token(client: Any, url: str) -> str:
    return TOKEN.findall(client.get(url).content.decode())[0]


def test_a_case_returned_after_its_deadline_gets_a_new_period(world: World) -> None:
    rect = issued_case(world)
    unit = world.login("unit_user")
    data = {"measures": "已整改", "reports": pdf(), "lock_token": _token(unit, f"/rectification/{rect.pk}/")}
    assert unit.post(f"/rectification/{rect.pk}/feedback/", data).status_code == 302
    rect = overdue_by(Rectification.objects.get(pk=rect.pk), 10)  # reviewed ten days after the deadline
    Rectification.objects.filter(pk=rect.pk).update(reminded_on=timezone.localdate() - timedelta(days=12))
    business = world.login("business")
    returned = {"reason": "佐证不全", "lock_token": _token(business, f"/rectification/{rect.pk}/")}
    assert business.post(f"/rectification/{rect.pk}/return/", returned).status_code == 302
    rect.refresh_from_db()
    assert rect.status == "returned" and rect.deadline > timezone.localdate() and rect.reminded_on is None
    result = services.rectification_sweep(actor=world.users["performance"])  # nothing overdue to chase
    rect.refresh_from_db()
    assert rect.escalation_level == 0 and rect.letters.count() == 1, result


def test_a_step_refused_as_stale_can_be_pressed_again(world: World) -> None:
    rect = issued_case(world)
    unit = world.login("unit_user")
    token = _token(unit, f"/rectification/{rect.pk}/")
    services.rectification_sweep(actor=world.users["performance"])  # nothing moves: same token
    Rectification.objects.filter(pk=rect.pk).update(version=rect.version + 1, requirements="补充要求")
    data = {"measures": "已建立资金台账", "reports": pdf(), "lock_token": token}
    response = unit.post(f"/rectification/{rect.pk}/feedback/", data)
    assert response.status_code == 409
    fresh = TOKEN.findall(response.content.decode())
    assert fresh and token not in fresh and "已建立资金台账" in response.content.decode()
    again = {"measures": "已建立资金台账", "reports": pdf(), "lock_token": fresh[0]}
    assert unit.post(f"/rectification/{rect.pk}/feedback/", again).status_code == 302


def test_bad_candidate_keys_are_ignored_not_a_500(world: World) -> None:
    client = world.login("performance")
    for key in ("projects.project:²", "projects.project:" + "9" * 30):
        response = client.post("/rectification/candidates/", {"key": key, "fiscal_year": 2026})
        assert response.status_code == 400 and "不存在" in response.content.decode()


def test_a_double_conversion_is_a_conflict(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import IntegrityError

    def clash(*args: Any, **kwargs: Any) -> Any:
        raise IntegrityError("uniq_finding_source")

    monkeypatch.setattr(services, "_cases_from_groups", clash)
    offered = SimpleNamespace(source_type="audit", department_id=1, unit_id=None, project_id=None)
    monkeypatch.setattr(services.selectors, "candidates_by_key", lambda user, year, keys: dict.fromkeys(keys, offered))
    with pytest.raises(ConflictError, match="所选问题已被转为整改事项，请刷新后重试"):
        services.findings_from_candidates(actor=world.users["performance"], fiscal_year=2026, keys=["a:1"])


def test_the_ledger_export_and_letter_downloads_are_audited(world: World) -> None:
    rect = issued_case(world)
    client = world.login("performance")
    assert client.get("/rectification/export/", {"fiscal_year": 2026}).status_code == 200
    assert AuditEvent.objects.filter(event_type="rectification.export").count() == 1
    letter = rect.letters.get()
    for _ in range(2):
        assert client.get(f"/rectification/{rect.pk}/letters/{letter.pk}/").status_code == 200
    assert AuditEvent.objects.filter(event_type="rectification.letter_download", object_id=str(rect.pk)).count() == 2
