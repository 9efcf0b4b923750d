"""执业质量核查设置: the performance section saves its region's own weights and grade bands for a year (copy-on-write
over the national default, one row per region and year), checked when saved and read defensively after, with a lock
token against a stale page."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from conftest import World
from jixiao.core.errors import ConflictError, DomainError, PermissionDeniedError
from jixiao.core.locking import lock_token
from jixiao.core.models import AuditEvent
from jixiao.experts import selectors, services
from jixiao.experts.checks import quality_total, setting_errors, shown_weights, stored_weights
from jixiao.experts.models import QUALITY_ASPECTS, Agency, AgencyQualityReview, QualityReviewSetting
from jixiao.experts.services import InvalidDataError
from jixiao.experts.services_settings import quality_setting_save

URL = "/experts/reviews/settings/"
CODES = [code for code, _label in QUALITY_ASPECTS]
BANDS = {"excellent_min": Decimal(85), "good_min": Decimal(75), "pass_min": Decimal(60)}


def _weights(*values: Any) -> dict[str, Any]:
    return dict(zip(CODES, values, strict=True))


def _scores(*values: int) -> dict[str, Decimal]:
    return {code: Decimal(v) for code, v in zip(CODES, values, strict=True)}


def _national() -> QualityReviewSetting:
    return QualityReviewSetting.objects.get(region__isnull=True, fiscal_year__isnull=True)


def _post(year: int = 2026, token: str = "", **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"fiscal_year": str(year), "lock_token": token, "suspend_on_fail": "on"}
    data.update({f"weight_{code}": w for code, w in zip(CODES, ["30", "30", "10", "10", "10", "10"], strict=True)})
    data.update({"excellent_min": "85", "good_min": "75", "pass_min": "60"})
    data.update(changes)
    return data


def _token(html: str) -> str:
    match = re.search(r'name="lock_token" value="([^"]*)"', html)
    assert match is not None
    return match.group(1)


# ---- pure checks --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stored",
    ["abc", [1, 2, 3], 5, {"basic_mgmt": "abc"}, {"archives": "NaN"}, {"archives": "Infinity"}, {"timeliness": True},
     {"completeness": [1]}, {"basic_mgmt": "1e999999"}, {"basic_mgmt": 150}, {"archives": -1}],
)  # fmt: skip
def test_bad_stored_weights_are_a_chinese_refusal_not_an_invalid_operation(stored: Any) -> None:
    with pytest.raises(DomainError, match="执业质量核查设置"):
        quality_total(_scores(90, 90, 90, 90, 90, 90), stored)
    assert None in shown_weights(stored)


def test_weights_are_relative_and_missing_ones_weigh_one_as_before() -> None:
    equal = quality_total(_scores(100, 70, 100, 100, 100, 100), {})
    assert equal == quality_total(_scores(100, 70, 100, 100, 100, 100), _weights(*[20] * 6)) == Decimal("95.00")
    assert quality_total(_scores(100, 70, 100, 100, 100, 100), None) == equal
    assert stored_weights({"service_quality": "5"})["service_quality"] == Decimal(5)
    with pytest.raises(DomainError, match="“档案管理情况”的权重应在0至100之间"):
        quality_total(_scores(90, 90, 90, 90, 90, 90), {"archives": -1})
    with pytest.raises(DomainError, match="合计应大于0"):
        quality_total(_scores(90, 90, 90, 90, 90, 90), _weights(0, 0, 0, 0, 0, 0))
    assert shown_weights({"archives": "2.5"}) == [1, 1, Decimal("2.5"), 1, 1, 1]


def test_setting_errors_name_each_field() -> None:
    assert setting_errors(_weights(1, 1, 1, 1, 1, 1), BANDS) == {}
    errors = setting_errors(_weights("x", 101, "1.234", -1, None, 1), {**BANDS, "pass_min": "abc"})
    assert errors == {
        "weight_basic_mgmt": ["“基础管理”的权重应为数字"],
        "weight_service_quality": ["“预算绩效评价服务质量”的权重应在0至100之间"],
        "weight_archives": ["“档案管理情况”的权重最多保留两位小数"],
        "weight_branch_mgmt": ["“分支机构的管理情况”的权重应在0至100之间"],
        "weight_completeness": ["“资料完整性”的权重应为数字"],
        "pass_min": ["合格最低分应为数字"],
    }
    assert setting_errors(_weights(0, 0, 0, 0, 0, 0), BANDS) == {"__all__": ["各方面权重合计应大于0"]}
    disordered = setting_errors(_weights(1, 1, 1, 1, 1, 1), {**BANDS, "good_min": Decimal(90)})
    assert disordered == {"__all__": ["等级分数线应为“优秀”不低于“良好”、“良好”不低于“合格”"]}


# ---- the service --------------------------------------------------------------------------------------------------


def test_a_save_copies_the_default_into_the_regions_own_row_and_a_second_changes_it(world: World) -> None:
    perf = world.users["performance"]
    national = _national()
    shown = lock_token(selectors.quality_setting_rows(world.region, 2026))
    row = quality_setting_save(
        actor=perf,
        fiscal_year=2026,
        weights=_weights("30", "30", "10", "10", "10", "10.5"),
        bands=BANDS,
        suspend_on_fail=False,
        lock_token=shown,
    )
    assert (row.region, row.fiscal_year, row.suspend_on_fail) == (world.region, 2026, False)
    assert row.weights == _weights(30, 30, 10, 10, 10, 10.5)
    assert stored_weights(row.weights)["timeliness"] == Decimal("10.50")
    fresh = _national()
    assert (fresh.weights, fresh.excellent_min, fresh.suspend_on_fail) == (national.weights, 90, True)
    assert selectors.quality_setting(world.region, 2026) == row
    assert selectors.quality_setting(world.region, 2027) == national
    assert selectors.quality_setting(world.other_region, 2026) == national
    event = AuditEvent.objects.get(event_type="agency.quality_settings")
    assert event.actor_id == perf.pk and "weights" in event.changes
    again = quality_setting_save(
        actor=perf,
        fiscal_year=2026,
        weights=_weights(1, 1, 1, 1, 1, 1),
        bands={**BANDS, "excellent_min": Decimal("88.5")},
        suspend_on_fail=True,
        lock_token=lock_token(selectors.quality_setting_rows(world.region, 2026)),
    )
    assert again.pk == row.pk and again.excellent_min == Decimal("88.5")
    assert QualityReviewSetting.objects.filter(region=world.region).count() == 1


def test_a_review_is_totalled_and_graded_by_the_regions_own_setting(world: World) -> None:
    perf = world.users["performance"]
    agency = Agency.objects.create(region=world.region, name="明信咨询", credit_code="91511700MA62D4L83R")
    quality_setting_save(
        actor=perf, fiscal_year=2026, weights=_weights(50, 10, 10, 10, 10, 10), bands=BANDS, suspend_on_fail=False
    )
    review = services.quality_review_save(
        actor=perf, agency=agency, fiscal_year=2026, scores=_scores(100, 70, 70, 70, 70, 50)
    )
    assert (review.total, review.grade) == (Decimal("83.00"), "good")  # equal weights would give 71.67, 合格
    failed = services.quality_review_save(actor=perf, agency=agency, fiscal_year=2026, scores=_scores(*[40] * 6))
    agency.refresh_from_db()
    assert failed.grade == "fail" and agency.is_active  # this region does not suspend on 不合格


def test_a_stale_token_is_a_conflict_and_nothing_is_written(world: World) -> None:
    perf = world.users["performance"]
    shown = lock_token(selectors.quality_setting_rows(world.region, 2026))
    quality_setting_save(actor=perf, fiscal_year=2026, weights=_weights(*[1] * 6), bands=BANDS, suspend_on_fail=True)
    with pytest.raises(ConflictError):
        quality_setting_save(
            actor=perf,
            fiscal_year=2026,
            weights=_weights(*[2] * 6),
            bands=BANDS,
            suspend_on_fail=True,
            lock_token=shown,
        )
    assert QualityReviewSetting.objects.get(region=world.region).weights == _weights(*[1] * 6)
    # A row of another year is not what the page of 2026 showed: no conflict there.
    quality_setting_save(actor=perf, fiscal_year=2027, weights=_weights(*[3] * 6), bands=BANDS, suspend_on_fail=True)
    current = lock_token(selectors.quality_setting_rows(world.region, 2026))
    quality_setting_save(
        actor=perf, fiscal_year=2026, weights=_weights(*[2] * 6), bands=BANDS, suspend_on_fail=True, lock_token=current
    )


def test_bad_values_and_other_roles_are_refused(world: World) -> None:
    perf = world.users["performance"]
    with pytest.raises(InvalidDataError) as caught:
        quality_setting_save(
            actor=perf, fiscal_year=2026, weights=_weights("abc", 1, 1, 1, 1, 1), bands=BANDS, suspend_on_fail=True
        )
    assert caught.value.field_errors == {"weight_basic_mgmt": ["“基础管理”的权重应为数字"]}
    with pytest.raises(DomainError, match="年度"):
        quality_setting_save(
            actor=perf, fiscal_year=99999, weights=_weights(*[1] * 6), bands=BANDS, suspend_on_fail=True
        )
    for persona in ("budget", "agency", "unit_user"):
        with pytest.raises(PermissionDeniedError):
            quality_setting_save(
                actor=world.users[persona],
                fiscal_year=2026,
                weights=_weights(*[1] * 6),
                bands=BANDS,
                suspend_on_fail=True,
            )
    assert not QualityReviewSetting.objects.filter(region__isnull=False).exists()


def test_a_review_under_a_setting_stored_wrongly_is_a_400_with_the_reason(world: World) -> None:
    QualityReviewSetting.objects.create(region=world.region, fiscal_year=2026, weights={"basic_mgmt": "abc"})
    agency = Agency.objects.create(region=world.region, name="明信咨询", credit_code="91511700MA62D4L83R")
    client = world.login("performance")
    post = {"fiscal_year": "2026", **dict.fromkeys(CODES, "85")}
    response = client.post(f"/experts/agencies/{agency.pk}/review/", post)
    assert response.status_code == 400
    assert "“基础管理”的权重不是数字" in response.content.decode()
    assert not AgencyQualityReview.objects.exists()
    page = client.get(URL, {"year": "2026"})
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="effective-error"' in html and "无效" in html


# ---- the page -----------------------------------------------------------------------------------------------------


def test_the_page_shows_the_default_and_saves_the_regions_own_row(world: World) -> None:
    client = world.login("performance")
    response = client.get(URL, {"year": "2026"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "全国默认" in html and 'name="weight_basic_mgmt"' in html and 'value="1"' in html
    saved = client.post(URL, _post(token=_token(html)))
    assert saved.status_code == 302 and saved["Location"].endswith("?year=2026")
    row = QualityReviewSetting.objects.get(region=world.region, fiscal_year=2026)
    assert row.weights == _weights(30, 30, 10, 10, 10, 10) and row.excellent_min == 85
    after = client.get(URL, {"year": "2026"}).content.decode()
    assert "渠县 2026年度" in after and "本区划" in after
    assert "全国默认" in client.get(URL, {"year": "2027"}).content.decode()
    assert "/experts/reviews/settings/" in client.get("/experts/reviews/").content.decode()  # the list links here


def test_bad_input_is_a_400_in_chinese_with_what_was_typed_kept(world: World) -> None:
    client = world.login("performance")
    token = _token(client.get(URL, {"year": "2026"}).content.decode())
    response = client.post(URL, _post(token=token, weight_archives="12.345", weight_basic_mgmt="abc", pass_min="101"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "“档案管理情况”的权重最多保留两位小数" in html and "“基础管理”的权重应为数字" in html
    assert "合格最低分应在0至100之间" in html
    assert 'value="12.345"' in html and 'value="abc"' in html and 'value="101"' in html
    disordered = client.post(URL, _post(token=token, good_min="90"))
    assert disordered.status_code == 400 and "“优秀”不低于“良好”" in disordered.content.decode()
    zero = client.post(URL, _post(token=token, **{f"weight_{code}": "0" for code in CODES}))
    assert zero.status_code == 400 and "各方面权重合计应大于0" in zero.content.decode()
    tampered = client.post(URL, _post(token=token, fiscal_year="99999"))
    assert tampered.status_code == 400 and "页面信息已失效" in tampered.content.decode()
    assert not QualityReviewSetting.objects.filter(region__isnull=False).exists()


def test_a_save_from_a_stale_page_is_a_409_and_a_second_press_saves(world: World) -> None:
    mine, theirs = world.login("performance"), world.login("performance")
    shown = _token(mine.get(URL, {"year": "2026"}).content.decode())
    assert theirs.post(URL, _post(token=_token(theirs.get(URL, {"year": "2026"}).content.decode()))).status_code == 302
    response = mine.post(URL, _post(token=shown, weight_basic_mgmt="55.5"))
    html = response.content.decode()
    assert response.status_code == 409
    assert "该记录已被他人修改" in html and 'value="55.5"' in html
    assert QualityReviewSetting.objects.get(region=world.region).weights["basic_mgmt"] == 30
    again = mine.post(URL, _post(token=_token(html), weight_basic_mgmt="55.5"))
    assert again.status_code == 302
    assert QualityReviewSetting.objects.get(region=world.region).weights["basic_mgmt"] == 55.5


def test_only_the_performance_section_opens_the_page_and_finds_it_in_the_menu(world: World) -> None:
    assert "执业质量核查设置" in world.login("performance").get("/").content.decode()
    for persona in ("budget", "agency", "expert", "unit_user"):
        client = world.login(persona)
        assert client.get(URL).status_code == 403, persona
        assert client.post(URL, _post()).status_code == 403, persona
        assert "执业质量核查设置" not in client.get("/").content.decode()
    assert not QualityReviewSetting.objects.filter(region__isnull=False).exists()
