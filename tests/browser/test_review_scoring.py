"""评分审核 in a real Chromium (seed 003 S18): the 绩效股 turns scoring on for the county, then scores a target in
复审. The total and its grade follow the typed scores, the button they call for is marked, another button is
refused with the reason, and the marked one records the score."""

from __future__ import annotations

from typing import Any

from jixiao.accounts.demo_logins import DEMO_PASSWORD
from jixiao.targets.models import PerformanceTarget, TargetStatus
from tests.browser.helpers import login


def _type_scores(page: Any, *values: str) -> None:
    for number, value in enumerate(values, start=1):
        page.fill(f"#id_score_{number}", value)


def test_a_scored_review_in_the_browser(demo: None, live_server: Any, page: Any, shot: Any) -> None:
    base = live_server.url
    login(page, base, "jxg", DEMO_PASSWORD)
    page.click("aside >> text=目标审核评分设置")
    assert "直接评定等级" in page.inner_text("[data-testid=review-now]")
    page.check("#id_scored")
    page.fill("#id_pass_score", "65")
    page.fill("#id_grade_fair", "65")
    page.click("[data-testid=settings-form] button:has-text('保存')")
    page.wait_for_selector("text=目标审核评分设置已保存")
    assert "评分审核，达标分数线 65 分" in page.inner_text("[data-testid=review-now]")

    target = PerformanceTarget.objects.filter(status=TargetStatus.PERF_REVIEW, subject_type="project").first()
    assert target is not None
    page.goto(f"{base}/targets/{target.pk}/")
    assert "完整性（满分25分）" in page.inner_text("[data-testid=review-scores]")
    _type_scores(page, "22", "21.5", "20", "21.5")
    assert page.inner_text("[data-testid=review-total]") == "85"
    assert page.locator("button[data-suggested]").inner_text() == "评为“良”，通过"
    _type_scores(page, "16", "16", "16", "16")  # 64: under the county's pass mark of 65
    assert page.inner_text("[data-testid=review-total]") == "64"
    assert page.locator("button[data-suggested]").inner_text() == "评为“差”，不予安排预算"
    shot(page, "target-review-scores")

    # Another button than the score's is refused, the typed scores and opinion kept for a second try.
    page.fill("#id_comment", "目标基本完整，部分指标需细化")
    page.click("[data-testid=actions] button:has-text('评为“中”，退回修改')")
    page.wait_for_selector("text=低于达标分数线65分，不得进入部门预算")
    assert page.input_value("#id_score_1") == "16"
    assert page.input_value("#id_comment") == "目标基本完整，部分指标需细化"
    _type_scores(page, "22", "21.5", "20", "21.5")
    page.click("button[data-suggested]")
    page.wait_for_selector("text=操作成功")
    assert "85 分" in page.inner_text("[data-testid=review-score]")
    target.refresh_from_db()
    assert (target.status, target.review_grade, str(target.review_score)) == ("ready_for_budget", "good", "85.00")
