"""Optimistic locking (SECURITY.md I05): a save from a page the data has moved on from is refused with 409 and the
newer data is kept — the deadline rules page and each step of a case (下达, 反馈, 审核通过, 退回)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from conftest import World
from jixiao.rectification import selectors
from jixiao.rectification.models import Rectification, RectificationSettings
from jixiao.rectification.tests.helpers import YEAR, draft_case, issued_case, overdue_by, pdf

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="lock_token" value="([0-9a-f]+)"')


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _token(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    found = TOKEN.findall(response.content.decode())
    assert found, "the page renders a lock token"
    assert len(set(found)) == 1  # every form of the page carries the token of the same row(s)
    return found[0]


def test_settings_saved_from_a_stale_page_is_refused_and_keeps_the_first_save(world: World) -> None:
    client = world.login("performance")
    token = _token(client, "/rectification/settings/")
    data = {
        "fiscal_year": YEAR,
        "deadline_days": 15,
        "working_days": "on",
        "remind_days_before": 2,
        "escalate_after_days": 3,
        "second_escalate_after_days": 7,
        "lock_token": token,
    }
    assert client.post("/rectification/settings/", data).status_code == 302
    # The same page posted again (another user's tab, opened before the first save) with other numbers.
    response = client.post("/rectification/settings/", {**data, "deadline_days": 40})
    assert response.status_code == 409 and "已被他人修改" in response.content.decode()
    row = RectificationSettings.objects.get(region=world.region, fiscal_year=YEAR)
    assert row.deadline_days == 15
    # A fresh page saves.
    fresh = _token(client, "/rectification/settings/")
    assert fresh != token
    assert (
        client.post("/rectification/settings/", {**data, "deadline_days": 40, "lock_token": fresh}).status_code == 302
    )
    assert selectors.settings_for(world.region, YEAR).deadline_days == 40


def test_issue_from_a_stale_page_is_refused(world: World) -> None:
    rect = draft_case(world)
    client = world.login("performance")
    token = _token(client, f"/rectification/{rect.pk}/")
    deadline = timezone.localdate() + timedelta(days=15)
    first = {"requirements": "规范资金支付", "deadline": deadline.isoformat(), "lock_token": token}
    assert client.post(f"/rectification/{rect.pk}/issue/", first).status_code == 302
    stale = {
        "requirements": "另一份整改要求",
        "deadline": (deadline + timedelta(days=5)).isoformat(),
        "lock_token": token,
    }
    response = client.post(f"/rectification/{rect.pk}/issue/", stale)
    assert response.status_code == 409
    rect.refresh_from_db()
    assert rect.requirements == "规范资金支付" and rect.deadline == deadline
    assert rect.letters.count() == 1


def test_feedback_from_a_page_opened_before_a_return_is_refused(world: World) -> None:
    """Returned and answered again, the case is back in a state that accepts feedback: only the token notices."""
    rect = issued_case(world)
    unit = world.login("unit_user")
    token = _token(unit, f"/rectification/{rect.pk}/")
    first = {"measures": "已规范支付并收回结余资金", "reports": pdf(), "lock_token": token}
    assert unit.post(f"/rectification/{rect.pk}/feedback/", first).status_code == 302
    business = world.login("business")
    review_token = _token(business, f"/rectification/{rect.pk}/")
    returned = {"reason": "结余资金收回凭证不全", "lock_token": review_token}
    assert business.post(f"/rectification/{rect.pk}/return/", returned).status_code == 302
    rect.refresh_from_db()
    assert rect.status == "returned"
    stale = {"measures": "旧页面上的整改措施", "reports": pdf("旧报告.pdf"), "lock_token": token}
    response = unit.post(f"/rectification/{rect.pk}/feedback/", stale)
    assert response.status_code == 409 and "已被他人修改" in response.content.decode()
    rect.refresh_from_db()
    assert rect.status == "returned" and rect.feedback_measures == "已规范支付并收回结余资金"
    assert rect.files.count() == 1


def test_review_from_a_stale_page_is_refused(world: World) -> None:
    rect = issued_case(world)
    unit = world.login("unit_user")
    first = {"measures": "已整改", "reports": pdf(), "lock_token": _token(unit, f"/rectification/{rect.pk}/")}
    assert unit.post(f"/rectification/{rect.pk}/feedback/", first).status_code == 302
    business = world.login("business")
    token = _token(business, f"/rectification/{rect.pk}/")
    returned = {"reason": "佐证不全", "lock_token": token}
    assert business.post(f"/rectification/{rect.pk}/return/", returned).status_code == 302
    again = {
        "measures": "补充佐证",
        "reports": pdf("补充.pdf"),
        "lock_token": _token(unit, f"/rectification/{rect.pk}/"),
    }
    assert unit.post(f"/rectification/{rect.pk}/feedback/", again).status_code == 302
    # The reviewer's old page (from before the return) would close the case over feedback it never saw.
    close = {"opinion": "同意销号", "fin_adjust_advice": "", "lock_token": token}
    response = business.post(f"/rectification/{rect.pk}/close/", close)
    assert response.status_code == 409
    rect.refresh_from_db()
    assert rect.status == "feedback_submitted" and rect.feedback_measures == "补充佐证"
    assert rect.review_opinion == "佐证不全"
    assert Rectification.objects.get(pk=rect.pk).closed_at is None


def test_feedback_typed_while_the_sweep_escalates_is_accepted(world: World) -> None:
    """The unit types its 整改反馈 while the 绩效股 runs 逾期提醒与督办 and a 提醒敦促函 goes out: the letter asks for
    exactly this feedback, which was refused as 该记录已被他人修改 (with the 问题整改报告 to choose again)."""
    rect = overdue_by(issued_case(world), 30)
    unit = world.login("unit_user")
    token = _token(unit, f"/rectification/{rect.pk}/")
    performance = world.login("performance")
    assert performance.post("/rectification/sweep/").status_code == 302
    rect.refresh_from_db()
    assert rect.escalation_level == 1 and rect.letters.count() == 2
    data = {"measures": "已建立资金台账，按月对账", "reports": pdf(), "lock_token": token}
    assert unit.post(f"/rectification/{rect.pk}/feedback/", data).status_code == 302
    rect.refresh_from_db()
    assert rect.status == "feedback_submitted" and rect.feedback_measures == "已建立资金台账，按月对账"
    assert rect.files.count() == 1


def test_the_same_finding_registered_twice_makes_one_case(world: World) -> None:
    """登记问题 saved again after 返回 (or a double click) made a second draft case of the same problem."""
    client = world.login("performance")
    data = {
        "fiscal_year": YEAR,
        "source_type": "AUDIT",
        "category": "FUNDS",
        "severity": "MEDIUM",
        "description": "审计发现结余资金未及时收回",
        "department": world.edu.pk,
        "unit": world.school.pk,
    }
    assert client.post("/rectification/findings/new/", data).status_code == 302
    rect = Rectification.objects.get()
    again = client.post("/rectification/findings/new/", data)
    assert again.status_code == 409
    text = again.content.decode()
    assert "请勿重复登记" in text and rect.title in text and "审计发现结余资金未及时收回" in text
    assert Rectification.objects.count() == 1
    # Another problem of the same unit is registered as usual.
    other = {**data, "description": "审计发现政府采购程序不规范"}
    assert client.post("/rectification/findings/new/", other).status_code == 302
    assert Rectification.objects.count() == 2


def test_a_double_click_on_register_is_sent_to_the_first_case(world: World) -> None:
    """With the form's one-time token the second POST of a double click is redirected to the case the first made
    (not a 409 page saying it is registered already)."""
    client = world.login("performance")
    page = client.get("/rectification/findings/new/").content.decode()
    token = page.split('name="submit_token" value="')[1].split('"')[0]
    data = {
        "fiscal_year": YEAR,
        "source_type": "AUDIT",
        "category": "FUNDS",
        "severity": "MEDIUM",
        "description": "审计发现结余资金未及时收回",
        "department": world.edu.pk,
        "unit": world.school.pk,
        "submit_token": token,
    }
    first = client.post("/rectification/findings/new/", data)
    second = client.post("/rectification/findings/new/", data)
    rect = Rectification.objects.get()
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == f"/rectification/{rect.pk}/"
