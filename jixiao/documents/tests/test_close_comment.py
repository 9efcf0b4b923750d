"""A 办结说明 the form refuses (over 2,000 characters, a NUL) is said in words with a 400 and the document stays as
it was: it used to be read as empty and refused as “请填写办结说明”."""

from __future__ import annotations

from typing import Any

import pytest

from jixiao.documents.models import DocumentStatus

pytestmark = pytest.mark.django_db


def test_a_close_comment_the_form_refuses_is_a_400_in_words(world: Any, issue_notice: Any) -> None:
    doc = issue_notice()
    client = world.login("performance")
    for comment in ("办" * 2001, "已\x00办结"):
        response = client.post(f"/documents/{doc.pk}/transition/", {"action": "close", "comment": comment})
        body = response.content.decode()
        assert response.status_code == 400 and "办结说明无效：" in body and "请填写办结说明" not in body
        doc.refresh_from_db()
        assert doc.status == DocumentStatus.ISSUED
