"""Optimistic locking (SECURITY.md I05): a save from a page the data has moved on from is refused with 409 and the
newer data is kept — the disclosure deadline settings page and an item's action forms (propose, exempt, review)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from conftest import World
from jixiao.disclosure.models import Disclosure, DisclosureSettings, ItemType
from jixiao.disclosure.tests.helpers import YEAR, Sources, generate, item_of, make_sources

pytestmark = pytest.mark.django_db

S = Disclosure.Status
TOKEN = re.compile(r'name="lock_token" value="([0-9a-f]+)"')


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def sources(world: World) -> Sources:
    return make_sources(world)


def _token(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    found = TOKEN.findall(response.content.decode())
    assert found, "the page renders a lock token"
    assert len(set(found)) == 1
    return found[0]


def test_settings_saved_from_a_stale_page_is_refused_and_keeps_the_first_save(world: World) -> None:
    client = world.login("performance")
    url = reverse("disclosure:settings")
    token = _token(client, url)
    assert client.post(url, {"fiscal_year": YEAR, "days_after_approval": 15, "lock_token": token}).status_code == 302
    response = client.post(url, {"fiscal_year": YEAR, "days_after_approval": 30, "lock_token": token})
    assert response.status_code == 409 and "已被他人修改" in response.content.decode()
    assert DisclosureSettings.objects.get(region=world.region, fiscal_year=YEAR).days_after_approval == 15
    # Adding another year's row also changes the token of the page.
    fresh = _token(client, url)
    assert client.post(url, {"fiscal_year": "", "days_after_approval": 25, "lock_token": fresh}).status_code == 302
    assert client.post(url, {"fiscal_year": YEAR, "days_after_approval": 30, "lock_token": fresh}).status_code == 409
    assert DisclosureSettings.objects.get(region=world.region, fiscal_year=YEAR).days_after_approval == 15


def test_publish_from_a_page_opened_before_a_return_is_refused(world: World, sources: Sources) -> None:
    """Returned and proposed again, the item is back under review: only the token tells the page is stale."""
    generate(world)
    item = item_of(ItemType.TARGET_TABLE, sources.target)
    detail = reverse("disclosure:detail", args=[item.pk])
    action = reverse("disclosure:transition", args=[item.pk])
    unit = world.login("unit_user")
    assert unit.post(action, {"action": "propose", "lock_token": _token(unit, detail)}).status_code == 302
    perf = world.login("performance")
    stale = _token(perf, detail)
    assert perf.post(action, {"action": "return", "comment": "请补充说明", "lock_token": stale}).status_code == 302
    exempt = {"action": "propose_exempt", "comment": "含个人信息", "exemption": "sensitive"}
    assert unit.post(action, {**exempt, "lock_token": _token(unit, detail)}).status_code == 302
    assert Disclosure.objects.get(pk=item.pk).status == S.REVIEW
    # The reviewer's first tab still shows the proposal to publish; publishing from it is refused.
    response = perf.post(action, {"action": "publish", "lock_token": stale})
    assert response.status_code == 409 and "已被他人修改" in response.content.decode()
    item.refresh_from_db()
    assert item.status == S.REVIEW and item.requested_exemption == "sensitive" and not item.snapshot


def test_proposal_from_a_stale_page_is_refused(world: World, sources: Sources) -> None:
    generate(world)
    item = item_of(ItemType.SELF_EVAL_REPORT)
    detail = reverse("disclosure:detail", args=[item.pk])
    action = reverse("disclosure:transition", args=[item.pk])
    unit = world.login("unit_user")
    token = _token(unit, detail)
    exempt = {"action": "propose_exempt", "comment": "含个人信息", "exemption": "sensitive", "lock_token": token}
    assert unit.post(action, exempt).status_code == 302
    perf = world.login("performance")
    back = {"action": "return", "comment": "不属于敏感信息", "lock_token": _token(perf, detail)}
    assert perf.post(action, back).status_code == 302
    response = unit.post(action, {**exempt, "comment": "旧页面的理由", "exemption": "other"})
    assert response.status_code == 409
    item.refresh_from_db()
    assert item.status == S.PENDING
    assert [e.action for e in item.events.order_by("id")] == ["generate", "propose_exempt", "return"]


def test_a_refused_action_keeps_the_reason_typed_in_the_form_it_came_from(world: World, sources: Sources) -> None:
    """A stale page's 退回 (409) names who returned the item first, and its reason (退回 is no longer offered) is shown
    apart to copy; a 申请不予公开 refused, still offered, shows the page again with the reason and type filled in."""
    generate(world)
    item = item_of(ItemType.SELF_EVAL_REPORT)
    detail = reverse("disclosure:detail", args=[item.pk])
    action = reverse("disclosure:transition", args=[item.pk])
    unit = world.login("unit_user")
    stale = _token(unit, detail)
    assert unit.post(action, {"action": "propose", "lock_token": stale}).status_code == 302
    perf = world.login("performance")
    token = _token(perf, detail)
    assert perf.post(action, {"action": "return", "comment": "请补充", "lock_token": token}).status_code == 302
    response = perf.post(action, {"action": "return", "comment": "自评得分与附件不一致", "lock_token": token})
    assert response.status_code == 409
    body = response.content.decode()
    assert f"{world.users['performance']} 已于" in body and "退回" in body
    assert 'data-testid="unsent-comment"' in body and ">自评得分与附件不一致</textarea>" in body
    assert 'value="自评得分与附件不一致"' not in body
    # The unit's 申请不予公开 from its stale page: the reason and the chosen type are still there.
    exempt = {"action": "propose_exempt", "comment": "含学生个人信息", "exemption": "sensitive", "lock_token": stale}
    response = unit.post(action, exempt)
    assert response.status_code == 409
    body = response.content.decode()
    assert 'name="comment" maxlength="1000" required value="含学生个人信息"' in body
    assert '<option value="sensitive" selected>' in body
    assert 'placeholder="不予公开、退回、撤回时必须填写理由" value=' not in body
    assert Disclosure.objects.get(pk=item.pk).status == S.PENDING
