"""The 预警规则 editor: bands are typed as rows (颜色, 比较, 数值), posted as band-N-color/op/value, and stored as the
same JSON list the engine reads. Bad rows are refused as a whole with a message per row and the typed rows kept."""

from __future__ import annotations

from typing import Any

import pytest

from jixiao.alerts import engine
from jixiao.alerts.forms import OP_LABELS
from jixiao.alerts.models import WarningRule
from jixiao.core.models import AuditEvent


def band_fields(*rows: tuple[str, str, str], blank: int = 0) -> dict[str, Any]:
    """The posted row editor: one (color, op, value) per band, then `blank` empty rows."""
    data: dict[str, Any] = {"band-TOTAL_FORMS": len(rows) + blank, "band-INITIAL_FORMS": 0}
    for i, (color, op, value) in enumerate([*rows, *[("", "", "")] * blank]):
        data.update({f"band-{i}-color": color, f"band-{i}-op": op, f"band-{i}-value": value})
    return data


def rule_post(rule: WarningRule, *rows: tuple[str, str, str], **extra: Any) -> dict[str, Any]:
    """What the rule page posts: its settings, the bands as rows (and one blank row, as the page has)."""
    return {
        "version": rule.version,
        "name": rule.name,
        "enabled": "on",
        "requires_explanation": ["RED"],
        "sla_working_days": 10,
        "on_timeout": "NONE",
        **band_fields(*rows, blank=1),
        **extra,
    }


def _national(code: str) -> WarningRule:
    return WarningRule.objects.get(code=code, profile="national_default", region=None)


def _own(w: Any, code: str) -> WarningRule | None:
    return WarningRule.objects.filter(code=code, profile="national_default", region=w.region).first()


def test_the_ops_offered_are_the_engines() -> None:
    assert tuple(OP_LABELS) == engine.OPS


def test_the_page_shows_the_bands_as_rows_and_blank_rows_for_more(library: Any) -> None:
    rule = _national("W-EXEC-RATIO")
    page = library.login("performance").get(f"/alerts/rules/{rule.pk}/").content.decode()
    assert 'name="bands"' not in page and "JSON" not in page
    assert page.count('data-testid="band-row"') == len(rule.bands) + 2 + 1  # the bands, 2 blank rows, the template
    assert 'name="band-0-color"' in page and 'name="band-2-value"' in page and 'name="band-4-op"' in page
    assert '<option value="RED" selected>红灯</option>' in page
    assert '<option value="&lt;" selected>小于</option>' in page and "大于等于" in page
    assert 'name="band-0-value" value="60"' in page
    assert 'id="jx-band-add"' in page and "js/alert_bands.js" in page


def test_posted_rows_are_stored_as_the_same_json_top_down(library: Any) -> None:
    w = library
    rule = _national("W-EXEC-RATIO")
    client = w.login("performance")
    rows = [("RED", "<", "50"), ("YELLOW", "<", "75.5"), ("GREEN", ">=", "75.5")]
    response = client.post(f"/alerts/rules/{rule.pk}/", rule_post(rule, *rows))
    assert response.status_code == 302
    own = _own(w, "W-EXEC-RATIO")
    assert own is not None
    assert own.bands == [
        {"color": "RED", "op": "<", "value": 50},
        {"color": "YELLOW", "op": "<", "value": 75.5},
        {"color": "GREEN", "op": ">=", "value": 75.5},
    ]
    assert engine.band(60, own.bands) == "YELLOW"
    event = AuditEvent.objects.get(event_type="alerts.rule_update", object_id=str(own.pk))
    assert "bands" in event.changes
    # The saved rule reads back as rows.
    page = client.get(f"/alerts/rules/{own.pk}/").content.decode()
    assert 'name="band-1-value" value="75.5"' in page


def test_unchanged_rows_are_kept(library: Any) -> None:
    """Saving the page as shown (only the name changed) keeps every band."""
    w = library
    rule = _national("W-EXEC-RATIO")
    rows = [(b["color"], b["op"], str(b["value"])) for b in rule.bands]
    response = w.login("performance").post(f"/alerts/rules/{rule.pk}/", rule_post(rule, *rows, name="执行率"))
    assert response.status_code == 302
    own = _own(w, "W-EXEC-RATIO")
    assert own is not None and own.bands == rule.bands and own.name == "执行率"


def test_a_removed_row_and_blank_rows_in_between_are_no_band(library: Any) -> None:
    w = library
    rule = _national("W-EXEC-RATIO")
    data = rule_post(rule, ("RED", "<", "40"), ("", "", ""), ("GREEN", ">=", "40"))
    assert w.login("performance").post(f"/alerts/rules/{rule.pk}/", data).status_code == 302
    own = _own(w, "W-EXEC-RATIO")
    assert own is not None and [b["value"] for b in own.bands] == [40, 40]


