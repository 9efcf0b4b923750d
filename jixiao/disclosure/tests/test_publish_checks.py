"""Publishing re-reads its source's state, not only generation: a target under adjustment (the unit's draft, edited
in place), a self-evaluation withdrawn or returned since, a department flagged 涉密 since: each is refused in
Chinese and nothing goes public; what was already public stays as it was."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from conftest import World
from jixiao.core.errors import DomainError
from jixiao.disclosure import services
from jixiao.disclosure.models import Disclosure, ItemType
from jixiao.disclosure.tests.helpers import Sources, generate, item_of, make_sources, publish
from jixiao.evaluation.models import SelfEvalStatus, SelfEvaluation
from jixiao.organizations.models import Department
from jixiao.targets import services as target_services
from jixiao.targets.models import TargetIndicator

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def sources(world: World) -> Sources:
    return make_sources(world)


def test_a_target_under_adjustment_is_not_published_from_the_units_draft(world: World, sources: Sources) -> None:
    generate(world)
    published = publish(world, item_of(ItemType.TARGET_TABLE, sources.target))
    pending = item_of(ItemType.TARGET_TABLE, sources.hospital_target)
    pending = services.disclosure_transition(actor=world.users["performance"], item=pending, action="propose")
    # The units ask for adjustments and edit the indicators in place.
    for target, persona in ((sources.target, "unit_user"), (sources.hospital_target, "other_unit_user")):
        target_services.target_transition(
            actor=world.users[persona], target=target, action="request_adjustment", comment="调整数量"
        )
        TargetIndicator.objects.filter(target=target).update(target_text="草稿值")
    with pytest.raises(DomainError, match="正在调整审核中，请审核完成后再公开"):
        services.disclosure_transition(actor=world.users["performance"], item=pending, action="publish")
    with pytest.raises(DomainError, match="正在调整审核中"):
        services.disclosure_transition(actor=world.users["performance"], item=published, action="republish")
    pending.refresh_from_db()
    published.refresh_from_db()
    assert pending.status == Disclosure.Status.REVIEW
    assert "草稿值" not in str(published.snapshot)


def test_a_self_evaluation_withdrawn_since_is_not_published(world: World, sources: Sources) -> None:
    generate(world)
    item = item_of(ItemType.SELF_EVAL_REPORT, sources.self_eval)
    item = services.disclosure_transition(actor=world.users["performance"], item=item, action="propose")
    SelfEvaluation.objects.filter(pk=sources.self_eval.pk).update(status=SelfEvalStatus.RETURNED)
    with pytest.raises(DomainError, match="已撤回或被退回修改，请重新报送后再公开"):
        services.disclosure_transition(actor=world.users["performance"], item=item, action="publish")
    item.refresh_from_db()
    assert item.status == Disclosure.Status.REVIEW and not item.snapshot


def test_a_department_flagged_secret_since_generation_is_not_published(world: World, sources: Sources) -> None:
    generate(world)
    item = item_of(ItemType.TARGET_TABLE, sources.target)
    item = services.disclosure_transition(actor=world.users["performance"], item=item, action="propose")
    Department.objects.filter(pk=world.edu.pk).update(is_secret=True)
    item = Disclosure.objects.get(pk=item.pk)
    with pytest.raises(DomainError, match="已标记为涉密，请按涉密不予公开办理"):
        services.disclosure_transition(actor=world.users["performance"], item=item, action="publish")
    item.refresh_from_db()
    assert item.status == Disclosure.Status.REVIEW


def test_bulk_publish_refuses_items_whose_unit_asked_to_withhold_them_and_the_queue_shows_the_request(
    world: World, sources: Sources
) -> None:
    """A unit's 申请不予公开（涉密/敏感） is decided item by item: the review queue shows it and offers no checkbox, and
    a batch naming such an item (a stale page, a crafted post) publishes nothing and names it."""
    generate(world)
    plain = item_of(ItemType.TARGET_TABLE, sources.target)
    asked = item_of(ItemType.TARGET_TABLE, sources.hospital_target)
    services.disclosure_transition(actor=world.users["performance"], item=plain, action="propose")
    services.disclosure_transition(
        actor=world.users["performance"], item=asked, action="propose_exempt", exemption="secret", comment="含涉密数据"
    )
    perf = world.login("performance")
    body = perf.get(reverse("disclosure:review")).content.decode()
    assert 'data-testid="requested-exemption"' in body and "申请不予公开（涉密）" in body
    assert f'name="ids" value="{plain.pk}"' in body
    assert f'name="ids" value="{asked.pk}"' not in body
    response = perf.post(reverse("disclosure:bulk"), {"ids": [plain.pk, asked.pk], "action": "publish"})
    assert response.status_code == 400
    assert f"“{asked.title}”（申请不予公开：涉密）" in response.content.decode()
    assert "请逐项审核决定" in response.content.decode()
    statuses = dict(Disclosure.objects.filter(pk__in=[plain.pk, asked.pk]).values_list("pk", "status"))
    assert statuses == {plain.pk: Disclosure.Status.REVIEW, asked.pk: Disclosure.Status.REVIEW}
    assert not Disclosure.objects.get(pk=asked.pk).snapshot
    # Without it the batch goes through; the request itself is still decided on the item's page.
    assert services.disclosure_bulk_transition(actor=world.users["performance"], ids=[plain.pk], action="publish") == 1
    asked = services.disclosure_transition(
        actor=world.users["performance"],
        item=Disclosure.objects.get(pk=asked.pk),
        action="exempt_secret",
        comment="同意",
    )
    assert asked.status == Disclosure.Status.EXEMPT_SECRET
