"""The case's letters open as documents: downloading one from the case signs the receipt, and the page links it."""

from __future__ import annotations

import pytest

from conftest import World
from jixiao.documents.models import DocumentRecipient
from jixiao.rectification.models import RectificationLetter
from jixiao.rectification.tests.helpers import issued_case

pytestmark = pytest.mark.django_db


def test_downloading_the_notice_from_the_case_signs_it(world: World) -> None:
    from jixiao.core.todos import for_user

    rect = issued_case(world)
    letter = RectificationLetter.objects.get(rectification=rect, kind="NOTICE")
    unit = world.login("unit_user")
    page = unit.get(f"/rectification/{rect.pk}/").content.decode()
    assert f'href="/documents/{letter.document_id}/"' in page
    row = DocumentRecipient.objects.get(document_id=letter.document_id)
    assert row.read_at is None
    # The business section downloading it signs nothing (it is not an addressee).
    assert world.login("business").get(f"/rectification/{rect.pk}/letters/{letter.pk}/").status_code == 200
    row.refresh_from_db()
    assert row.read_at is None
    assert unit.get(f"/rectification/{rect.pk}/letters/{letter.pk}/").status_code == 200
    row.refresh_from_db()
    assert row.read_by == world.users["unit_user"]
    assert not [i for i in for_user(world.users["unit_user"]) if i.title == "收到的文书未签收"]


def test_the_sweeps_steps_are_signed_by_the_system_in_chinese(world: World) -> None:
    from django.utils import timezone

    from jixiao.rectification import services
    from jixiao.rectification.tests.helpers import overdue_by

    rect = overdue_by(issued_case(world), 7)
    assert services.rectification_sweep(today=timezone.localdate()).reminder_letters == 1
    page = world.login("performance").get(f"/rectification/{rect.pk}/").content.decode()
    events = page.split('data-testid="rect-events"')[1].split("</ul>")[0]
    assert "系统" in events and "system" not in events
