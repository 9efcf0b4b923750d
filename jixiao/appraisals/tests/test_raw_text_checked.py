"""The score grids' 说明 boxes, the finance texts (存在问题, 整改建议, 财政审核意见) and the 撤销排名 opinion are read
straight from the POST: a NUL in any of them was a 500 on PostgreSQL, and an overlong one was silently cut short.
Both are now refused in Chinese (400), nothing saved."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import World
from jixiao.appraisals import services
from jixiao.appraisals.models import Appraisal, AppraisalScore
from jixiao.appraisals.tests.helpers import dept_task, leaves, to_perf_final
from jixiao.core.errors import DomainError

pytestmark = pytest.mark.django_db


def test_a_self_note_with_a_nul_or_too_long_is_refused_nothing_saved(world: World) -> None:
    edu = Appraisal.objects.get(task=dept_task(world), department=world.edu)
    b1 = next(n for n in leaves(edu) if n.code == "B1")
    client = world.login("dept_admin")
    for note, reason in (("按时\x00申报", "不能包含控制字符"), ("说" * 2001, "不能超过2000个字")):
        data = {f"ind_{b1.pk}": "5", f"indnote_{b1.pk}": note}
        response = client.post(reverse("appraisals:self_save", args=[edu.pk]), data)
        assert response.status_code == 400 and f"{b1.name}”的自评说明{reason}" in response.content.decode()
    assert not AppraisalScore.objects.filter(appraisal=edu, ind_score__isnull=False).exists()


def test_finance_texts_and_notes_with_a_nul_are_refused_nothing_saved(world: World) -> None:
    edu = to_perf_final(world, Appraisal.objects.get(task=dept_task(world), department=world.edu))
    a1 = next(n for n in leaves(edu) if n.code == "A1")
    client = world.login("performance")
    url = reverse("appraisals:eval_save", args=[edu.pk])
    response = client.post(url, {f"eval_{a1.pk}": "8", "exist_problems": "覆盖\x00不全"})
    assert response.status_code == 400 and "存在问题不能包含控制字符" in response.content.decode()
    response = client.post(url, {f"eval_{a1.pk}": "8", f"evalnote_{a1.pk}": "扣\x00分"})
    assert response.status_code == 400 and "的评分说明不能包含控制字符" in response.content.decode()
    edu.refresh_from_db()
    assert edu.exist_problems == "" and AppraisalScore.objects.get(appraisal=edu, node=a1).eval_score is None
    with pytest.raises(DomainError, match="撤销排名意见不能包含控制字符"):
        services.task_reopen(actor=world.users["performance"], task=edu.task, comment="重新\x00审定")
