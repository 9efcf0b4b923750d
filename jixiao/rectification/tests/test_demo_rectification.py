"""The demo county's rectifications (seed_demo): findings from the demo's sources, a case in every state, one
overdue case escalated to a 提醒敦促函 that the demo unit sees. (`--reset` deletes the cases first: demo/reset.py.)"""

from __future__ import annotations

import pytest
from django.test import Client

from jixiao.accounts.demo_logins import DEMO_PASSWORD
from jixiao.rectification.models import Finding, Rectification, RectificationLetter


@pytest.mark.django_db
def test_demo_has_a_case_in_every_state_and_an_escalated_overdue_case(demo_county: str) -> None:
    states = set(Rectification.objects.values_list("status", flat=True))
    assert states == {"draft", "issued", "feedback_submitted", "returned", "closed"}
    sources = set(Finding.objects.values_list("source_type", flat=True))
    assert "AUDIT" in sources and len(sources) >= 2  # hand-entered plus at least one computed source
    letter = RectificationLetter.objects.get(kind="REMINDER")
    assert letter.doc_no and letter.rectification.escalation_level == 1
    client = Client()
    assert client.login(username="edu_unit", password=DEMO_PASSWORD)
    page = client.get(f"/rectification/{letter.rectification_id}/").content.decode()
    assert letter.doc_no in page
