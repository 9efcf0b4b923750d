"""执业质量核查: a review of the year saved by someone else after the form was shown is not replaced unseen."""

from __future__ import annotations

import re
from decimal import Decimal

from conftest import World
from jixiao.experts.models import QUALITY_ASPECTS, Agency, AgencyQualityReview


def _shown_at(html: str) -> str:
    match = re.search(r'name="shown_at" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def test_a_review_saved_after_the_page_was_shown_is_a_409_and_a_second_press_replaces_it(world: World) -> None:
    agency = Agency.objects.create(region=world.region, name="明信咨询", credit_code="91511700MA62D4L83R")
    url = f"/experts/agencies/{agency.pk}/review/"
    mine, theirs = world.login("performance"), world.login("performance")
    shown = _shown_at(mine.get(url).content.decode())
    scores = {code: "85" for code, _label in QUALITY_ASPECTS}
    assert theirs.post(url, {"fiscal_year": "2026", "note": "他人的核查", **scores}).status_code == 302
    stale = {"fiscal_year": "2026", "note": "我的核查", "shown_at": shown, **dict.fromkeys(scores, "70")}
    response = mine.post(url, stale)
    html = response.content.decode()
    assert response.status_code == 409
    assert "2026年度的执业质量核查在本页面打开后已由" in html and "85.00分" in html
    assert "我的核查" in html  # what was typed stays
    review = AgencyQualityReview.objects.get()
    assert (review.note, review.total) == ("他人的核查", Decimal("85.00"))
    # The refusal showed the saved review: pressing again replaces it on purpose.
    again = mine.post(url, {**stale, "shown_at": _shown_at(html)})
    assert again.status_code == 302
    review.refresh_from_db()
    assert (review.note, review.total) == ("我的核查", Decimal("70.00"))


def test_a_review_older_than_the_page_is_replaced_as_before(world: World) -> None:
    agency = Agency.objects.create(region=world.region, name="明信咨询", credit_code="91511700MA62D4L83R")
    url = f"/experts/agencies/{agency.pk}/review/"
    client = world.login("performance")
    scores = {code: "85" for code, _label in QUALITY_ASPECTS}
    assert client.post(url, {"fiscal_year": "2026", **scores}).status_code == 302
    shown = _shown_at(client.get(url).content.decode())
    response = client.post(url, {"fiscal_year": "2026", "shown_at": shown, **dict.fromkeys(scores, "90")})
    assert response.status_code == 302
    assert AgencyQualityReview.objects.get().total == Decimal("90.00")


def _token(html: str) -> str:
    match = re.search(r'name="submit_token" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def test_a_double_click_on_save_is_sent_to_the_agency_not_to_a_409(world: World) -> None:
    """保存 clicked twice: the second POST (its page older than the first's save) was a 409 “已由…保存”, the user's own
    review. With the form's one-time token it writes nothing and opens the agency the first saved for."""
    agency = Agency.objects.create(region=world.region, name="明信咨询", credit_code="91511700MA62D4L83R")
    url = f"/experts/agencies/{agency.pk}/review/"
    client = world.login("performance")
    html = client.get(url).content.decode()
    post = {"fiscal_year": "2026", "shown_at": _shown_at(html), "submit_token": _token(html)}
    post.update({code: "85" for code, _label in QUALITY_ASPECTS})
    first = client.post(url, post)
    second = client.post(url, post, follow=True)
    assert first.status_code == 302 and second.redirect_chain == [(f"/experts/agencies/{agency.pk}/", 302)]
    assert "该表单已提交，未重复登记" in second.content.decode()
    assert AgencyQualityReview.objects.count() == 1


def test_a_409_gives_the_token_back_so_a_second_press_replaces(world: World) -> None:
    agency = Agency.objects.create(region=world.region, name="明信咨询", credit_code="91511700MA62D4L83R")
    url = f"/experts/agencies/{agency.pk}/review/"
    mine, theirs = world.login("performance"), world.login("performance")
    html = mine.get(url).content.decode()
    scores = {code: "85" for code, _label in QUALITY_ASPECTS}
    assert theirs.post(url, {"fiscal_year": "2026", **scores}).status_code == 302
    stale = {"fiscal_year": "2026", "shown_at": _shown_at(html), "submit_token": _token(html)}
    stale.update(dict.fromkeys(scores, "70"))
    refused = mine.post(url, stale)
    assert refused.status_code == 409 and _token(refused.content.decode()) == stale["submit_token"]
    again = mine.post(url, {**stale, "shown_at": _shown_at(refused.content.decode())})
    assert again.status_code == 302
    assert AgencyQualityReview.objects.get().total == Decimal("70.00")
