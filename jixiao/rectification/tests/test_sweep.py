"""Reminders and escalation (issue 7 item 2): the sweep is idempotent; an overdue case gets one 提醒敦促函, a case
still open after the second period one 约谈通知书; region rows override the national rule; 待办; the 台账 export."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import timezone

from conftest import World
from jixiao.core import todos
from jixiao.core.models import AuditEvent
from jixiao.documents.models import OfficialDocument
from jixiao.rectification import selectors, services
from jixiao.rectification.models import Rectification, RectificationEvent, RectificationLetter, RectificationSettings
from jixiao.rectification.tests.helpers import YEAR, draft_case, issued_case, overdue_by

pytestmark = pytest.mark.django_db


def test_national_default_rule_is_a_row() -> None:
    row = RectificationSettings.objects.get(region__isnull=True, fiscal_year__isnull=True)
    assert (row.deadline_days, row.working_days, row.remind_days_before) == (20, True, 3)
    assert (row.escalate_after_days, row.second_escalate_after_days) == (5, 10)


def test_sweep_reminds_once_before_the_deadline(world: World) -> None:
    today = timezone.localdate()
    rect = issued_case(world, deadline=today + timedelta(days=2))
    far = issued_case(world, world.hospital_project, deadline=today + timedelta(days=30))
    assert services.rectification_sweep(today=today).reminded == 1
    assert services.rectification_sweep(today=today).reminded == 0
    rect.refresh_from_db()
    far.refresh_from_db()
    assert rect.reminded_on == today and far.reminded_on is None
    assert RectificationEvent.objects.filter(rectification=rect, action="remind").count() == 1


def test_overdue_case_escalates_to_one_reminder_letter_then_one_summons(world: World) -> None:
    today = timezone.localdate()
    rect = overdue_by(issued_case(world), 6)
    not_yet = overdue_by(issued_case(world, world.hospital_project), 2)
    assert rect.is_overdue if hasattr(rect, "is_overdue") else True
    first = services.rectification_sweep(actor=world.users["performance"], today=today)
    assert (first.reminder_letters, first.summons) == (1, 0) and first.cases == [rect.pk]
    again = services.rectification_sweep(actor=world.users["performance"], today=today)
    assert (again.reminder_letters, again.summons, again.reminded) == (0, 0, 0)
    rect.refresh_from_db()
    not_yet.refresh_from_db()
    assert rect.escalation_level == 1 and rect.escalated_on == today and not_yet.escalation_level == 0
    letter = RectificationLetter.objects.get(rectification=rect, kind="REMINDER")
    document = OfficialDocument.objects.get(pk=letter.document_id)
    assert document.doc_type == "REMINDER_LETTER" and document.doc_no == letter.doc_no
    assert document.related_id == str(rect.pk) and "逾期6天" in document.body
    assert list(document.recipients.values_list("unit_id", flat=True)) == [world.school.pk]
    # K (10) days later the case is still open: one 约谈通知书, once; the command does the same as the page.
    later = today + timedelta(days=10)
    call_command("sweep_rectifications", today=later.isoformat(), stdout=io.StringIO())
    call_command("sweep_rectifications", today=later.isoformat(), stdout=io.StringIO())
    rect.refresh_from_db()
    assert rect.escalation_level == 2
    kinds = list(RectificationLetter.objects.filter(rectification=rect).values_list("kind", flat=True))
    assert sorted(kinds) == ["INTERVIEW", "NOTICE", "REMINDER"]
    summons = OfficialDocument.objects.get(
        pk=RectificationLetter.objects.get(rectification=rect, kind="INTERVIEW").document_id
    )
    assert summons.doc_type == "INTERVIEW_SUMMONS" and summons.doc_no
    assert OfficialDocument.objects.filter(doc_type="REMINDER_LETTER").count() == 2  # not_yet got its own by then
    assert AuditEvent.objects.filter(event_type="rectification.letter_reminder").count() == 2
    assert AuditEvent.objects.filter(event_type="rectification.letter_interview").count() == 1
    assert AuditEvent.objects.filter(event_type="rectification.sweep").count() == 2
    # A case answered in time is no longer swept.
    assert services.rectification_sweep(today=later + timedelta(days=30)).summons == 1  # not_yet's turn
    assert services.rectification_sweep(today=later + timedelta(days=60)).summons == 0


def test_region_rule_overrides_the_national_default(world: World) -> None:
    RectificationSettings.objects.create(region=world.region, fiscal_year=YEAR, escalate_after_days=1)
    assert selectors.settings_for(world.region, YEAR).escalate_after_days == 1
    assert selectors.settings_for(world.other_region, YEAR).escalate_after_days == 5
    rect = overdue_by(issued_case(world), 1)
    assert services.rectification_sweep(today=timezone.localdate()).reminder_letters == 1
    rect.refresh_from_db()
    assert rect.escalation_level == 1


def test_sweep_from_the_page_needs_the_capability_and_unit_sees_the_letter(world: World) -> None:
    rect = overdue_by(issued_case(world), 7)
    assert world.login("unit_user").post("/rectification/sweep/").status_code == 403
    assert world.login("business").post("/rectification/sweep/").status_code == 403
    response = world.login("performance").post("/rectification/sweep/", follow=True)
    assert "发出提醒敦促函1份" in response.content.decode()
    letter = RectificationLetter.objects.get(rectification=rect, kind="REMINDER")
    page = world.login("unit_user").get(f"/rectification/{rect.pk}/").content.decode()
    assert letter.doc_no in page and "提醒敦促函" in page
    word = world.login("unit_user").get(f"/rectification/{rect.pk}/letters/{letter.pk}/")
    assert word.status_code == 200 and word.content[:2] == b"PK"
    import docx

    text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs)
    assert letter.doc_no in text
    assert world.login("other_unit_user").get(f"/rectification/{rect.pk}/letters/{letter.pk}/").status_code == 404


def _todo(user: Any, title: str) -> Any:
    return next((t for t in todos.for_user(user) if t.title == title), None)


def test_todos_for_unit_reviewer_and_finance(world: World) -> None:
    draft_case(world)
    rect = overdue_by(issued_case(world), 3)
    unit_item = _todo(world.users["unit_user"], "整改待反馈")
    assert unit_item is not None and unit_item.count == 1 and "逾期3天" in unit_item.hint
    assert _todo(world.users["other_unit_user"], "整改待反馈") is None
    assert _todo(world.users["performance"], "整改逾期").count == 1
    assert _todo(world.users["performance"], "整改事项待下达").count == 1
    Rectification.objects.filter(pk=rect.pk).update(status="feedback_submitted")
    assert _todo(world.users["business"], "整改反馈待审核").count == 1


def test_ledger_export_opens_with_the_filtered_rows(world: World) -> None:
    overdue_by(issued_case(world), 3)
    issued_case(world, world.hospital_project)
    response = world.login("performance").get("/rectification/export/?overdue=1")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "问题整改台账"
    header = list(rows[1])
    assert header[:4] == ["编号", "年度", "问题来源", "整改事项"]
    assert len(rows) == 3
    assert rows[2][header.index("是否逾期")] == "是" and rows[2][header.index("整改单位")] == "县第一中学"
    assert "〔" in rows[2][header.index("下达文书文号")] and rows[2][header.index("下达文书")] == "整改通知书"
    assert header[-2:] == ["财政区划", "下达文书"] and rows[2][-2] == world.region.name
    listing = world.login("performance").get("/rectification/?overdue=1&status=issued&source=AUDIT").content.decode()
    assert listing.count('data-testid="rect-overdue"') == 1
    summary = selectors.rectification_summary(world.users["performance"], YEAR)
    assert summary["overdue"] == 1 and summary["issued"] == 2 and summary["total"] == 2
    assert selectors.open_rectification_project_ids(YEAR) == {world.school_project.pk, world.hospital_project.pk}
    assert selectors.rectification_summary(world.users["other_unit_user"], YEAR)["total"] == 1


def test_settings_page_saves_the_regions_row_and_refuses_bad_input(world: World) -> None:
    client = world.login("performance")
    data = {
        "fiscal_year": YEAR,
        "deadline_days": 15,
        "working_days": "",
        "remind_days_before": 2,
        "escalate_after_days": 3,
        "second_escalate_after_days": 7,
    }
    assert client.post("/rectification/settings/", {**data, "deadline_days": 0}).status_code == 400
    typo = client.post("/rectification/settings/", {**data, "fiscal_year": 20266})
    assert typo.status_code == 400 and "确保该值小于或等于2100" in typo.content.decode()
    # Day counts no rule can mean: a typo of 99999 days, a reminder as early as the whole deadline.
    huge = client.post("/rectification/settings/", {**data, "escalate_after_days": 99999})
    assert huge.status_code == 400 and "确保该值小于或等于365" in huge.content.decode()
    early = client.post("/rectification/settings/", {**data, "remind_days_before": 15})
    assert early.status_code == 400 and "到期前提醒天数应小于默认整改期限（15天）" in early.content.decode()
    assert not RectificationSettings.objects.filter(region=world.region).exists()
    assert client.post("/rectification/settings/", data).status_code == 302
    assert client.post("/rectification/settings/", {**data, "escalate_after_days": 4}).status_code == 302
    row = selectors.settings_for(world.region, YEAR)
    assert (row.region, row.deadline_days, row.working_days, row.escalate_after_days) == (world.region, 15, False, 4)
    assert RectificationSettings.objects.filter(region=world.region).count() == 1
    assert AuditEvent.objects.filter(event_type="rectification.settings_save").count() == 2
    assert "渠县" in client.get("/rectification/settings/").content.decode()
    assert world.login("business").get("/rectification/settings/").status_code == 403
    # Calendar days now: the default deadline is 15 days from today.
    rect = draft_case(world)
    services.rectification_issue(actor=world.users["performance"], rectification=rect, requirements="整改")
    rect.refresh_from_db()
    assert rect.deadline == timezone.localdate() + timedelta(days=15)


def test_the_units_feedback_also_answers_the_reminder_letter_that_chased_it(world: World) -> None:
    """The sweep's 提醒敦促函 asks the unit to 报送问题整改报告 through the system and report back; the 整改反馈 did
    answer the issuing 整改通知书 but left the letter 未反馈 in 文书管理 for good. It now answers both; the 约谈通知书
    (a written statement at the 约谈) stays the unit's own to answer."""
    from jixiao.documents.models import DocumentRecipient
    from jixiao.rectification.tests.helpers import pdf

    today = timezone.localdate()
    rect = overdue_by(issued_case(world), 6)
    services.rectification_sweep(actor=world.users["performance"], today=today)
    call_command("sweep_rectifications", today=(today + timedelta(days=10)).isoformat(), stdout=io.StringIO())
    rect.refresh_from_db()
    ids = dict(RectificationLetter.objects.filter(rectification=rect).values_list("kind", "document_id"))
    services.rectification_submit_feedback(
        actor=world.users["unit_user"], rectification=rect, measures="已收回结余资金12万元", files=[pdf()]
    )
    answered = dict(DocumentRecipient.objects.filter(unit=world.school).values_list("document_id", "feedback_text"))
    assert answered[ids["NOTICE"]] == answered[ids["REMINDER"]] == "已在问题整改中提交整改反馈：已收回结余资金12万元"
    assert answered[ids["INTERVIEW"]] == ""
