"""下达 with a chosen document (DOMAIN.md S63, OPINION_LETTER; 两书一函): a case is issued with a 整改通知书, a
绩效管理意见书 or a 约谈通知书 rendered from the region's template with the case's problems numbered, its requirements
and its deadline; the sweep, the unit's feedback and the ledger follow whichever document issued it. Several problems
of one department become one case from the 待整改问题 list."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
from django.utils import timezone
from docx import Document as WordDocument

from conftest import World
from jixiao.core.errors import DomainError
from jixiao.core.models import AuditEvent
from jixiao.documents import services as document_services
from jixiao.documents.models import DocumentRecipient, OfficialDocument
from jixiao.preassessment.models import Conclusion
from jixiao.preassessment.tests.factories import concluded
from jixiao.rectification import letters, selectors, services
from jixiao.rectification.models import (
    Category,
    Finding,
    Rectification,
    RectificationEvent,
    RectificationLetter,
    Severity,
    SourceType,
    issuing_letter,
)
from jixiao.rectification.tests.helpers import YEAR, draft_case, issued_case, overdue_by, pdf

pytestmark = pytest.mark.django_db

SECOND_PROBLEM = "绩效目标设置不完整，缺少效益指标"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _two_problem_case(world: World) -> Rectification:
    """The audit finding of `draft_case` and a second problem on the same case."""
    rect = draft_case(world)
    Finding.objects.create(
        fiscal_year=YEAR,
        region=world.region,
        department=world.edu,
        unit=world.school,
        project=world.school_project,
        source_type=SourceType.AUDIT,
        category=Category.TARGET,
        severity=Severity.MEDIUM,
        description=SECOND_PROBLEM,
        rectification=rect,
    )
    return rect


def _issue(client: Any, rect: Rectification, **data: Any) -> Any:
    deadline = timezone.localdate() + timedelta(days=15)
    form = {"requirements": "完善绩效目标，规范资金支付。", "deadline": deadline.isoformat(), **data}
    return client.post(f"/rectification/{rect.pk}/issue/", form)


EXPECTED = {
    # kind: (DocType, title, words of the body)
    "NOTICE": ("RECTIFICATION_NOTICE", "关于一中教学设备购置问题整改的通知", "现将有关整改要求通知如下"),
    "OPINION": ("OPINION_LETTER", "关于一中教学设备购置的绩效管理意见书", "整改建议："),
    "INTERVIEW": ("INTERVIEW_SUMMONS", "关于对县第一中学进行约谈的通知", "一、约谈时间：12月10日上午9:00"),
}


@pytest.mark.parametrize("kind", ["NOTICE", "OPINION", "INTERVIEW"])
def test_each_document_is_rendered_numbered_and_sent_with_the_cases_problems(world: World, kind: str) -> None:
    # Each type may have its own 文号 series; the 意见书 gets one here, the others share the region's.
    document_services.series_save(
        actor=world.users["performance"], doc_type="OPINION_LETTER", abbrev="渠财绩意", issuer_name="渠县财政局"
    )
    rect = _two_problem_case(world)
    extra = (
        {"interview_time": "12月10日上午9:00", "interview_place": "县财政局三楼会议室"} if kind == "INTERVIEW" else {}
    )
    response = _issue(world.login("performance"), rect, document=kind, **extra)
    assert response.status_code == 302
    rect.refresh_from_db()
    assert rect.status == "issued"
    letter = RectificationLetter.objects.get(rectification=rect)
    document = OfficialDocument.objects.get(pk=letter.document_id)
    doc_type, title, words = EXPECTED[kind]
    year = timezone.localdate().year
    abbrev = "渠财绩意" if kind == "OPINION" else "渠财绩"
    assert (letter.kind, document.doc_type, document.title, letter.title) == (kind, doc_type, title, title)
    assert document.doc_no == letter.doc_no == f"{abbrev}〔{year}〕1号"
    assert document.feedback_deadline == rect.deadline and document.related_id == str(rect.pk)
    assert list(document.recipients.values_list("unit_id", flat=True)) == [world.school.pk]
    body = document.body
    assert "1. 项目资金未按合同约定支付" in body and f"2. {SECOND_PROBLEM}" in body and words in body
    assert "【待填写" not in body and "{" not in body and "。。" not in body
    if kind == "INTERVIEW":
        assert "二、约谈地点：县财政局三楼会议室" in body and "整改要求：完善绩效目标，规范资金支付" in body
    else:
        assert "完善绩效目标，规范资金支付" in body
    assert f"{rect.deadline.year}年{rect.deadline.month}月{rect.deadline.day}日" in body
    event = RectificationEvent.objects.get(rectification=rect, action="issue")
    assert event.comment == f"印发{letter.get_kind_display()} {letter.doc_no}"
    audit = AuditEvent.objects.get(event_type=f"rectification.letter_{kind.lower()}")
    assert audit.changes["issuing"] is True and audit.changes["doc_no"] == letter.doc_no
    # The case page names the document; the Word file reads as Chinese.
    page = world.login("unit_user").get(f"/rectification/{rect.pk}/").content.decode()
    assert f'data-testid="letter-{kind.lower()}">{letter.doc_no}<' in page
    word = WordDocument(io.BytesIO(letters.render_letter(letter)))
    text = "\n".join(p.text for p in word.paragraphs)
    assert title in text and f"2. {SECOND_PROBLEM}" in text and letter.doc_no in text


def test_the_issue_form_offers_the_three_documents_and_defaults_to_the_notice(world: World) -> None:
    rect = draft_case(world)
    page = world.login("performance").get(f"/rectification/{rect.pk}/").content.decode()
    form = page.split('data-testid="issue-form"')[1].split("</form>")[0]
    assert '<option value="NOTICE" selected>整改通知书</option>' in form
    assert (
        '<option value="OPINION">绩效管理意见书</option>' in form
        and '<option value="INTERVIEW">约谈通知书</option>' in form
    )
    assert 'name="interview_time"' in form and 'name="interview_place"' in form


def test_a_summons_without_time_or_place_is_refused_and_the_form_kept(world: World) -> None:
    rect = draft_case(world)
    client = world.login("performance")
    response = _issue(client, rect, document="INTERVIEW", interview_time="12月10日上午9:00", interview_place=" ")
    assert response.status_code == 400
    page = response.content.decode()
    assert "下达约谈通知书须填写约谈时间和约谈地点" in page
    form = page.split('data-testid="issue-form"')[1].split("</form>")[0]
    assert '<option value="INTERVIEW" selected>' in form and 'value="12月10日上午9:00"' in form
    assert "完善绩效目标，规范资金支付" in form
    rect.refresh_from_db()
    assert rect.status == "draft" and rect.requirements == "" and rect.deadline is None
    assert not RectificationLetter.objects.exists() and not OfficialDocument.objects.exists()
    # An unknown document is refused the same way (the form's choices).
    assert _issue(client, rect, document="REMINDER").status_code == 400
    with pytest.raises(DomainError, match="请选择下达的文书"):
        services.rectification_issue(
            actor=world.users["performance"], rectification=rect, requirements="整改", document="REMINDER"
        )
    assert not OfficialDocument.objects.exists()


def _issued_with(world: World, kind: str, **extra: Any) -> Rectification:
    rect = draft_case(world)
    return services.rectification_issue(
        actor=world.users["performance"],
        rectification=rect,
        requirements="规范资金支付，收回结余资金",
        deadline=timezone.localdate() + timedelta(days=20),
        document=kind,
        **extra,
    )


def test_a_case_issued_with_a_summons_gets_a_reminder_naming_it_and_is_not_summoned_twice(world: World) -> None:
    rect = overdue_by(
        _issued_with(world, "INTERVIEW", interview_time="12月10日上午9:00", interview_place="县财政局会议室"), 6
    )
    summons = RectificationLetter.objects.get(rectification=rect, kind="INTERVIEW")
    today = timezone.localdate()
    result = services.rectification_sweep(today=today)
    assert (result.reminder_letters, result.summons) == (1, 0)
    reminder = RectificationLetter.objects.get(rectification=rect, kind="REMINDER")
    body = OfficialDocument.objects.get(pk=reminder.document_id).body
    assert f"我局以《约谈通知书》（{summons.doc_no}）通知你单位" in body and "逾期6天" in body
    # Summoned already: the letter does not threaten a second 约谈 but the measures on funds.
    assert "逾期仍未办理的，我局将按规定采取暂缓拨付资金、在安排以后年度预算时予以核减等措施，" in body
    assert "进行约谈" not in body
    # Long after the second period: no second 约谈通知书, however often the sweep runs.
    for days in (10, 11, 40):
        assert services.rectification_sweep(today=today + timedelta(days=days)).summons == 0
    rect.refresh_from_db()
    assert rect.escalation_level == 1
    assert sorted(RectificationLetter.objects.filter(rectification=rect).values_list("kind", flat=True)) == [
        "INTERVIEW",
        "REMINDER",
    ]
    assert OfficialDocument.objects.filter(doc_type="INTERVIEW_SUMMONS").count() == 1


def test_a_case_issued_with_an_opinion_letter_escalates_as_a_notice_does(world: World) -> None:
    rect = overdue_by(_issued_with(world, "OPINION"), 6)
    opinion = RectificationLetter.objects.get(rectification=rect, kind="OPINION")
    today = timezone.localdate()
    assert services.rectification_sweep(today=today).reminder_letters == 1
    reminder = RectificationLetter.objects.get(rectification=rect, kind="REMINDER")
    body = OfficialDocument.objects.get(pk=reminder.document_id).body
    assert f"我局以《绩效管理意见书》（{opinion.doc_no}）通知你单位" in body
    assert "逾期仍未办理的，我局将按规定进行约谈，" in body  # not summoned yet: the 约谈通知书 comes next
    assert services.rectification_sweep(today=today + timedelta(days=10)).summons == 1
    summons = OfficialDocument.objects.get(
        pk=RectificationLetter.objects.get(rectification=rect, kind="INTERVIEW").document_id
    )
    assert summons.title == "关于一中教学设备购置整改不力的约谈通知书"
    assert f"《绩效管理意见书》（{opinion.doc_no}）" in summons.body and reminder.doc_no in summons.body
    # The issuing document stays the 意见书, not the sweep's 约谈通知书.
    assert issuing_letter(Rectification.objects.prefetch_related("letters").get(pk=rect.pk)) == opinion


@pytest.mark.parametrize("kind", ["OPINION", "INTERVIEW"])
def test_the_units_feedback_answers_the_issuing_document(world: World, kind: str) -> None:
    extra = {"interview_time": "12月10日上午9:00", "interview_place": "县财政局会议室"} if kind == "INTERVIEW" else {}
    rect = _issued_with(world, kind, **extra)
    letter = RectificationLetter.objects.get(rectification=rect, kind=kind)
    unit = world.login("unit_user")
    response = unit.post(
        f"/rectification/{rect.pk}/feedback/", {"measures": "已完善目标并收回结余资金", "reports": pdf()}
    )
    assert response.status_code == 302
    row = DocumentRecipient.objects.get(document_id=letter.document_id)
    assert row.feedback_at is not None and "已完善目标并收回结余资金" in row.feedback_text
    assert row.feedback_by == world.users["unit_user"]
    # The ledger lists the case under its issuing document.
    sheet = openpyxl.load_workbook(io.BytesIO(world.login("performance").get("/rectification/export/").content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[1])
    assert rows[2][header.index("下达文书")] == letter.get_kind_display()
    assert rows[2][header.index("下达文书文号")] == letter.doc_no


def test_other_departments_and_units_do_not_see_the_case_or_its_document(world: World) -> None:
    rect = _issued_with(world, "OPINION")
    letter = RectificationLetter.objects.get(rectification=rect)
    other = world.login("other_unit_user")
    assert other.get(f"/rectification/{rect.pk}/").status_code == 404
    assert other.get(f"/rectification/{rect.pk}/letters/{letter.pk}/").status_code == 404
    assert other.get(f"/documents/{letter.document_id}/").status_code == 404
    assert other.post(f"/rectification/{rect.pk}/feedback/", {"measures": "x", "reports": pdf()}).status_code == 404
    assert world.login("dept_admin").get(f"/rectification/{rect.pk}/letters/{letter.pk}/").status_code == 200
    # Issuing someone else's case: the 业务股室 of another department's cases does not see this one.
    draft = draft_case(world, world.hospital_project)
    assert _issue(world.login("business"), draft, document="OPINION").status_code == 404
    draft.refresh_from_db()
    assert draft.status == "draft"


def _preassessment_problems(world: World) -> dict[str, str]:
    concluded(world.school_project, Conclusion.DEFER, None)
    concluded(world.branch_project, Conclusion.REJECT, None)
    concluded(world.hospital_project, Conclusion.DEFER, None)
    return {c.project_id: c.key for c in selectors.candidates(world.users["performance"], YEAR)}  # type: ignore[misc]


def test_problems_of_one_department_chosen_together_become_one_case(world: World) -> None:
    keys = _preassessment_problems(world)
    client = world.login("performance")
    chosen = [keys[world.school_project.pk], keys[world.branch_project.pk]]
    response = client.post("/rectification/candidates/", {"year": YEAR, "key": chosen, "merge": "1"})
    rect = Rectification.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/rectification/{rect.pk}/"
    # Two units of the department: the case goes to the department as a whole.
    assert (rect.department, rect.unit, rect.project) == (world.edu, None, None)
    assert rect.title == "县教育局 事前绩效评估发现问题整改" and rect.findings.count() == 2
    assert {f.unit_id for f in rect.findings.all()} == {world.school.pk, world.school_branch.pk}
    # Issued as a 绩效管理意见书 to the department, it lists both problems.
    services.rectification_issue(
        actor=world.users["performance"], rectification=rect, requirements="完善项目前期论证", document="OPINION"
    )
    document = OfficialDocument.objects.get(doc_type="OPINION_LETTER")
    assert document.title == "关于县教育局的绩效管理意见书" and document.body.startswith("县教育局：")
    assert "1. " in document.body and "2. " in document.body
    assert list(document.recipients.values_list("department_id", flat=True)) == [world.edu.pk]
    assert world.login("dept_admin").get(f"/rectification/{rect.pk}/").status_code == 200


def test_one_case_of_one_units_problems_is_addressed_to_the_unit(world: World) -> None:
    keys = _preassessment_problems(world)
    rect = services.findings_from_candidates(
        actor=world.users["performance"], fiscal_year=YEAR, keys=[keys[world.school_project.pk]], one_case=True
    )[0]
    assert (rect.unit, rect.project) == (world.school, world.school_project)


def test_a_mix_of_departments_is_refused_in_chinese_and_nothing_is_written(world: World) -> None:
    keys = _preassessment_problems(world)
    client = world.login("performance")
    chosen = [keys[world.school_project.pk], keys[world.hospital_project.pk]]
    response = client.post(f"/rectification/candidates/?year={YEAR}", {"year": YEAR, "key": chosen, "merge": "1"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "所选问题属于不同的主管部门（县教育局、县卫健局），不能合并为一个整改事项" in page
    assert '<td class="small" data-testid="candidate-department">县卫健局</td>' in page
    for key in chosen:  # the choice is shown again, ticked
        assert f'value="{key}" id=' in page and page.split(f'value="{key}"')[1].split(">")[0].endswith("checked")
    assert not Rectification.objects.exists() and not Finding.objects.exists()
    # Without 合并 the same choice still makes one case per addressee, as before.
    assert client.post("/rectification/candidates/", {"year": YEAR, "key": chosen}).status_code == 302
    assert Rectification.objects.count() == 2


def test_the_issued_documents_page_links_back_to_its_case(world: World) -> None:
    """The 关联 line of a 整改通知书 names the case as a link to it for the issuer (it was plain text: the case has
    no page of its own for documents.selectors.related_link)."""
    rect = issued_case(world)
    letter = issuing_letter(rect)
    assert letter is not None and letter.document_id
    page = world.login("performance").get(f"/documents/{letter.document_id}/").content.decode()
    related = page.split('data-testid="doc-related"')[0].rsplit("<", 1)[1]
    assert related.startswith("a ") and f'href="/rectification/{rect.pk}/"' in related
