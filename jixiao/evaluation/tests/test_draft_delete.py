"""A 再评价批次 or 真实性核查 created by mistake is deleted while 待抽取; once drawn it stays (its seed and samples
may be verified by anyone), and another region's cannot be reached."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from conftest import TEST_PASSWORD, World, _member
from jixiao.core.models import AuditEvent
from jixiao.evaluation import services_reeval
from jixiao.evaluation.models import AuthenticityCheck, ReEvaluationBatch
from jixiao.evaluation.tests.selfeval_helpers import YEAR
from jixiao.evaluation.tests.test_reeval import _batch, final_records

pytestmark = pytest.mark.django_db


def test_a_draft_batch_is_deleted_from_its_page_and_leaves_the_todo(world: World) -> None:
    batch = _batch(world, rate=Decimal("1"))
    client = world.login("performance")
    page = client.get(f"/evaluation/reeval/{batch.pk}/").content.decode()
    assert 'data-testid="reeval-delete"' in page and "删除后不能恢复" in page
    before = {i.title: i.count for i in services_reeval.reeval_todos(world.users["performance"])}
    response = client.post(f"/evaluation/reeval/{batch.pk}/delete/")
    assert response.status_code == 302 and response.url == "/evaluation/reeval/"
    assert not ReEvaluationBatch.objects.filter(pk=batch.pk).exists()
    after = {i.title: i.count for i in services_reeval.reeval_todos(world.users["performance"])}
    assert after["未办结的再评价批次"] == before["未办结的再评价批次"] - 1
    event = AuditEvent.objects.get(event_type="evaluation.reeval_delete")
    assert event.object_id == str(batch.pk) and batch.title in event.reason


def test_a_drawn_batch_is_never_deleted(world: World) -> None:
    final_records(world)
    batch = services_reeval.batch_draw(actor=world.users["performance"], batch=_batch(world, rate=Decimal("1")))
    client = world.login("performance")
    assert 'data-testid="reeval-delete"' not in client.get(f"/evaluation/reeval/{batch.pk}/").content.decode()
    response = client.post(f"/evaluation/reeval/{batch.pk}/delete/")
    assert response.status_code == 409 and "该批次已经抽取，不能删除" in response.content.decode()  # was a 302
    assert ReEvaluationBatch.objects.filter(pk=batch.pk, sample_size=3).exists()
    # Drawn twice (a second tab): refused with the page as it stands, not a redirect.
    again = client.post(f"/evaluation/reeval/{batch.pk}/draw/")
    assert again.status_code == 409 and batch.seed in again.content.decode()
    assert client.get(f"/evaluation/reeval/{batch.pk}/delete/").status_code == 405


def test_only_finance_of_the_region_deletes_a_batch(world: World) -> None:
    batch = _batch(world)
    assert world.login("unit_user").post(f"/evaluation/reeval/{batch.pk}/delete/").status_code == 403
    _member("far_perf", "performance", world.other_region)
    outsider = Client()
    assert outsider.login(username="far_perf", password=TEST_PASSWORD)
    assert outsider.post(f"/evaluation/reeval/{batch.pk}/delete/").status_code == 404
    assert ReEvaluationBatch.objects.filter(pk=batch.pk).exists()


def test_a_draft_check_is_deleted_but_not_one_under_way(world: World) -> None:
    final_records(world)
    business = world.users["business"]
    draft = services_reeval.check_create(actor=business, fiscal_year=YEAR)
    second = services_reeval.check_create(actor=business, fiscal_year=YEAR)
    drawn = services_reeval.check_draw(actor=business, check=second)
    client = world.login("business")
    page = client.get(f"/evaluation/authenticity/{draft.pk}/").content.decode()
    assert 'data-testid="auth-delete"' in page
    response = client.post(f"/evaluation/authenticity/{draft.pk}/", {"action": "delete"})
    assert response.status_code == 302 and response.url == "/evaluation/authenticity/"
    assert not AuthenticityCheck.objects.filter(pk=draft.pk).exists()
    assert AuditEvent.objects.filter(event_type="evaluation.authenticity_delete", object_id=str(draft.pk)).exists()
    assert 'data-testid="auth-delete"' not in client.get(f"/evaluation/authenticity/{drawn.pk}/").content.decode()
    refused = client.post(f"/evaluation/authenticity/{drawn.pk}/", {"action": "delete"}, follow=True)
    assert "该核查已经确定核查项目，不能删除" in refused.content.decode()
    assert AuthenticityCheck.objects.get(pk=drawn.pk).items.exists()
