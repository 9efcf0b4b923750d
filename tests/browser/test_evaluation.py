"""Issue 6 quality bar in a real Chromium: a unit completes a self-evaluation with one under-achieved indicator and
sees the computed score and grade; the performance section draws a 10% re-evaluation sample, re-scores one project
lower and the gap appears (and the draw re-runs from its stored seed to the same sample)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from jixiao.accounts.demo_logins import DEMO_PASSWORD
from jixiao.accounts.models import User
from jixiao.evaluation.models import ReEvaluationBatch, SelfEvalStatus, SelfEvaluation
from jixiao.indicators.valueparse import Kind, Op, format_number, parse_value
from tests.browser.helpers import login


def test_selfeval_underachieved_then_reevaluation_gap(demo: None, live_server: Any, page: Any, shot: Any) -> None:
    base = live_server.url
    unit_user = User.objects.get(username="edu_unit")
    candidates = SelfEvaluation.objects.visible_to(unit_user).filter(
        status__in=(SelfEvalStatus.RETURNED, SelfEvalStatus.FILLING), subject="project"
    )
    record = short = target = None
    for candidate in candidates.order_by("-status", "id"):  # the returned (already filled) record first
        for row in candidate.indicators.order_by("seq", "id"):
            parsed = parse_value(row.target_text, fiscal_year=candidate.fiscal_year)
            if not row.is_qualitative and parsed.kind is Kind.NUM and parsed.op in (Op.GE, Op.GT, Op.EQ) and parsed.num:
                record, short, target = candidate, row, parsed
                break
        if record is not None:
            break
    assert record is not None and target is not None
    assert short is not None and short.weight

    login(page, base, "edu_unit", DEMO_PASSWORD)
    page.goto(f"{base}/evaluation/self/{record.pk}/")
    page.click("[data-testid=se-fill]")
    half = format_number(target.num / 2)  # type: ignore[operator]
    page.fill(f"#id_row{short.pk}-actual_text", f"{half}{target.unit_raw or ''}")
    page.fill(f"#id_row{short.pk}-deviation_analysis", "受资金到位时间影响，仅完成一半，下年度加快实施")
    page.click("button[name=then][value=save]")
    page.wait_for_selector("text=已保存并重新校验")
    short.refresh_from_db()
    record.refresh_from_db()
    assert short.auto_score is not None and short.auto_score < short.weight
    assert page.inner_text("[data-testid=se-total-computed]") == str(record.total_computed)
    assert page.inner_text("[data-testid=se-grade-computed]") == record.grade_computed
    assert str(short.auto_score) in page.inner_text("[data-testid=se-rows]")
    shot(page, "selfeval-underachieved")

    login(page, base, "jxg", DEMO_PASSWORD)
    page.click("aside >> text=再评价（抽评）")
    page.fill("#id_fiscal_year", str(record.fiscal_year))
    page.fill("#id_rate_pct", "10")
    page.click("[data-testid=reeval-save]")
    page.wait_for_selector("[data-testid=reeval-preview]")
    page.click("[data-testid=reeval-draw]")
    page.wait_for_selector("[data-testid=reeval-seed]")
    batch = ReEvaluationBatch.objects.latest("id")  # the demo has a batch of its own
    assert page.inner_text("[data-testid=reeval-seed]") == batch.seed
    assert batch.population_size >= 1 and batch.sample_size == max(1, -(-batch.population_size // 10))
    sample = batch.samples.order_by("id").first()
    assert sample is not None and sample.self_score is not None
    page.click("[data-testid=reeval-verify]")
    page.wait_for_selector("text=结果与原样本一致")

    page.click("[data-testid=reeval-sample-link]")
    first = next(r for r in sample.rows if r["key"] != "exec" and r["score"] not in (None, "0", "0.00"))
    for row in sample.rows:  # rows a person must score start empty: take the unit's own score
        if row["score"] is None:
            page.fill(f"input[name='score-{row['key']}']", row["self"] or "0")
    page.fill(f"input[name='score-{first['key']}']", "0")
    page.fill(f"input[name='comment-{first['key']}']", "佐证资料不能证明完成情况")
    page.click("[data-testid=reeval-rescore]")
    page.wait_for_selector("text=再评价得分已保存")
    sample.refresh_from_db()
    assert sample.gap is not None and sample.gap < 0 and sample.re_score is not None
    assert sample.re_score < sample.self_score
    assert page.inner_text("[data-testid=reeval-sample-gap]").startswith(str(sample.gap))
    shot(page, "reeval-sample")

    page.goto(f"{base}/evaluation/reeval/{batch.pk}/")
    assert str(sample.gap) in page.inner_text("[data-testid=reeval-samples]")
    assert Decimal(page.inner_text("[data-testid=reeval-gap]").strip()) == sample.gap
