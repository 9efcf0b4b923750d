"""The 约谈通知书 issued from an appraisal: labelled form, every value the template asks for, nothing left blank."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import World
from jixiao.appraisals import services
from jixiao.appraisals.models import Appraisal
from jixiao.appraisals.tests.helpers import dept_task, finance_score, to_perf_final
from jixiao.core.errors import ConflictError
from jixiao.documents.models import OfficialDocument

pytestmark = pytest.mark.django_db


def _interviewed(world: World) -> Appraisal:
    task = dept_task(world)
    edu = finance_score(world, to_perf_final(world, Appraisal.objects.get(task=task, department=world.edu)), {})
    health = Appraisal.objects.get(task=task, department=world.health)
    finance_score(world, to_perf_final(world, health), {"A1": "2"})
    services.task_rank(actor=world.users["performance"], task=task)
    assert Appraisal.objects.get(pk=edu.pk).rank == 1
    return services.appraisal_set_outcome(
        actor=world.users["performance"],
        appraisal=Appraisal.objects.get(pk=health.pk),
        outcome="INTERVIEW",
        reason="排名末位",
    )


def test_the_summons_page_form_is_labelled_and_keeps_input_on_error(world: World) -> None:
    appraisal = _interviewed(world)
    client = world.login("performance")
    page = client.get(f"/appraisals/{appraisal.pk}/").content.decode()
    form = page.split('data-testid="interview-form"')[1].split("</form>")[0]
    for label in ("约谈时间", "约谈地点", "书面说明报送期限", "联系人及电话"):
        assert f">{label}" in form, label
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    data = {"time": "2027年1月8日上午9时", "place": "县财政局三楼会议室", "deadline": past, "contact": ""}
    refused = client.post(f"/appraisals/{appraisal.pk}/interview/", data)
    body = refused.content.decode()
    assert refused.status_code == 400 and "书面说明报送期限不能早于今天" in body
    assert 'value="县财政局三楼会议室"' in body  # what was typed is still there
    assert not OfficialDocument.objects.exists()


def test_the_issued_summons_has_no_unfilled_marker(world: World) -> None:
    appraisal = _interviewed(world)
    deadline = timezone.localdate() + dt.timedelta(days=7)
    client = world.login("performance")
    data = {"time": "2027年1月8日上午9时", "place": "县财政局三楼会议室", "deadline": deadline.isoformat()}
    assert client.post(f"/appraisals/{appraisal.pk}/interview/", data).status_code == 302
    document = OfficialDocument.objects.get(doc_type="INTERVIEW_SUMMONS")
    assert document.doc_no and "【待填写" not in document.body
    assert f"于{deadline.year}年{deadline.month}月{deadline.day}日前报送我局" in document.body
    assert "联系人及电话：财政局预算绩效管理股室" in document.body
    assert f"在{appraisal.task.fiscal_year}年度预算绩效管理工作考核中，你单位考核得分" in document.body
    assert "在2个本级部门考核对象中排名第2位" in document.body
    assert document.feedback_deadline == deadline  # the department owes a written explanation
    # Its 关联 line names the examinee and the task, not the task's id.
    assert document.related_repr == f"{appraisal.examinee_name}（{appraisal.task.name}）"


def test_the_appraisal_page_opens_the_issued_summons(world: World) -> None:
    """After 签发, the number on the score sheet opens the document (Word, print, the recipient's feedback)."""
    appraisal = _interviewed(world)
    deadline = timezone.localdate() + dt.timedelta(days=7)
    client = world.login("performance")
    data = {"time": "2027年1月8日上午9时", "place": "县财政局三楼会议室", "deadline": deadline.isoformat()}
    client.post(f"/appraisals/{appraisal.pk}/interview/", data)
    document = OfficialDocument.objects.get(doc_type="INTERVIEW_SUMMONS")
    for persona in ("performance", "leader"):
        page = world.login(persona).get(f"/appraisals/{appraisal.pk}/").content.decode()
        assert f'href="{reverse("documents:detail", args=[document.pk])}"' in page, persona
        assert world.login(persona).get(reverse("documents:detail", args=[document.pk])).status_code == 200


def test_a_summoned_outcome_stays_as_issued(world: World) -> None:
    """Once a numbered 约谈通知书 went out, neither a changed outcome nor 撤销排名 (and a re-ranking) may leave it
    against an appraisal that is no longer 约谈: both are refused with 409, nothing changed."""
    appraisal = _interviewed(world)
    deadline = timezone.localdate() + dt.timedelta(days=7)
    client = world.login("performance")
    data = {"time": "2027年1月8日上午9时", "place": "县财政局三楼会议室", "deadline": deadline.isoformat()}
    assert client.post(f"/appraisals/{appraisal.pk}/interview/", data).status_code == 302
    appraisal.refresh_from_db()
    with pytest.raises(ConflictError, match=r"已下达约谈通知书.*不能再改变考核结果运用"):
        services.appraisal_set_outcome(
            actor=world.users["performance"], appraisal=appraisal, outcome="NONE", reason="改为不约谈"
        )
    with pytest.raises(ConflictError, match="已向县卫健局下达约谈通知书，不能撤销排名"):
        services.task_reopen(actor=world.users["performance"], task=appraisal.task, comment="重新审定")
    appraisal.refresh_from_db()
    assert (appraisal.outcome, appraisal.status) == ("INTERVIEW", "ranked")


def test_a_double_click_on_issue_is_sent_to_the_appraisal_not_to_already_issued(world: World) -> None:
    """签发 clicked twice: the second POST showed “已签发约谈通知书” as an error (400). With the form's one-time token
    it writes nothing and opens the appraisal, with one numbered summons."""
    appraisal = _interviewed(world)
    client = world.login("performance")
    page = client.get(f"/appraisals/{appraisal.pk}/").content.decode()
    form = page.split('data-testid="interview-form"')[1].split("</form>")[0]
    token = form.split('name="submit_token" value="')[1].split('"')[0]
    deadline = timezone.localdate() + dt.timedelta(days=7)
    data = {"time": "2027年1月8日上午9时", "place": "县财政局三楼会议室", "deadline": deadline.isoformat()}
    first = client.post(f"/appraisals/{appraisal.pk}/interview/", {**data, "submit_token": token})
    second = client.post(f"/appraisals/{appraisal.pk}/interview/", {**data, "submit_token": token})
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == f"/appraisals/{appraisal.pk}/"
    assert OfficialDocument.objects.filter(doc_type="INTERVIEW_SUMMONS").count() == 1
