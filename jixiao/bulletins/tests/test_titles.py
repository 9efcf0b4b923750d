"""Default bulletin titles name what is reported, as the national templates' titles do."""

from __future__ import annotations

from jixiao.bulletins.selectors import default_title


def test_default_titles() -> None:
    assert default_title("APPRAISAL", 2026, "") == "关于2026年度预算绩效管理工作考核结果的通报"
    assert default_title("RE_EVAL", 2026, "") == "关于2026年度部门自评财政再评价结果的通报"
    assert default_title("KEY_EVAL", 2026, "") == "关于2026年度财政重点绩效评价结果的通报"
    assert default_title("MONITORING", 2026, "2026年1—8月项目支出绩效运行监控") == (
        "关于2026年1—8月项目支出绩效运行监控结果的通报"
    )
