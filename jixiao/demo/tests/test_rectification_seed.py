"""The demo county's 问题整改 cases are issued with each of the three issuing documents (整改通知书, 绩效管理意见书,
约谈通知书), and the demo unit reads them on its pages."""

from __future__ import annotations

import pytest
from django.test import Client

from jixiao.accounts.demo_logins import DEMO_PASSWORD
from jixiao.demo.rectification import INTERVIEW_PLACE, OPINION_PROBLEM, OPINION_REQUIREMENTS
from jixiao.documents.models import OfficialDocument
from jixiao.rectification.models import Rectification, RectificationLetter, RectificationStatus, issuing_letter

Kind = RectificationLetter.Kind


@pytest.mark.django_db
def test_demo_cases_are_issued_with_a_notice_an_opinion_letter_and_an_interview_notice(demo_county: str) -> None:
    cases = Rectification.objects.prefetch_related("letters", "findings").exclude(status=RectificationStatus.DRAFT)
    by_kind: dict[str, list[Rectification]] = {}
    for rect in cases:
        letter = issuing_letter(rect)
        assert letter is not None, rect.pk
        by_kind.setdefault(letter.kind, []).append(rect)
    assert set(by_kind) == {Kind.NOTICE, Kind.OPINION, Kind.INTERVIEW}
    assert len(by_kind[Kind.OPINION]) == len(by_kind[Kind.INTERVIEW]) == 1

    opinion_case = by_kind[Kind.OPINION][0]
    assert opinion_case.status == RectificationStatus.ISSUED
    assert opinion_case.requirements == OPINION_REQUIREMENTS
    assert [f.description for f in opinion_case.findings.all()] == [OPINION_PROBLEM[2]]
    letter = issuing_letter(opinion_case)
    assert letter is not None and letter.doc_no and letter.document_id is not None
    document = OfficialDocument.objects.get(pk=letter.document_id)
    assert document.get_doc_type_display() == "绩效管理意见书"

    interview = issuing_letter(by_kind[Kind.INTERVIEW][0])
    assert interview is not None and interview.doc_no
    assert INTERVIEW_PLACE in OfficialDocument.objects.get(pk=interview.document_id).body

    # The unit sees the case with its 意见书 and its number.
    client = Client()
    assert client.login(username="edu_unit", password=DEMO_PASSWORD)
    page = client.get(f"/rectification/{opinion_case.pk}/").content.decode()
    assert "绩效管理意见书" in page and letter.doc_no in page
