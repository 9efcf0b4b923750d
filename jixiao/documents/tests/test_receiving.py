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

