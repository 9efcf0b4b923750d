"""Drafting and issuing from the pages: a numbered document never goes out with a 【待填写：…】 hole in it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from jixiao.core.errors import ConflictError
from jixiao.core.models import AuditEvent
from jixiao.documents import services
from jixiao.documents.models import DocType, DocumentStatus, OfficialDocument

pytestmark = pytest.mark.django_db

DEADLINE = timezone.localdate() + dt.timedelta(days=25)


def test_a_draft_with_unfilled_markers_is_not_issued(world: Any) -> None:
    draft = services.document_draft(
        actor=world.users["performance"],
        doc_type=DocType.INTERVIEW_SUMMONS,
        region=world.region,
        recipients=[world.edu],
        context={"subject": "县教育局预算绩效管理工作", "problems": "整改逾期未反馈", "deadline": "2026年12月31日"},
    )
    assert "【待填写：时间】" in draft.body
    client = world.login("performance")
    page = client.get(f"/documents/{draft.pk}/").content.decode()
    assert "【待填写：时间】" in page.split('data-testid="doc-markers"')[1].split("</div>")[0]
    response = client.post(f"/documents/{draft.pk}/transition/", {"action": "issue"}, follow=True)
    assert "请点“修改”补全后再印发" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == DocumentStatus.DRAFT and not draft.doc_no
    # Completed on the edit page, it is issued with the next number.
    body = draft.body.replace("【待填写：情况概述】", "你单位整改逾期未反馈。")
    body = body.replace("【待填写：时间】", "2026年12月15日上午9时").replace("【待填写：地点】", "县财政局会议室")
    body = body.replace("【待填写：联系人及电话】", "绩效股 0818-7200000")
    edited = client.post(
        f"/documents/{draft.pk}/edit/",
        {"title": draft.title, "body": body, "version": draft.version, "departments": [world.edu.pk]},
    )
    assert edited.status_code == 302
    response = client.post(f"/documents/{draft.pk}/transition/", {"action": "issue"}, follow=True)
    draft.refresh_from_db()
    assert draft.status == DocumentStatus.ISSUED and draft.doc_no
    assert "【待填写" not in draft.body
    assert OfficialDocument.objects.filter(status=DocumentStatus.ISSUED).count() == 1


def test_the_draft_form_asks_for_what_each_template_uses(world: Any) -> None:
    client = world.login("performance")
    page = client.get("/documents/new/").content.decode()
    # The 约谈通知书 asks for 约谈时间, 约谈地点 and 情况概述; the 评价结果反馈函 for 得分, 等级 and 评价结果.
    for name in ("time", "place", "summary", "score", "grade", "result"):
        assert f'name="{name}"' in page, name
    assert "用于：约谈通知书" in page
    assert 'name="amount"' not in page  # no default template uses {amount}
    response = client.post(
        "/documents/new/",
        {
            "doc_type": "INTERVIEW_SUMMONS",
            "fiscal_year": 2026,
            "departments": [world.edu.pk],
            "feedback_deadline": DEADLINE.isoformat(),
            "subject": "县教育局预算绩效管理工作",
            "summary": "你单位整改通知逾期未反馈。",
            "time": "2026年12月15日上午9时",
            "place": "县财政局三楼会议室",
            "problems": "整改通知逾期未反馈",
            "contact": "绩效股 0818-7200000",
        },
    )
    assert response.status_code == 302
    doc = OfficialDocument.objects.get()
    assert "约谈时间：2026年12月15日上午9时" in doc.body and "约谈地点：县财政局三楼会议室" in doc.body
    assert "你单位整改通知逾期未反馈。" in doc.body
    # 办理期限 left blank: the feedback deadline
    assert f"于{DEADLINE.year}年{DEADLINE.month}月{DEADLINE.day}日前报送我局" in doc.body
    assert "【待填写" not in doc.body
    client.post(f"/documents/{doc.pk}/transition/", {"action": "issue"})
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.ISSUED


def test_changing_the_addressees_of_a_draft_changes_its_salutation(world: Any) -> None:
    draft = services.document_draft(
        actor=world.users["performance"],
        doc_type=DocType.OPINION_LETTER,
        region=world.region,
        recipients=[world.edu],
        context={"subject": "目标设置", "problems": "指标未量化"},
    )
    assert draft.body.startswith("县教育局：")
    client = world.login("performance")
    data = {"title": draft.title, "body": draft.body, "version": draft.version}
    client.post(f"/documents/{draft.pk}/edit/", {**data, "departments": [world.edu.pk, world.health.pk]})
    draft.refresh_from_db()
    assert draft.body.startswith("县教育局、县卫健局：") and draft.recipients.count() == 2
    # A salutation the drafter wrote by hand is left alone.
    custom = "各有关主管部门：" + draft.body.split("：", 1)[1]
    data = {"title": draft.title, "body": custom, "version": draft.version}
    client.post(f"/documents/{draft.pk}/edit/", {**data, "departments": [world.edu.pk]})
    draft.refresh_from_db()
    assert draft.body.startswith("各有关主管部门：") and draft.recipients.count() == 1


def test_a_placeholder_typed_into_a_draft_without_its_value_is_not_issued(world: Any) -> None:
    """`{contact}` typed on the edit page is a known placeholder, so the edit is accepted; at issue it would become a
    【待填写：联系人及电话】 hole in the numbered document, so the issue is refused like a marker left in the text."""
    context = {"subject": "县教育局预算绩效管理工作", "problems": "整改逾期未反馈", "deadline": "2026年12月31日"}
    context |= {"time": "2026年12月15日上午9时", "place": "县财政局会议室", "summary": "你单位整改逾期未反馈。"}
    draft = services.document_draft(
        actor=world.users["performance"],
        doc_type=DocType.INTERVIEW_SUMMONS,
        region=world.region,
        recipients=[world.edu],
        context=context,  # no 联系人及电话
    )
    client = world.login("performance")
    body = draft.body.replace("【待填写：联系人及电话】", "{contact}")
    assert "【待填写" not in body and "{contact}" in body
    edited = client.post(
        f"/documents/{draft.pk}/edit/",
        {"title": draft.title, "body": body, "version": draft.version, "departments": [world.edu.pk]},
    )
    assert edited.status_code == 302
    draft.refresh_from_db()
    assert services.unfilled_markers(draft) == ["【待填写：联系人及电话】"]
    response = client.post(f"/documents/{draft.pk}/transition/", {"action": "issue"}, follow=True)
    assert "请点“修改”补全后再印发" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == DocumentStatus.DRAFT and not draft.doc_no
    # {doc_no} and {date}, filled at issue, are not holes.
    draft.body = draft.body.replace("{contact}", "绩效股 0818-7200000") + "\n{doc_no} {date}"
    draft.save()
    assert services.unfilled_markers(draft) == []


def test_a_feedback_deadline_already_passed_is_refused_at_the_field_and_at_issue(world: Any) -> None:
    """A 反馈期限 before today was taken: the document went out numbered with its addressees already overdue."""
    client = world.login("performance")
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    data = {
        "doc_type": "RECTIFICATION_NOTICE",
        "fiscal_year": 2026,
        "units": [world.school.pk],
        "subject": "一中",
        "project": "一中设备购置",
        "problems": "未细化",
        "requirements": "细化",
        "contact": "绩效股",
    }
    response = client.post("/documents/new/", {**data, "feedback_deadline": yesterday})
    assert response.status_code == 400
    page = response.content.decode()
    assert "反馈期限不能早于今天" in page and "未细化" in page  # at the field, the typed text kept
    assert not OfficialDocument.objects.exists()
    # Today is allowed; a draft that waited past its deadline is refused at issue until the date is changed.
    today = timezone.localdate().isoformat()
    assert client.post("/documents/new/", {**data, "feedback_deadline": today}).status_code == 302
    draft = OfficialDocument.objects.get()
    OfficialDocument.objects.filter(pk=draft.pk).update(feedback_deadline=timezone.localdate() - dt.timedelta(days=3))
    response = client.post(f"/documents/{draft.pk}/transition/", {"action": "issue"}, follow=True)
    assert "已过，请点“修改”改定反馈期限后再印发" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == DocumentStatus.DRAFT and not draft.doc_no
    edit = {"title": draft.title, "body": draft.body, "version": draft.version, "units": [world.school.pk]}
    response = client.post(f"/documents/{draft.pk}/edit/", {**edit, "feedback_deadline": yesterday})
    assert response.status_code == 400 and "反馈期限不能早于今天" in response.content.decode()
    assert client.post(f"/documents/{draft.pk}/edit/", {**edit, "feedback_deadline": today}).status_code == 302
    response = client.post(f"/documents/{draft.pk}/transition/", {"action": "issue"}, follow=True)
    draft.refresh_from_db()
    assert draft.status == DocumentStatus.ISSUED and draft.doc_no


@pytest.mark.parametrize("typed", ["{联系人}", "｛contact｝", "请于{ 前反馈"])
def test_a_brace_outside_a_placeholder_typed_into_a_draft_is_refused(world: Any, typed: str) -> None:
    """A template refuses `{联系人}`, a full-width ｛contact｝ or a lone brace (they print as typed); a draft's text
    took them on 修改 and issued them into the numbered document."""
    draft = services.document_draft(
        actor=world.users["performance"],
        doc_type=DocType.REMINDER_LETTER,
        region=world.region,
        recipients=[world.edu],
        context={"subject": "一中", "problems": "逾期", "deadline": "2026年12月31日", "contact": "绩效股"},
    )
    client = world.login("performance")
    body = draft.body.replace("绩效股", typed)
    data = {"title": draft.title, "body": body, "version": draft.version, "departments": [world.edu.pk]}
    response = client.post(f"/documents/{draft.pk}/edit/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "正文中" in page and ("无法识别的占位符" in page or "不成对的花括号" in page)
    draft.refresh_from_db()
    assert typed not in draft.body


def test_a_hand_written_draft_is_deleted_with_its_reason_kept_and_a_generated_one_is_not(world: Any) -> None:
    """A draft not wanted after all waited in 文书草稿待印发 for good. 删除草稿: a hand-written draft only, never an
    issued document nor one a case or bulletin drafted, audited; a refused issue answers with its status (was 302)."""
    context = {"subject": "县教育局预算绩效管理工作", "problems": "整改逾期未反馈", "deadline": "2026年12月31日"}
    draft = services.document_draft(
        actor=world.users["performance"],
        doc_type=DocType.INTERVIEW_SUMMONS,
        region=world.region,
        recipients=[world.edu],
        context=context,
    )
    client = world.login("performance")
    refused = client.post(f"/documents/{draft.pk}/transition/", {"action": "issue"})
    assert refused.status_code == 400 and "请点“修改”补全后再印发" in refused.content.decode()
    page = client.get(f"/documents/{draft.pk}/").content.decode()
    assert 'data-testid="doc-discard"' in page and "删除后不能恢复" in page
    assert world.login("budget").post(f"/documents/{draft.pk}/discard/").status_code == 403
    gone = client.post(f"/documents/{draft.pk}/discard/")
    assert gone.status_code == 302 and gone["Location"] == "/documents/"
    assert OfficialDocument.objects.get(pk=draft.pk).is_deleted
    assert client.get(f"/documents/{draft.pk}/").status_code == 404
    assert draft.title not in client.get("/documents/").content.decode()
    assert AuditEvent.objects.filter(event_type="documents.discard", object_id=str(draft.pk)).exists()
    # A draft a case produced stays with its case.
    generated = services.document_draft(
        actor=world.users["performance"],
        doc_type=DocType.INTERVIEW_SUMMONS,
        region=world.region,
        recipients=[world.edu],
        context=context,
        related=world.school_project,
    )
    assert 'data-testid="doc-discard"' not in client.get(f"/documents/{generated.pk}/").content.decode()
    kept = client.post(f"/documents/{generated.pk}/discard/")
    assert kept.status_code == 409 and "请在该事项中处理" in kept.content.decode()
    assert not OfficialDocument.objects.get(pk=generated.pk).is_deleted


def test_a_draft_deleted_meanwhile_says_so(world: Any) -> None:
    """Deleted on another page first: the second 删除草稿 says it is gone, not that the draft was issued."""
    draft = services.document_draft(
        actor=world.users["performance"],
        doc_type=DocType.INTERVIEW_SUMMONS,
        region=world.region,
        recipients=[world.edu],
        context={"subject": "县教育局预算绩效管理工作", "problems": "整改逾期未反馈", "deadline": "2026年12月31日"},
    )
    stale = OfficialDocument.objects.get(pk=draft.pk)
    services.document_discard(actor=world.users["performance"], document=draft)
    with pytest.raises(ConflictError, match="该草稿已被删除"):  # the system actor: past the scope check to the row
        services.document_discard(actor=None, document=stale)


def test_the_target_notice_opens_target_setting_for_every_department(world: Any) -> None:
    """Seed 000 S09: the yearly 绩效目标编审通知 (编制范围、内容、流程、要求) from its national default template."""
    client = world.login("performance")
    page = client.get("/documents/new/").content.decode()
    assert '<option value="TARGET_NOTICE">绩效目标编审通知</option>' in page
    draft = services.document_draft(
        actor=world.users["performance"],
        doc_type=DocType.TARGET_NOTICE,
        region=world.region,
        recipients=[world.edu, world.health],
        context={"content": "项目名称、资金规模、年度目标及产出、效益、满意度指标。", "deadline": "2026年10月31日"},
        fiscal_year=2027,
    )
    assert draft.title == "关于做好2027年度预算绩效目标编制审核工作的通知"
    parts = ("一、编制范围", "二、编制内容\n项目名称、资金规模", "三、编审流程", "四、有关要求", "2026年10月31日前")
    for part in parts:
        assert part in draft.body, part
    assert "不予安排预算" in draft.body and "【待填写：联系人及电话】" in draft.body
    assert sorted(r.department.name for r in draft.recipients.all()) == ["县卫健局", "县教育局"]


def test_a_double_click_on_save_drafts_one_document(world: Any) -> None:
    """保存 clicked twice made two identical drafts. The form's one-time token (core.once): the second POST writes
    nothing and opens the draft the first made; the edit page carries no token."""
    client = world.login("performance")
    page = client.get("/documents/new/").content.decode()
    token = page.split('name="submit_token" value="')[1].split('"')[0]
    data = {
        "doc_type": "RECTIFICATION_NOTICE",
        "fiscal_year": 2026,
        "units": [world.school.pk],
        "feedback_deadline": DEADLINE.isoformat(),
        "subject": "一中",
        "project": "一中设备购置",
        "problems": "未细化",
        "requirements": "细化",
        "contact": "绩效股",
        "submit_token": token,
    }
    first = client.post("/documents/new/", data)
    second = client.post("/documents/new/", data)
    doc = OfficialDocument.objects.get()
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == f"/documents/{doc.pk}/"
    assert "submit_token" not in client.get(f"/documents/{doc.pk}/edit/").content.decode()
