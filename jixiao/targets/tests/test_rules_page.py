"""The performance section overrides smart-check rules for its region through the settings page."""

from __future__ import annotations

import pytest

from conftest import PERSONAS, World
from jixiao.core.models import AuditEvent
from jixiao.targets.checks import effective_rules
from jixiao.targets.models import SmartCheckRule


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_performance_section_configures_rules(world: World, persona: str) -> None:
    response = world.login(persona).get("/targets/rules/")
    assert response.status_code == (200 if persona == "performance" else 403)
    if persona == "performance":  # parameters read as JSON, not as a Python dict
        assert "{&#x27;" not in response.content.decode() and "{&quot;" in response.content.decode()


def test_disabling_a_rule_for_the_region_takes_effect_and_is_audited(world: World) -> None:
    client = world.login("performance")
    response = client.post("/targets/rules/T-DUP-NAME/", {"severity": "error", "params": ""})
    assert response.status_code == 302
    rule = SmartCheckRule.objects.get(code="T-DUP-NAME", region=world.region)
    assert rule.is_enabled is False
    assert "T-DUP-NAME" not in effective_rules(world.region, 2026)
    assert "T-DUP-NAME" in effective_rules(world.other_region, 2026)
    assert AuditEvent.objects.filter(event_type="target.check_rule").exists()
    assert "已停用" in client.get("/targets/rules/").content.decode()


def test_parameters_override_only_the_given_keys(world: World) -> None:
    client = world.login("performance")
    client.post(
        "/targets/rules/T-FAR-ABOVE-HISTORY/", {"severity": "error", "is_enabled": "on", "params": '{"ratio": "3"}'}
    )
    rule = effective_rules(world.region, 2026)["T-FAR-ABOVE-HISTORY"]
    assert rule.severity == "error" and rule.params["ratio"] == "3"


@pytest.mark.parametrize(
    ("code", "params", "message"),
    [
        ("T-FAR-ABOVE-HISTORY", "{ratio: 3", "JSON"),
        ("T-FAR-ABOVE-HISTORY", '{"unknown": 1}', "没有参数"),
        ("T-NOPE", "", "没有编码"),
    ],
)
def test_bad_input_is_refused_with_a_chinese_message(world: World, code: str, params: str, message: str) -> None:
    client = world.login("performance")
    response = client.post(
        f"/targets/rules/{code}/", {"severity": "warning", "is_enabled": "on", "params": params}, follow=True
    )
    assert message in response.content.decode()
    assert not SmartCheckRule.objects.filter(region=world.region).exists()


@pytest.mark.parametrize("params", ['{"ratio": "abc"}', '{"ratio": true}'])
def test_a_non_numeric_ratio_is_refused(world: World, params: str) -> None:
    response = world.login("performance").post(
        "/targets/rules/T-FAR-ABOVE-HISTORY/",
        {"severity": "warning", "is_enabled": "on", "params": params},
        follow=True,
    )
    assert "须为数值" in response.content.decode()


def test_a_broken_rule_row_is_reported_not_a_500(world: World) -> None:
    from jixiao.targets import services
    from jixiao.targets.checks import run_checks

    SmartCheckRule.objects.create(
        code="T-NO-OUTPUT", name="x", severity="error", params={"keyword": 5}, region=world.region
    )
    from jixiao.targets.tests.test_services import _rows

    target = services.target_create_for_project(actor=world.users["unit_user"], project=world.school_project)
    services.target_save_indicators(actor=world.users["unit_user"], target=target, rows=_rows(target))
    codes = [(f.code, f.severity) for f in run_checks(target)]
    assert ("T-NO-OUTPUT", "info") in codes
    assert world.login("unit_user").get(f"/targets/{target.pk}/").status_code == 200


def test_a_refused_row_keeps_what_was_typed_and_says_why(world: World) -> None:
    client = world.login("performance")
    typed = '{"ratio": "3倍"}'
    response = client.post(
        "/targets/rules/T-FAR-ABOVE-HISTORY/", {"severity": "error", "is_enabled": "on", "params": typed}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="{&quot;ratio&quot;: &quot;3倍&quot;}"' in html
    assert 'data-testid="rule-error"' in html and "参数 ratio 须为数值" in html
    assert not SmartCheckRule.objects.filter(region=world.region).exists()
    # The other rows still show their own settings, not the refused input.
    assert html.count("3倍") == 1
