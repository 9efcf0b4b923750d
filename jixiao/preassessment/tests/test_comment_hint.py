"""The opinion box of the 事前评估 page fits the user's buttons: the unit submitting its filing was asked for an
“审核意见” that “退回时必须填写”, a step it cannot take."""

from __future__ import annotations

import re

from conftest import World
from jixiao.preassessment import services
from jixiao.preassessment.tests.test_services import SECTIONS


def _box(world: World, persona: str, pk: int) -> tuple[str, str]:
    page = world.login(persona).get(f"/preassessment/{pk}/").content.decode()
    label = re.search(r'<label class="form-label small" for="id_comment">([^<]*)</label>', page)
    placeholder = re.search(r'id="id_comment" name="comment"[^>]*placeholder="([^"]*)"', page)
    assert label and placeholder
    return label.group(1), placeholder.group(1)


def test_the_unit_is_offered_a_note_and_the_reviewer_an_opinion(world: World) -> None:
    unit = world.users["unit_user"]
    pa = services.preassessment_create(actor=unit, project=world.school_project, data=SECTIONS)
    assert _box(world, "unit_user", pa.pk) == ("说明", "选填")
    services.preassessment_transition(actor=unit, assessment=pa, action="submit")
    assert _box(world, "dept_admin", pa.pk) == ("审核意见", "退回时必须填写意见")
