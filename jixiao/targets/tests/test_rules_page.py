"""The performance section overrides smart-check rules for its region through the settings page. Each parameter is
a field typed like its national default (param-<key>); a field left empty keeps the default."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import PERSONAS, World
from jixiao.core.models import AuditEvent
from jixiao.targets import services_rules
from jixiao.targets.checks import DEFAULT_RULES, PARAM_LABELS, VAGUE_WORDS, effective_rules
from jixiao.targets.models import SmartCheckRule


def _post(world: World, code: str, **params: str) -> Any:
    data = {"severity": "warning", "is_enabled": "on", **{f"param-{k}": v for k, v in params.items()}}
    return world.login("performance").post(f"/targets/rules/{code}/", data)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_performance_section_configures_rules(world: World, persona: str) -> None:
    response = world.login(persona).get("/targets/rules/")
    assert response.status_code == (200 if persona == "performance" else 403)
    if persona == "performance":  # parameters read as labelled text, neither JSON nor a Python dict
        html = response.content.decode()
        assert "{&#x27;" not in html and "{&quot;" not in html and "JSON" not in html
        assert "超过历史最好水平的倍数：2" in html and "显著提升、明显改善" in html


def test_every_parameter_has_a_chinese_label() -> None:
    keys = {key for _name, _severity, params in DEFAULT_RULES.values() for key in params}
    assert keys <= set(PARAM_LABELS)


def test_each_parameter_is_a_field_typed_like_its_default(world: World) -> None:
    html = world.login("performance").get("/targets/rules/").content.decode()
    assert 'name="params"' not in html
    assert 'name="param-ratio"' in html and 'placeholder="默认：2"' in html and 'inputmode="decimal"' in html
    assert 'name="param-words"' in html and f'placeholder="默认：{"、".join(VAGUE_WORDS)}"' in html
    assert 'name="param-keyword"' in html and 'placeholder="默认：产出"' in html
    assert ">超过历史最好水平的倍数</label>" in html and ">模糊表述词语</label>" in html
    kinds = {f.key: f.kind for code in DEFAULT_RULES for f in services_rules.param_fields(code)}
    assert kinds == {"keyword": "text", "words": "words", "total": "number", "tolerance": "number", "ratio": "number"}


def test_disabling_a_rule_for_the_region_takes_effect_and_is_audited(world: World) -> None:
    client = world.login("performance")
    response = client.post("/targets/rules/T-DUP-NAME/", {"severity": "error"})
    assert response.status_code == 302
    rule = SmartCheckRule.objects.get(code="T-DUP-NAME", region=world.region)
    assert rule.is_enabled is False and rule.params == {}
    assert "T-DUP-NAME" not in effective_rules(world.region, 2026)
    assert "T-DUP-NAME" in effective_rules(world.other_region, 2026)
    assert AuditEvent.objects.filter(event_type="target.check_rule").exists()
    assert "已停用" in client.get("/targets/rules/").content.decode()


def test_parameters_override_only_the_given_keys(world: World) -> None:
    response = _post(world, "T-WEIGHT-SUM", total=" 10 ", tolerance="")
    assert response.status_code == 302
    # Stored as before (numbers as text, only the typed keys); the empty field keeps the default.
    assert SmartCheckRule.objects.get(code="T-WEIGHT-SUM", region=world.region).params == {"total": "10"}
    rule = effective_rules(world.region, 2026)["T-WEIGHT-SUM"]
    assert rule.severity == "warning" and rule.params == {"total": "10", "tolerance": "0"}
    page = world.login("performance").get("/targets/rules/").content.decode()
    assert 'name="param-total" id="p-T-WEIGHT-SUM-total" value="10"' in page
    assert 'name="param-tolerance" id="p-T-WEIGHT-SUM-tolerance" value=""' in page


def test_a_word_list_is_typed_with_commas_or_dunhao(world: World) -> None:
    assert _post(world, "T-VAGUE", words="显著提升、 明显改善,有效提高，大幅、显著提升\n逐步").status_code == 302
    rule = SmartCheckRule.objects.get(code="T-VAGUE", region=world.region)
    assert rule.params == {"words": ["显著提升", "明显改善", "有效提高", "大幅", "逐步"]}
    page = world.login("performance").get("/targets/rules/").content.decode()
    assert 'value="显著提升、明显改善、有效提高、大幅、逐步"' in page


def test_emptied_fields_go_back_to_the_default(world: World) -> None:
    _post(world, "T-FAR-ABOVE-HISTORY", ratio="3")
    assert _post(world, "T-FAR-ABOVE-HISTORY", ratio="").status_code == 302
    assert SmartCheckRule.objects.get(code="T-FAR-ABOVE-HISTORY", region=world.region).params == {}
    assert effective_rules(world.region, 2026)["T-FAR-ABOVE-HISTORY"].params == {"ratio": "2"}


@pytest.mark.parametrize(
    ("code", "params", "message"),
    [
        ("T-FAR-ABOVE-HISTORY", {"ratio": "3倍"}, "参数“超过历史最好水平的倍数”须为数值，例如 2（“3倍”不是数值）"),
        ("T-FAR-ABOVE-HISTORY", {"ratio": "NaN"}, "须为数值"),
        ("T-WEIGHT-SUM", {"total": "100", "tolerance": "半分"}, "参数“允许误差（分）”须为数值"),
        ("T-VAGUE", {"words": "、，,"}, "参数“模糊表述词语”须填写至少一项"),
        ("T-NOPE", {}, "没有编码"),
    ],
)
def test_bad_input_is_refused_with_a_chinese_message_and_kept(
    world: World, code: str, params: dict[str, str], message: str
) -> None:
    response = _post(world, code, **params)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert ('data-testid="rule-error"' in html) == (code in DEFAULT_RULES)  # an unknown code has no row to mark
    for key, value in params.items():
        assert f'name="param-{key}" id="p-{code}-{key}" value="{value}"' in html
    assert not SmartCheckRule.objects.filter(region=world.region).exists()
    assert not AuditEvent.objects.filter(event_type="target.check_rule").exists()


def test_the_refused_field_is_marked_and_other_rows_keep_their_settings(world: World) -> None:
    _post(world, "T-NO-OUTPUT", keyword="产出指标")
    response = _post(world, "T-FAR-ABOVE-HISTORY", ratio="3倍")
    html = response.content.decode()
    assert 'class="form-control is-invalid" type="text" name="param-ratio"' in html
    assert html.count("3倍") == 3  # the field, the row's message and the page's message
    assert 'name="param-keyword" id="p-T-NO-OUTPUT-keyword" value="产出指标"' in html


def test_the_service_checks_types_like_the_defaults(world: World) -> None:
    from jixiao.core.errors import DomainError

    actor = world.users["performance"]
    for code, params, message in [
        ("T-FAR-ABOVE-HISTORY", {"ratio": "abc"}, "须为数值"),
        ("T-FAR-ABOVE-HISTORY", {"ratio": True}, "须为数值"),
        ("T-FAR-ABOVE-HISTORY", {"unknown": 1}, "没有参数"),
        ("T-VAGUE", {"words": "显著"}, "须为词语列表"),
        ("T-NO-OUTPUT", {"keyword": " "}, "须为非空文字"),
    ]:
        with pytest.raises(DomainError, match=message):
            services_rules.check_rule_set(actor=actor, code=code, severity="warning", is_enabled=True, params=params)
    assert not SmartCheckRule.objects.filter(region=world.region).exists()


def test_yes_no_and_number_list_parameters(monkeypatch: Any) -> None:
    """No rule has them today; a rule that gets one is edited with 是/否 and a list of numbers."""
    monkeypatch.setitem(DEFAULT_RULES, "T-X", ("测试", "warning", {"strict": False, "months": [4, 6], "note": "甲"}))
    kinds = [(f.key, f.kind, f.label, f.default_text) for f in services_rules.param_fields("T-X")]
    assert kinds == [
        ("strict", "yes_no", "strict", "否"),
        ("months", "numbers", "months", "4、6"),
        ("note", "text", "note", "甲"),
    ]
    parsed = services_rules.parse_params("T-X", {"strict": "是", "months": "4，6、8.5", "note": ""})
    assert parsed == {"strict": True, "months": [4, 6, 8.5]}
    assert services_rules.parse_params("T-X", {"strict": "", "months": ""}) == {}
    with pytest.raises(services_rules.ParamError, match="须为“是”或“否”"):
        services_rules.parse_params("T-X", {"strict": "对"})
    with pytest.raises(services_rules.ParamError, match="“八月”不是数值") as refused:
        services_rules.parse_params("T-X", {"months": "4、八月"})
    assert refused.value.key == "months"


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
    # The page shows the stored value in its field.
    assert 'id="p-T-NO-OUTPUT-keyword" value="5"' in world.login("performance").get("/targets/rules/").content.decode()


def test_a_rule_saved_from_a_page_shown_before_a_colleagues_save_is_a_409(world: World) -> None:
    """Two 绩效股 users open 智能审核规则; one sets T-WEIGHT-SUM's total to 10, the other, from the page shown before,
    to 90: the second save used to overwrite the first unseen. Each row's form carries a token of the region's row
    for that rule; the stale save is a 409 with what was typed kept, and a fresh token (a second press saves)."""
    first, second = world.login("performance"), world.login("performance")

    def token(client: Any) -> str:
        page = client.get("/targets/rules/").content.decode()
        form = page.split('action="/targets/rules/T-WEIGHT-SUM/"', 1)[1]
        return form.split('name="lock_token" value="', 1)[1].split('"', 1)[0]

    shown = token(second)
    post = {"severity": "warning", "is_enabled": "on", "param-tolerance": ""}
    assert (
        first.post(
            "/targets/rules/T-WEIGHT-SUM/", {**post, "param-total": "10", "lock_token": token(first)}
        ).status_code
        == 302
    )
    stale = second.post("/targets/rules/T-WEIGHT-SUM/", {**post, "param-total": "90", "lock_token": shown})
    body = stale.content.decode()
    assert stale.status_code == 409 and "已被他人修改" in body and 'value="90"' in body
    assert SmartCheckRule.objects.get(code="T-WEIGHT-SUM", region=world.region).params == {"total": "10"}
    fresh = (
        body.split('action="/targets/rules/T-WEIGHT-SUM/"', 1)[1]
        .split('name="lock_token" value="', 1)[1]
        .split('"', 1)[0]
    )
    assert fresh != shown
    again = second.post("/targets/rules/T-WEIGHT-SUM/", {**post, "param-total": "90", "lock_token": fresh})
    assert again.status_code == 302
    assert SmartCheckRule.objects.get(code="T-WEIGHT-SUM", region=world.region).params == {"total": "90"}
