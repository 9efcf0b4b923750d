"""The receiving side: a refused answer keeps what was typed; the 待办 counts only what the viewer can act on."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_a_refused_feedback_keeps_the_typed_answer(world: Any, issue_notice: Any) -> None:
    doc = issue_notice(world.school, feedback_deadline=timezone.localdate())
    unit = world.login("unit_user")
    bad = SimpleUploadedFile("整改报告.pdf", b"<html>not pdf</html>", content_type="application/pdf")
    response = unit.post(f"/documents/{doc.pk}/feedback/", {"text": "已逐项整改，详见附件", "file": bad})
    page = response.content.decode()
    assert response.status_code == 400 and "文件内容与扩展名不符" in page
    form = page.split('data-testid="feedback-form"')[1].split("</form>")[0]
    assert "已逐项整改，详见附件" in form
    assert doc.recipients.get().feedback_at is None


def test_a_department_is_reminded_only_of_what_it_signs_and_answers(world: Any, issue_notice: Any) -> None:
    from jixiao.core import todos

    issue_notice(world.school, feedback_deadline=timezone.localdate())  # the unit's: the unit signs and answers
    own = issue_notice(world.edu, feedback_deadline=timezone.localdate())
    dept = world.users["dept_admin"]
    items = {i.title: i.count for i in todos.for_user(dept) if i.stage == "文书"}
    assert items == {"收到的文书未签收": 1, "文书待反馈": 1}
    client = world.login("dept_admin")
    assert own.title in client.get("/documents/inbox/?unread=1").content.decode()
    everything = client.get("/documents/inbox/").content.decode()
    assert "县第一中学" in everything  # the units' documents stay listed (全部)
    assert "县第一中学" not in client.get("/documents/inbox/?unread=1").content.decode()
    client.get(f"/documents/{own.pk}/")  # opening signs its own receipt: nothing is left to sign
    items = {i.title: i.count for i in todos.for_user(dept) if i.stage == "文书"}
    assert items.get("收到的文书未签收", 0) == 0
