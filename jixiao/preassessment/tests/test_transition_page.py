"""The review buttons of an assessment's page: a refused step shows the page again with the opinion typed."""

from __future__ import annotations

from django.urls import reverse

from conftest import World
from jixiao.preassessment import services
from jixiao.preassessment.tests.test_services import SECTIONS


def test_a_refused_step_shows_the_page_again_with_the_opinion_typed(world: World) -> None:
    """Submitting an unfinished report, or returning without a reason, answers 400 with the Chinese message and the
    opinion still in its box; the filing stays where it was."""
    unit = world.users["unit_user"]
    partial = {**SECTIONS, "economy": "", "funding_compliance": ""}
    pa = services.preassessment_create(actor=unit, project=world.school_project, data=partial)
    url = reverse("preassessment:transition", args=[pa.pk])
    response = world.login("unit_user").post(url, {"action": "submit", "comment": "请主管部门尽快审核"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "请填写评估报告的以下部分：投入经济性、筹资合规性" in page and 'value="请主管部门尽快审核"' in page
    pa.refresh_from_db()
    assert pa.status == "draft"

    pa = services.preassessment_update(actor=unit, assessment=pa, data=SECTIONS)
    pa = services.preassessment_transition(actor=unit, assessment=pa, action="submit")
    response = world.login("dept_admin").post(url, {"action": "dept_return", "comment": "  "})
    assert response.status_code == 400 and "请填写" in response.content.decode()
    response = world.login("dept_admin").post(url, {"action": "", "comment": "测算依据不足"})
    assert response.status_code == 400 and 'value="测算依据不足"' in response.content.decode()
    pa.refresh_from_db()
    assert pa.status == "submitted"
