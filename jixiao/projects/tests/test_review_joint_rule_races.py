"""联合审核设置 against stale pages and simultaneous first saves: both are a 409 with nothing written (a stale save
silently put back the department another user had just chosen; a simultaneous first save was an IntegrityError)."""

from __future__ import annotations

import pytest

from conftest import World
from jixiao.core.errors import ConflictError
from jixiao.core.models import AuditEvent
from jixiao.core.tests.helpers import shown_form_data
from jixiao.projects import services
from jixiao.projects.models import JointReviewRule


def _shown_rural_form(page: object) -> dict[str, object]:
    forms = {theme: form for theme, _label, form, _rule in page.context["forms"]}  # type: ignore[attr-defined]
    return shown_form_data(forms["rural_link"])


def test_a_save_from_a_settings_page_shown_before_another_save_is_a_conflict(world: World) -> None:
    perf = world.login("performance")
    stale = _shown_rural_form(perf.get("/projects/joint-review/settings/"))
    services.joint_rule_save(
        actor=world.users["performance"], theme="rural_link", department_id=world.health.pk, is_active=True
    )
    response = perf.post(
        "/projects/joint-review/settings/save/", {**stale, "department": world.edu.pk, "is_active": "on"}
    )
    assert response.status_code == 409 and "已被他人修改" in response.content.decode()
    rule = JointReviewRule.objects.get(region=world.region, theme="rural_link")
    assert rule.department_id == world.health.pk and rule.version == 1
    # The page shown again carries the rule as it is now: saved once more after reading it, it goes through.
    again = _shown_rural_form(response)
    assert perf.post("/projects/joint-review/settings/save/", {**again, "department": world.edu.pk}).status_code == 302
    rule.refresh_from_db()
    assert (rule.department_id, rule.version) == (world.edu.pk, 2)
    assert AuditEvent.objects.filter(event_type="project.joint_rule_save").count() == 2


def test_two_first_saves_of_a_theme_at_once_are_a_conflict_not_an_integrity_error(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    actor = world.users["performance"]
    services.joint_rule_save(actor=actor, theme="rural_link", department_id=world.health.pk, is_active=True)
    # The second save read before the first was committed: it saw no rule.
    monkeypatch.setattr(JointReviewRule.objects, "select_for_update", lambda: JointReviewRule.objects.none())
    with pytest.raises(ConflictError):
        services.joint_rule_save(actor=actor, theme="rural_link", department_id=world.edu.pk, is_active=True)
    monkeypatch.undo()
    assert JointReviewRule.objects.get(region=world.region, theme="rural_link").department_id == world.health.pk
