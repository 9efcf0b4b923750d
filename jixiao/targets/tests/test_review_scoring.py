"""评分审核 (seed 003 S18): the 绩效股 scores the four review aspects where the region turns scoring on; the total
gives the grade, below the pass mark 差 (不得进入部门预算), and only the button the score gives is accepted."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from conftest import World
from jixiao.accounts.models import Membership
from jixiao.accounts.tests.factories import UserFactory
from jixiao.core.errors import DomainError
from jixiao.core.models import AuditEvent
from jixiao.targets import review_scoring, services, services_panel
from jixiao.targets.models import (
    Grade,
    PanelAssignment,
    PerformanceTarget,
    ReviewComment,
    TargetEvent,
    TargetReviewSettings,
    TargetStatus,
)
from jixiao.targets.tests.pages_helpers import TO_PERF_REVIEW, make_target, move

SCORES_85 = {"完整性": Decimal("22"), "相关性": Decimal("21.5"), "适当性": Decimal("20"), "可行性": Decimal("21.5")}


def _scores(*values: str) -> dict[str, Decimal | None]:
    return dict(zip(("完整性", "相关性", "适当性", "可行性"), (Decimal(v) for v in values), strict=True))


@pytest.fixture
def in_review(world: World) -> PerformanceTarget:
    return move(world, make_target(world), *TO_PERF_REVIEW)


def _turn_on(world: World, **values: Any) -> TargetReviewSettings:
    return TargetReviewSettings.objects.create(region=world.region, fiscal_year=None, scored=True, **values)


def _grade(world: World, target: PerformanceTarget, action: str, scores: Any = None) -> PerformanceTarget:
    return services.target_transition(
        actor=world.users["performance"], target=target, action=action, comment="复审意见", scores=scores
    )


# ---------------------------------------------------------------- the rule


def test_the_national_default_row_keeps_scoring_off_with_the_domain_defaults(world: World) -> None:
    settings = review_scoring.review_settings(world.region, 2026)
    assert settings.pk is not None and settings.region_id is None  # the migration's data row
    assert not settings.scored
    assert settings.points == dict.fromkeys(("完整性", "相关性", "适当性", "可行性"), Decimal(25))
    assert (settings.pass_score, settings.grade_excellent, settings.grade_good, settings.grade_fair) == (60, 90, 80, 60)


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        ("95", Grade.EXCELLENT),
        ("90", Grade.EXCELLENT),
        ("89.99", Grade.GOOD),
        ("80", Grade.GOOD),
        ("79.99", Grade.FAIR),
        ("60", Grade.FAIR),
        ("59.99", Grade.POOR),
        ("0", Grade.POOR),
    ],
)
def test_the_total_takes_the_band_it_reaches(total: str, grade: str) -> None:
    assert review_scoring.grade_of(Decimal(total), TargetReviewSettings()) == grade


def test_a_total_below_a_raised_pass_mark_is_poor_whatever_its_band() -> None:
    settings = TargetReviewSettings(pass_score=Decimal(70))
    assert review_scoring.grade_of(Decimal("69.5"), settings) == Grade.POOR
    assert review_scoring.grade_of(Decimal(70), settings) == Grade.FAIR


def test_every_aspect_needs_a_score_within_its_points() -> None:
    settings = TargetReviewSettings(
        points_1=Decimal(40), points_2=Decimal(20), points_3=Decimal(20), points_4=Decimal(20)
    )
    with pytest.raises(DomainError, match="请填写“可行性”得分（满分20分）"):
        review_scoring.score(settings, _scores("30", "20", "20", "0") | {"可行性": None})
    with pytest.raises(DomainError, match="“相关性”得分应在0至20分之间"):
        review_scoring.score(settings, _scores("30", "20.5", "20", "10"))
    review = review_scoring.score(settings, _scores("38.5", "18", "17", "16.25"))  # 89.75
    assert (review.total, review.grade, review.passed) == (Decimal("89.75"), Grade.GOOD, True)


# ---------------------------------------------------------------- the 复审 step


def test_without_scoring_the_grade_is_chosen_and_no_score_is_kept(world: World, in_review: PerformanceTarget) -> None:
    target = _grade(world, in_review, "grade_good", scores=_scores("1", "1", "1", "1"))
    assert (target.status, target.review_grade, target.review_score, target.review_scores) == (
        TargetStatus.READY_FOR_BUDGET,
        Grade.GOOD,
        None,
        {},
    )


def test_a_scored_review_records_the_scores_on_the_target_and_its_timeline(
    world: World, in_review: PerformanceTarget
) -> None:
    _turn_on(world)
    target = _grade(world, in_review, "grade_good", scores=SCORES_85)
    assert (target.status, target.review_grade, target.review_score) == (
        TargetStatus.READY_FOR_BUDGET,
        Grade.GOOD,
        Decimal("85.00"),
    )
    assert target.review_scores == {"完整性": "22.00", "相关性": "21.50", "适当性": "20.00", "可行性": "21.50"}
    event = TargetEvent.objects.get(target=target, action="grade_good")
    assert (event.grade, event.score) == (Grade.GOOD, Decimal("85.00"))


def test_the_button_must_be_the_grade_the_score_gives(world: World, in_review: PerformanceTarget) -> None:
    _turn_on(world)
    with pytest.raises(DomainError, match="请填写“完整性”得分"):
        _grade(world, in_review, "grade_good")
    with pytest.raises(DomainError, match="审核得分85分，对应等级为“良”，请按“评为“良””办理"):
        _grade(world, in_review, "grade_excellent", scores=SCORES_85)
    in_review.refresh_from_db()
    assert (in_review.status, in_review.review_score) == (TargetStatus.PERF_REVIEW, None)  # nothing half-written
    assert not TargetEvent.objects.filter(target=in_review, action__startswith="grade_").exists()


def test_below_the_pass_mark_the_target_may_not_enter_the_budget(world: World, in_review: PerformanceTarget) -> None:
    _turn_on(world, pass_score=Decimal(70))
    scores = _scores("18", "17", "17", "15")  # 67: the 中 band, under the region's pass mark
    with pytest.raises(DomainError, match="低于达标分数线70分，不得进入部门预算"):
        _grade(world, in_review, "grade_fair", scores=scores)
    target = _grade(world, in_review, "grade_poor", scores=scores)
    assert (target.status, target.review_grade, target.review_score) == (
        TargetStatus.REJECTED,
        Grade.POOR,
        Decimal("67.00"),
    )


def test_another_regions_setting_does_not_apply(world: World, in_review: PerformanceTarget) -> None:
    TargetReviewSettings.objects.create(region=world.other_region, fiscal_year=None, scored=True)
    TargetReviewSettings.objects.create(region=world.region, fiscal_year=in_review.fiscal_year + 1, scored=True)
    target = _grade(world, in_review, "grade_excellent")
    assert target.review_grade == Grade.EXCELLENT and target.review_score is None


def test_a_return_without_a_grade_needs_no_score(world: World, in_review: PerformanceTarget) -> None:
    _turn_on(world)
    target = _grade(world, in_review, "perf_return")
    assert target.status == TargetStatus.RETURNED and target.review_score is None


# ---------------------------------------------------------------- the target page


def test_the_page_asks_for_scores_and_takes_them(world: World, in_review: PerformanceTarget) -> None:
    _turn_on(world)
    client = world.login("performance")
    page = client.get(f"/targets/{in_review.pk}/").content.decode()
    assert 'data-testid="review-scores"' in page and "完整性（满分25分）" in page
    assert "达标分数线 60 分" in page and "target_review.js" in page
    response = client.post(
        f"/targets/{in_review.pk}/transition/",
        {
            "action": "grade_good",
            "comment": "较好",
            "score_1": "22",
            "score_2": "21.5",
            "score_3": "20",
            "score_4": "x",
        },
    )
    assert response.status_code == 400
    assert "“可行性”得分应为数字" in response.content.decode()
    response = client.post(
        f"/targets/{in_review.pk}/transition/",
        {"action": "grade_excellent", "comment": "较好", "score_1": "22", "score_2": "21.5", "score_3": "20"},
    )
    assert response.status_code == 400
    assert "请填写“可行性”得分（满分25分）" in response.content.decode()
    response = client.post(
        f"/targets/{in_review.pk}/transition/",
        {
            "action": "grade_good",
            "comment": "较好",
            "score_1": "22",
            "score_2": "21.5",
            "score_3": "20",
            "score_4": "21.5",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/targets/{in_review.pk}/").content.decode()
    assert 'data-testid="review-score"><strong>85</strong> 分' in page and "21.50 分" in page


def test_without_scoring_the_page_keeps_the_aspect_grades(world: World, in_review: PerformanceTarget) -> None:
    page = world.login("performance").get(f"/targets/{in_review.pk}/").content.decode()
    assert 'data-testid="review-scores"' not in page and "target_review.js" not in page
    assert 'name="aspect_1"' in page


# ---------------------------------------------------------------- the settings page


def _settings_post(**overrides: str) -> dict[str, str]:
    data = {
        "fiscal_year": "",
        "scored": "on",
        "points_1": "30",
        "points_2": "30",
        "points_3": "20",
        "points_4": "20",
        "pass_score": "65",
        "grade_excellent": "90",
        "grade_good": "80",
        "grade_fair": "65",
    }
    return {**data, **overrides}


def test_the_performance_section_turns_scoring_on_for_its_region(world: World) -> None:
    client = world.login("performance")
    page = client.get("/targets/review-settings/").content.decode()
    assert "全国默认 各年度" in page and "直接评定等级" in page
    token = client.get("/targets/review-settings/").context["form"].initial["lock_token"]
    response = client.post("/targets/review-settings/", _settings_post(lock_token=token))
    assert response.status_code == 302
    row = TargetReviewSettings.objects.get(region=world.region, fiscal_year=None)
    assert row.scored and row.points["完整性"] == 30 and row.pass_score == 65
    assert AuditEvent.objects.filter(event_type="target.review_settings", object_id=str(row.pk)).exists()
    page = client.get("/targets/review-settings/").content.decode()
    assert "评分审核，达标分数线 65 分" in page
    # A second save from the page shown before the first is refused: the first save is kept.
    response = client.post("/targets/review-settings/", _settings_post(lock_token=token, pass_score="50"))
    assert response.status_code == 409
    row.refresh_from_db()
    assert row.pass_score == 65


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"points_4": "15"}, "四项审核要点的分值合计应为100分（现为95分）"),
        ({"grade_good": "95"}, "等级分数线应为“优”不低于“良”、“良”不低于“中”"),
        ({"pass_score": "120"}, "达标分数线应在0至100分之间"),
        ({"points_1": "abc"}, "完整性分值应为数字"),
        ({"points_1": "-5", "points_2": "55"}, "完整性分值应在0至100分之间"),
    ],
)
def test_bad_settings_are_refused_in_chinese_and_nothing_is_saved(
    world: World, overrides: dict[str, str], message: str
) -> None:
    response = world.login("performance").post("/targets/review-settings/", _settings_post(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not TargetReviewSettings.objects.filter(region=world.region).exists()


@pytest.mark.parametrize("persona", ["unit_user", "dept_admin", "business", "expert"])
def test_only_the_performance_section_sets_the_review_scoring(world: World, persona: str) -> None:
    client = world.login(persona)
    assert client.get("/targets/review-settings/").status_code == 403
    assert client.post("/targets/review-settings/", _settings_post()).status_code == 403
    assert not TargetReviewSettings.objects.filter(region=world.region).exists()


# ---------------------------------------------------------------- 集中会审 members score too


def _panel(world: World, target: PerformanceTarget) -> list[PanelAssignment]:
    second = UserFactory(username="expert_two", display_name="专家乙")
    Membership.objects.create(user=second, role="expert", region=world.region)
    perf = world.users["performance"]
    members = services_panel.panel_assign(
        actor=perf, target=target, members=[world.users["expert"], second], kind="expert"
    )
    services_panel.panel_send(actor=perf, target=target)
    return members


def _member_submit(member: PanelAssignment, scores: Any) -> PanelAssignment:
    return services_panel.panel_submit(
        actor=member.expert, assignment=member, conclusion="pass", opinion="同意", scores=scores
    )


def test_panel_members_score_and_the_panel_total_is_the_mean(world: World, in_review: PerformanceTarget) -> None:
    _turn_on(world)
    first, second = _panel(world, in_review)
    with pytest.raises(DomainError, match="请填写“完整性”得分"):
        _member_submit(first, None)
    first.refresh_from_db()
    assert first.submitted_at is None  # refused whole: no opinion without its scores
    _member_submit(first, SCORES_85)
    _member_submit(second, _scores("20", "20", "20", "20.5"))  # 80.5
    first.refresh_from_db()
    assert first.total == Decimal("85.00") and first.scores["相关性"] == "21.50"
    assert ReviewComment.objects.filter(target=in_review, text__startswith="【同意通过，评分85分】").exists()
    panel = review_scoring.panel_scores(in_review.panel.all())
    assert panel is not None and (panel.count, panel.total) == (2, Decimal("82.75"))
    assert panel.aspects == {
        "完整性": Decimal(21),
        "相关性": Decimal("20.75"),
        "适当性": Decimal(20),
        "可行性": Decimal(21),
    }

    services.target_transition(
        actor=world.users["performance"], target=in_review, action="panel_done", comment="会审完毕"
    )
    page = world.login("performance").get(f"/targets/{in_review.pk}/").content.decode()
    assert 'data-testid="panel-mean">82.75<' in page and "复审评分框已按各要点平均分预填" in page
    assert 'name="score_2" value="20.75"' in page  # the 复审 boxes start from the members' means


def test_without_scoring_panel_members_give_no_scores(world: World, in_review: PerformanceTarget) -> None:
    first, _second = _panel(world, in_review)
    page = world.login("expert").get(f"/targets/{in_review.pk}/").content.decode()
    assert 'data-testid="panel-submit-form"' in page and 'data-testid="panel-scores"' not in page
    row = _member_submit(first, _scores("1", "1", "1", "1"))
    assert row.total is None and row.scores == {}


def test_the_panel_page_asks_the_member_for_scores(world: World, in_review: PerformanceTarget) -> None:
    _turn_on(world)
    first, _second = _panel(world, in_review)
    client = world.login("expert")
    page = client.get(f"/targets/{in_review.pk}/").content.decode()
    assert 'data-testid="panel-scores"' in page and "可行性（满分25分）" in page
    url = f"/targets/panel/{first.pk}/submit/"
    response = client.post(
        url,
        {"conclusion": "pass", "opinion": "同意", "score_1": "26", "score_2": "20", "score_3": "20", "score_4": "20"},
    )
    assert response.status_code == 400 and "“完整性”得分应在0至25分之间" in response.content.decode()
    response = client.post(
        url,
        {"conclusion": "pass", "opinion": "同意", "score_1": "25", "score_2": "20", "score_3": "20", "score_4": "20"},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.total == Decimal(85)
    assert "评分 <strong>85</strong> 分" in client.get(f"/targets/{in_review.pk}/").content.decode()
