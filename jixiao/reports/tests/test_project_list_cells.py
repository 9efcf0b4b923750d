"""The project list's three status cells (预警, 事前评估, 结果应用) are built in Python, not by a template include
per row: their markup, escaping and colours."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from jixiao.alerts.selectors import Light
from jixiao.alerts.templatetags.alerts import light_dot
from jixiao.preassessment.templatetags.preassessment import _cell as preassessment_cell
from jixiao.results.models import Action
from jixiao.results.templatetags.results import action_badge, decision_cell


def test_light_dot_colours_reasons_and_suspension() -> None:
    assert str(light_dot(None)) == '<span class="text-muted small" title="尚未计算预警">—</span>'
    assert "尚未计算预警" in light_dot(Light("", ()))
    red = str(light_dot(Light("RED", ("执行率<30%", 'a "b" & c'), suspended=True)))
    assert red == (
        '<span class="jx-light text-nowrap text-danger" title="红灯&#10;执行率&lt;30%&#10;a &quot;b&quot; &amp; c'
        '&#10;已暂停拨付" data-testid="warning-light" data-color="RED"><i class="bi bi-circle-fill"></i>'
        '<span class="visually-hidden">红灯</span> <span class="badge text-bg-dark">停拨</span></span>'
    )
    assert 'class="jx-light text-nowrap text-warning" title="黄灯"' in light_dot(Light("YELLOW", ()))
    green = str(light_dot(Light("GREEN", ())))
    assert "text-success" in green and "停拨" not in green


def test_preassessment_cell_escapes_the_reason() -> None:
    overview = SimpleNamespace(css="danger", reason="金额<500万元>", label="须评估·未申报")
    assert str(preassessment_cell(overview)) == (  # type: ignore[arg-type]
        '<span class="badge text-bg-danger" title="金额&lt;500万元&gt;" data-testid="pa-badge">须评估·未申报</span>'
    )
    assert preassessment_cell(None) == ""


def _app(status: str, proposed: Action, decided: Action | None = None) -> Any:
    return SimpleNamespace(
        status=status,
        fiscal_year=2027,
        proposed_action=proposed.value,
        decided_action=decided.value if decided else "",
        get_proposed_action_display=lambda: proposed.label,
        get_decided_action_display=lambda: decided.label if decided else "",
    )


def test_action_badges_and_the_decision_cell() -> None:
    colours = {action: str(action_badge(action.value, action.label)).split('"')[1] for action in Action}
    assert colours[Action.CANCEL] == colours[Action.SUSPEND] == "badge text-bg-danger"
    assert colours[Action.REDUCE_PCT] == colours[Action.RECOVER] == "badge text-bg-warning"
    assert colours[Action.STRICT] == colours[Action.REARRANGE_AFTER_RECTIFY] == "badge text-bg-secondary"
    assert colours[Action.KEEP] == colours[Action.PRIORITY] == "badge text-bg-success"

    proposed = str(decision_cell(_app("proposed", Action.REDUCE_PCT)))
    assert proposed == (
        '<span class="small" data-testid="result-cell" title="2027年度绩效结果应用建议">'
        '<span class="badge text-bg-warning" data-action="REDUCE_PCT">压缩</span>'
        '<span class="text-muted">（建议）</span></span>'
    )
    decided = str(decision_cell(_app("decided", Action.REDUCE_PCT, Action.CANCEL)))
    assert 'title="2027年度绩效结果应用决定"' in decided
    assert 'data-action="CANCEL">取消</span></span>' in decided and "（建议）" not in decided
