"""Default bulletin titles name what is reported, as the national templates' titles do."""

from __future__ import annotations

from types import SimpleNamespace

from jixiao.bulletins.selectors import batch_label, default_title


def test_default_titles() -> None:
    assert default_title("APPRAISAL", 2026, "") == "关于2026年度预算绩效管理工作考核结果的通报"
    assert default_title("RE_EVAL", 2026, "") == "关于2026年度部门自评财政再评价结果的通报"
    assert default_title("KEY_EVAL", 2026, "") == "关于2026年度财政重点绩效评价结果的通报"
    assert default_title("MONITORING", 2026, "2026年1—8月项目支出绩效运行监控") == (
        "关于2026年1—8月项目支出绩效运行监控结果的通报"
    )


def test_a_batch_is_named_with_its_year_once() -> None:
    assert batch_label(SimpleNamespace(fiscal_year=2026, title="2026年度部门自评财政再评价")) == (
        "2026年度部门自评财政再评价"
    )
    assert batch_label(SimpleNamespace(fiscal_year=2026, title="部门自评财政再评价")) == "2026年度 部门自评财政再评价"
    assert batch_label(SimpleNamespace(fiscal_year=2026, title="2025年度遗留项目再评价")) == (
        "2026年度 2025年度遗留项目再评价"
    )
