"""The demo county's key evaluations, engagement and quality review (seed_demo); a reset builds them again
(demo/tests/test_seed_demo.py)."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from docx import Document

from jixiao.accounts.demo_logins import DEMO_PASSWORD
from jixiao.experts.models import AgencyQualityReview, Engagement
from jixiao.keyeval.models import KeyEvaluation


def _login(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


@pytest.mark.django_db
def test_demo_has_a_finished_and_an_ongoing_key_evaluation(demo_county: str) -> None:
    finished = KeyEvaluation.objects.get(status="issued")
    ongoing = KeyEvaluation.objects.get(status="fieldwork")
    assert finished.total_score is not None and finished.grade and finished.feedback_opinion
    assert finished.documents.filter(kind="final_report").exists()
    assert ongoing.mode == "third_party" and ongoing.engagement is not None
    engagement = Engagement.objects.get()
    assert engagement.agency.users.filter(username="agency1").exists()
    assert AgencyQualityReview.objects.get().grade == "excellent"
    agency = _login("agency1")
    assert agency.get(f"/keyeval/{ongoing.pk}/score/").status_code == 200
    assert agency.get(f"/keyeval/{finished.pk}/").status_code == 404
    # The 教育局's own 部门评价: edu_admin runs it (its 下发评价通知 button), the 绩效股 only reads it.
    own = KeyEvaluation.objects.get(status="planned", organiser_department__isnull=False)
    assert own.kind == "dept" and own.organiser_department.name == "县教育局"
    assert "下发评价通知" in _login("edu_admin").get(f"/keyeval/{own.pk}/").content.decode()
    assert "下发评价通知" not in _login("jxg").get(f"/keyeval/{own.pk}/").content.decode()
    report = _login("jxg").get(f"/keyeval/{finished.pk}/report.docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(report.content)).paragraphs)
    assert "重点项目绩效评价报告" in text and "七、其他需要说明的问题" in text