def test_text_bands_choose_the_wording_with_equal_or_not_equal(library: Any) -> None:
    w = library
    rule = _national("W-LIKELIHOOD")
    client = w.login("performance")
    page = client.get(f"/alerts/rules/{rule.pk}/").content.decode()
    assert '<option value="完全不可能" selected>完全不可能</option>' in page and ">取值<" in page
    rows = [("RED", "==", "完全不可能"), ("YELLOW", "!=", "确定能")]
    assert client.post(f"/alerts/rules/{rule.pk}/", rule_post(rule, *rows)).status_code == 302
    own = _own(w, "W-LIKELIHOOD")
    assert own is not None
    assert own.bands == [
        {"color": "RED", "op": "==", "value": "完全不可能"},
        {"color": "YELLOW", "op": "!=", "value": "确定能"},
    ]


@pytest.mark.parametrize(
    ("code", "rows", "messages"),
    [
        ("W-EXEC-RATIO", [("BLUE", "<", "60")], ["第1档：颜色无效"]),
        ("W-EXEC-RATIO", [("RED", "<", "60"), ("GREEN", "=>", "60")], ["第2档：比较方式无效"]),
        (
            "W-EXEC-RATIO",
            [("RED", "<", "六十"), ("GREEN", ">=", "60%")],
            ["第1档：数值“六十”不是数字", "第2档：数值“60%”"],
        ),
        ("W-EXEC-RATIO", [("RED", "<", "NaN")], ["第1档：数值“NaN”不是数字"]),
        # A bound beyond what a warning value can be: 1e5000 was a 500 (a 5001-digit int is no JSON), 1e999999999
        # a request hung expanding a billion digits. Refused before any int() is made of it.
        (
            "W-EXEC-RATIO",
            [("RED", "<", "1e5000"), ("GREEN", ">=", "-1e999999999"), ("YELLOW", "<", "10000000000")],
            [
                "第1档：数值“1e5000”超出范围，绝对值不能超过9999999999.9999",
                "第2档：数值“-1e999999999”超出范围",
                "第3档：数值“10000000000”超出范围",
            ],
        ),
        (
            "W-EXEC-RATIO",
            [("RED", "", "60"), ("", ">=", "")],
            ["第1档：请选择比较方式", "第2档：请选择颜色", "第2档：请填写数值"],
        ),
        ("W-EXEC-RATIO", [], ["分档为空"]),
        ("W-LIKELIHOOD", [("RED", "<", "完全不可能")], ["第1档：文字取值只能用“等于”或“不等于”比较"]),
        ("W-LIKELIHOOD", [("RED", "==", "随便写")], ["第1档：取值无效"]),
    ],
)
def test_bad_rows_are_refused_with_a_message_per_row_and_kept(
    library: Any, code: str, rows: list[tuple[str, str, str]], messages: list[str]
) -> None:
    w = library
    rule = _national(code)
    response = w.login("performance").post(f"/alerts/rules/{rule.pk}/", rule_post(rule, *rows, name="新名称"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="form-error"' in html
    for message in messages:
        assert message in html
    for i, (_color, _op, value) in enumerate(rows):  # the typed rows are shown again
        if value and code == "W-EXEC-RATIO":
            assert f'name="band-{i}-value" value="{value}"' in html
    assert 'value="新名称"' in html
    assert _own(w, code) is None
    rule.refresh_from_db()
    assert rule.version == 1 and rule.name != "新名称"
    assert not AuditEvent.objects.filter(event_type__startswith="alerts.rule").exists()


def test_a_switched_off_rule_may_be_saved_without_bands(library: Any) -> None:
    w = library
    rule = WarningRule.objects.get(code="W-BALANCE", region=None)
    assert rule.bands == [] and not rule.enabled
    client = w.login("performance")
    page = client.get(f"/alerts/rules/{rule.pk}/").content.decode()
    assert page.count('data-testid="band-row"') == 2 + 1
    data = rule_post(rule, enabled="", name="支出均衡性（暂不启用）")
    assert client.post(f"/alerts/rules/{rule.pk}/", data).status_code == 302
    own = WarningRule.objects.get(code="W-BALANCE", region=w.region)
    assert own.bands == [] and own.name == "支出均衡性（暂不启用）"


def test_a_page_without_the_row_count_is_refused(library: Any) -> None:
    w = library
    rule = _national("W-EXEC-RATIO")
    data = {k: v for k, v in rule_post(rule, ("RED", "<", "1")).items() if not k.startswith("band-")}
    data["bands"] = '[{"color": "RED", "op": "<", "value": 1}]'  # the old JSON field
    response = w.login("performance").post(f"/alerts/rules/{rule.pk}/", data)
    assert response.status_code == 400 and "页面信息已失效" in response.content.decode()
    assert _own(w, "W-EXEC-RATIO") is None


def test_the_rules_list_states_each_band_in_words(world: Any) -> None:
    """预警规则 reads 红灯：小于60, not the stored codes RED < 60."""
    page = world.login("performance").get("/alerts/rules/").content.decode()
    assert "红灯：小于" in page
    assert "RED &lt;" not in page and "RED <" not in page
