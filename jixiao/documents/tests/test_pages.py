"""文书 pages: scoping (404 for others), read receipts on opening, feedback upload, Word, print, Excel, settings."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from docx import Document

from jixiao.core.models import AuditEvent
from jixiao.documents import services
from jixiao.documents.models import DocType, DocumentSeries, DocumentStatus, DocumentTemplate, OfficialDocument

pytestmark = pytest.mark.django_db


def _docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


@pytest.mark.parametrize("url", ["/documents/", "/documents/inbox/", "/documents/1/", "/documents/templates/"])
def test_anonymous_is_sent_to_login(anonymous_client: Any, url: str) -> None:
    response = anonymous_client.get(url)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_unit_opening_a_document_signs_the_receipt(world: Any, issue_notice: Any) -> None:
    doc = issue_notice(world.school, world.hospital)
    client = world.login("unit_user")
    assert "一中教学设备购置" in client.get("/documents/inbox/").content.decode()
    page = client.get(f"/documents/{doc.pk}/").content.decode()
    assert doc.doc_no in page and "1.绩效目标未细化量化" in page
    row = doc.recipients.get(unit=world.school)
    assert row.read_by == world.users["unit_user"]
    assert doc.recipients.get(unit=world.hospital).read_at is None
    assert "县人民医院" not in page.split('data-testid="recipients"')[1]  # other addressees' receipts stay hidden
    assert AuditEvent.objects.filter(event_type="documents.read", object_id=str(doc.pk)).count() == 1
    client.get(f"/documents/{doc.pk}/")
    assert AuditEvent.objects.filter(event_type="documents.read", object_id=str(doc.pk)).count() == 1


def test_documents_of_others_are_not_found(world: Any, issue_notice: Any) -> None:
    doc = issue_notice(world.school)
    draft = services.document_draft(
        actor=world.users["performance"],
        doc_type=DocType.REMINDER_LETTER,
        region=world.region,
        recipients=[world.school],
        context={},
    )
    other = world.login("other_unit_user")
    for url in (f"/documents/{doc.pk}/", f"/documents/{doc.pk}/docx/", f"/documents/{doc.pk}/print/"):
        assert other.get(url).status_code == 404
    assert other.post(f"/documents/{doc.pk}/feedback/", {"text": "x"}).status_code == 404
    unit = world.login("unit_user")
    assert unit.get(f"/documents/{draft.pk}/").status_code == 404  # drafts are not delivered yet
    dept = world.login("dept_admin")
    assert dept.get(f"/documents/{doc.pk}/").status_code == 200  # addressed to one of its units
    assert doc.recipients.get().read_at is None  # the department does not sign for its unit
    health = world.users["other_unit_user"]
    assert not OfficialDocument.objects.visible_to(health).exists()


def test_feedback_with_file_and_download(world: Any, issue_notice: Any) -> None:
    doc = issue_notice(world.school, feedback_deadline=timezone.localdate())
    unit = world.login("unit_user")
    bad = SimpleUploadedFile("整改报告.pdf", b"<html>not pdf</html>", content_type="application/pdf")
    response = unit.post(f"/documents/{doc.pk}/feedback/", {"text": "已整改", "file": bad}, follow=True)
    assert "文件内容与扩展名不符" in response.content.decode()
    assert doc.recipients.get().feedback_at is None
    good = SimpleUploadedFile("整改报告.pdf", b"%PDF-1.4 ok", content_type="application/pdf")
    unit.post(f"/documents/{doc.pk}/feedback/", {"text": "已整改", "file": good})
    row = doc.recipients.get()
    assert row.feedback_text == "已整改"
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.FEEDBACK_RECEIVED
    perf = world.login("performance")
    page = perf.get(f"/documents/{doc.pk}/").content.decode()
    assert "整改报告.pdf" in page
    download = perf.get(f"/documents/{doc.pk}/feedback/{row.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert world.login("other_unit_user").get(f"/documents/{doc.pk}/feedback/{row.pk}/").status_code == 404


def test_word_has_the_number_title_addressee_and_body(world: Any, issue_notice: Any) -> None:
    doc = issue_notice(
        world.school, context={"subject": "教学设备", "problems": "资产未入账", "deadline": "2026年12月31日"}
    )
    response = world.login("unit_user").get(f"/documents/{doc.pk}/docx/")
    assert response.status_code == 200
    text = _docx_text(response.content)
    assert "渠县财政局文件" in text and doc.doc_no in text
    assert "关于教学设备问题限期整改的通知" in text
    assert "县第一中学：" in text and "资产未入账" in text and "2026年12月31日" in text
    assert AuditEvent.objects.filter(event_type="documents.docx_download", object_id=str(doc.pk)).exists()
    printed = world.login("performance").get(f"/documents/{doc.pk}/print/").content.decode()
    assert doc.doc_no in printed and "资产未入账" in printed
    # Its own icon, as every page has (the browser's request for /favicon.ico answered 404: a console error).
    assert 'rel="icon" href="/static/favicon.svg"' in printed


def test_list_filters_and_excel_export(world: Any, issue_notice: Any) -> None:
    notice = issue_notice()
    issue_notice(doc_type=DocType.OPINION_LETTER)
    client = world.login("performance")
    page = client.get("/documents/?doc_type=OPINION_LETTER").content.decode()
    assert "绩效管理意见书" in page and notice.title not in page
    response = client.get("/documents/export/?doc_type=RECTIFICATION_NOTICE")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in rows] == [notice.doc_no]
    assert rows[0][1] == "整改通知书" and rows[0][5] == 1


def test_draft_create_edit_and_issue_through_pages(world: Any) -> None:
    client = world.login("performance")
    response = client.post(
        "/documents/new/",
        {"doc_type": "OPINION_LETTER", "fiscal_year": 2026, "departments": [world.edu.pk], "subject": "目标设置"},
    )
    doc = OfficialDocument.objects.get()
    assert response.status_code == 302 and doc.status == DocumentStatus.DRAFT
    assert "【待填写：存在问题】" in doc.body
    bad = client.post(
        f"/documents/{doc.pk}/edit/",
        {"title": doc.title, "body": "{recipent}：正文", "version": doc.version, "departments": [world.edu.pk]},
    )
    assert bad.status_code == 400 and "无法识别的占位符" in bad.content.decode()
    client.post(
        f"/documents/{doc.pk}/edit/",
        {
            "title": doc.title,
            "body": "{recipient}：\n请整改。\n{issuer}\n{date}",
            "version": doc.version,
            "departments": [world.edu.pk],
            "units": [world.hospital.pk],
        },
    )
    doc.refresh_from_db()
    assert doc.body.startswith("县教育局、县人民医院：") or doc.body.startswith("{recipient}")
    assert doc.recipients.count() == 2
    # A save from the page shown before that edit (the version before it): 409, the typed text kept, nothing saved.
    shown = {"title": "旧页面的标题", "body": "旧页面的正文", "version": doc.version - 1, "departments": [world.edu.pk]}
    stale = client.post(f"/documents/{doc.pk}/edit/", shown)
    body = stale.content.decode()
    assert stale.status_code == 409 and "文书已被他人修改，请刷新后重试" in body and "旧页面的正文" in body
    doc.refresh_from_db()
    assert doc.title != "旧页面的标题" and doc.recipients.count() == 2
    client.post(f"/documents/{doc.pk}/transition/", {"action": "issue"})
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.ISSUED and doc.doc_no.endswith("1号")
    assert "县教育局、县人民医院：" in doc.body
    assert world.login("unit_user").get("/documents/new/").status_code == 403


@pytest.mark.parametrize(
    ("title_pattern", "body", "shown"),
    [
        ("关于{项目名称}的提醒函", "{recipient}：请整改。", "{项目名称}"),
        ("关于｛subject｝的提醒函", "{recipient}：请整改。", "｛subject｝"),
        ("关于{subject}}的提醒函", "{recipient}：请整改。", "不成对的花括号"),
        ("关于{subject}的提醒函", "{recipient：请整改。", "不成对的花括号"),
    ],
)
def test_a_template_with_a_brace_outside_a_placeholder_is_refused(
    world: Any, title_pattern: str, body: str, shown: str
) -> None:
    """{项目名称}, a full-width ｛subject｝ or a lone brace passed the placeholder check and printed as typed in the
    official document (关于{subject}}的函)."""
    response = world.login("performance").post(
        "/documents/templates/REMINDER_LETTER/", {"title_pattern": title_pattern, "body": body, "is_active": "on"}
    )
    page = response.content.decode()
    assert response.status_code == 400 and shown in page
    assert body in page  # what was typed stays in the form
    assert not DocumentTemplate.objects.filter(region=world.region).exists()


def test_template_copy_on_write_and_placeholder_check(world: Any) -> None:
    client = world.login("performance")
    national = DocumentTemplate.objects.get(doc_type="REMINDER_LETTER", region=None)
    original = national.body
    bad = client.post(
        "/documents/templates/REMINDER_LETTER/",
        {"title_pattern": "提醒函", "body": "{recipient}：{unknown_thing}", "is_active": "on"},
    )
    assert bad.status_code == 400 and "{unknown_thing}" in bad.content.decode()
    assert not DocumentTemplate.objects.filter(region=world.region).exists()
    client.post(
        "/documents/templates/REMINDER_LETTER/",
        {
            "title_pattern": "关于{subject}的提醒函",
            "body": "{recipient}：\n请于{deadline}前办理。\n{issuer}\n{date}",
            "is_active": "on",
        },
    )
    own = DocumentTemplate.objects.get(doc_type="REMINDER_LETTER", region=world.region)
    national.refresh_from_db()
    assert national.body == original and own.version == national.version + 1
    doc = services.document_issue(
        actor=world.users["performance"],
        doc_type=DocType.REMINDER_LETTER,
        region=world.region,
        recipients=[world.school],
        context={"subject": "监控填报"},
    )
    assert doc.title == "关于监控填报的提醒函" and "【待填写：办理期限】" in doc.body
    assert doc.template == own and doc.template_version == own.version
    assert AuditEvent.objects.filter(event_type="documents.template_save").exists()
    client.post("/documents/templates/REMINDER_LETTER/reset/")
    assert not DocumentTemplate.objects.filter(region=world.region).exists()
    again = client.post("/documents/templates/REMINDER_LETTER/reset/")  # a second click: nothing to drop
    # The template list again with the reason and 409, not a redirect.
    assert again.status_code == 409 and "本区划没有自定义模板，已在使用上级（全国默认）模板" in again.content.decode()
    assert 'data-testid="template-table"' in again.content.decode()
    assert world.login("business").get("/documents/templates/").status_code == 403


def test_series_page_sets_the_abbreviation(world: Any) -> None:
    client = world.login("performance")
    bad = client.post("/documents/series/", {"doc_type": "", "abbrev": "渠财绩〔2026〕", "issuer_name": "渠县财政局"})
    assert bad.status_code == 400
    client.post("/documents/series/", {"doc_type": "", "abbrev": "渠财效", "issuer_name": "渠县财政局"})
    doc = services.document_issue(
        actor=world.users["performance"],
        doc_type=DocType.REMINDER_LETTER,
        region=world.region,
        recipients=[world.school],
        context={},
    )
    assert doc.doc_no == f"渠财效〔{timezone.localdate().year}〕1号"


def test_todos_for_receivers(world: Any, issue_notice: Any) -> None:
    from jixiao.core import todos

    issue_notice(world.school, feedback_deadline=timezone.localdate())
    mine = [i for i in todos.for_user(world.users["unit_user"]) if i.stage == "文书"]
    assert {i.title: i.count for i in mine} == {"收到的文书未签收": 1, "文书待反馈": 1}
    due = next(i for i in mine if i.title == "文书待反馈")
    assert due.hint == f"最近反馈期限{timezone.localdate():%Y-%m-%d}，今天截止"  # the earliest deadline, counted down
    assert not [i for i in todos.for_user(world.users["other_unit_user"]) if i.stage == "文书"]


ACCESS = {
    # persona: (ledger, inbox, draft, templates)
    "performance": (200, 200, 200, 200),  # it receives for a 下级财政 what the region above sends it
    "business": (200, 403, 200, 403),
    "budget": (200, 403, 403, 403),
    "dept_admin": (200, 200, 403, 403),
    "unit_user": (200, 200, 403, 403),
    "leader": (200, 403, 403, 403),
    "oversight": (200, 403, 403, 403),
    "expert": (403, 403, 403, 403),
    "agency": (403, 403, 403, 403),
    "sys_admin": (403, 403, 403, 403),
    "audit_admin": (403, 403, 403, 403),
}


@pytest.mark.parametrize("persona", sorted(ACCESS))
def test_every_persona_gets_the_right_document_pages(world: Any, persona: str) -> None:
    client = world.login(persona)
    urls = ("/documents/", "/documents/inbox/", "/documents/new/", "/documents/templates/")
    assert tuple(client.get(url).status_code for url in urls) == ACCESS[persona]


def test_list_and_inbox_have_a_query_bound(world: Any, issue_notice: Any, django_assert_max_num_queries: Any) -> None:
    for _ in range(8):
        issue_notice(world.school, world.hospital)
    perf, unit = world.login("performance"), world.login("unit_user")
    with django_assert_max_num_queries(25):
        assert perf.get("/documents/").status_code == 200
    with django_assert_max_num_queries(25):
        assert unit.get("/documents/inbox/").status_code == 200


def test_a_draft_shows_no_raw_placeholder_and_signs_right_aligned(world: Any) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    draft = services.document_draft(
        actor=world.users["performance"],
        doc_type=DocType.REMINDER_LETTER,
        region=world.region,
        recipients=[world.school],
        context={"problems": "监控表逾期未报送"},
    )
    assert "{date}" in draft.body  # filled when issued
    client = world.login("performance")
    word = Document(io.BytesIO(client.get(f"/documents/{draft.pk}/docx/").content))
    last = word.paragraphs[-1]
    assert last.text == "【印发时生成：成文日期】"
    assert last.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    for url in (f"/documents/{draft.pk}/", f"/documents/{draft.pk}/print/"):
        page = client.get(url).content.decode()
        assert "{date}" not in page and "【印发时生成：成文日期】" in page


def test_the_comment_box_says_which_button_needs_it(world: Any, issue_notice: Any) -> None:
    """A draft can only be issued (the 说明 is optional); an issued document offers 办结, which needs it."""
    draft = services.document_draft(
        actor=world.users["performance"],
        doc_type=DocType.REMINDER_LETTER,
        region=world.region,
        recipients=[world.school],
        context={},
    )
    client = world.login("performance")
    assert 'placeholder="选填" data-testid="doc-comment"' in client.get(f"/documents/{draft.pk}/").content.decode()
    issued = issue_notice(world.school)
    page = client.get(f"/documents/{issued.pk}/").content.decode()
    assert 'placeholder="“办结”时必须填写说明"' in page


@pytest.mark.parametrize("abbrev", ["渠财绩（2026）", "渠财绩(2026)", "渠财绩2026", "渠财绩【2026】"])
def test_the_series_abbreviation_takes_no_year_or_brackets(world: Any, abbrev: str) -> None:
    """The year and 〔〕 are added at issue: 渠财绩（2026） was taken and numbered 渠财绩（2026）〔2026〕1号."""
    client = world.login("performance")
    response = client.post("/documents/series/", {"doc_type": "", "abbrev": abbrev, "issuer_name": "渠县财政局"})
    assert response.status_code == 400
    assert "机关代字只填代字本身，如“渠财绩”，不含年份、括号和“号”" in response.content.decode()
    assert not DocumentSeries.objects.filter(abbrev=abbrev).exists()


def test_the_signature_never_stands_alone_on_a_page(world: Any, issue_notice: Any) -> None:
    """发文机关署名 and 成文日期 went alone onto a second page when the text just filled the first (a 提醒敦促函 of
    the demo printed so): in Word the last line of the text keeps with them, and so it does on the print page."""
    doc = issue_notice()
    response = world.login("performance").get(f"/documents/{doc.pk}/docx/")
    paragraphs = [p for p in Document(io.BytesIO(response.content)).paragraphs if p.text.strip()]
    date_line = next(i for i, p in enumerate(paragraphs) if p.text.strip().endswith("日") and "年" in p.text)
    last_text, issuer = paragraphs[date_line - 2], paragraphs[date_line - 1]
    assert issuer.text.strip() == "渠县财政局"
    assert last_text.paragraph_format.keep_with_next and issuer.paragraph_format.keep_with_next
    assert not paragraphs[date_line].paragraph_format.keep_with_next
    printed = world.login("performance").get(f"/documents/{doc.pk}/print/").content.decode()
    assert ".text:has(+ .sign) { break-after: avoid;" in printed and "break-before: avoid" in printed


def test_a_bad_list_filter_is_shown_at_its_field(world: Any, issue_notice: Any) -> None:
    """A year typed wrong (20266) was left out silently: the ledger listed every year without saying why."""
    notice = issue_notice()
    issue_notice(doc_type=DocType.OPINION_LETTER)
    page = world.login("performance").get("/documents/?fiscal_year=20266&doc_type=RECTIFICATION_NOTICE")
    assert page.status_code == 200
    html = page.content.decode()
    errors = re.findall(r'data-testid="filter-error">([^<]*)<', html)
    assert errors == ["确保该值小于或等于2100。"]
    assert notice.title in html and "绩效管理意见书" not in html.split("<tbody")[1]  # the valid filter still applies


@pytest.mark.parametrize(
    ("persona", "offered"),
    [("performance", True), ("leader", True), ("oversight", False), ("dept_admin", False), ("unit_user", False)],
)
def test_the_status_filter_offers_drafts_only_to_who_sees_them(world: Any, persona: str, offered: bool) -> None:
    """A department, a unit or the oversight never sees a draft: 草稿 in their status filter always listed nothing."""
    page = world.login(persona).get("/documents/").content.decode()
    status = page.split('name="status"')[1].split("</select>")[0]
    assert ('value="draft"' in status) is offered and 'value="issued"' in status


def test_a_word_annex_row_is_never_split_across_pages_and_its_head_repeats(world: Any, issue_notice: Any) -> None:
    """A 通报's 附表 in Word broke a row in half at the page end (县第二中学消防安 | 全设施改造 on the next page, the
    other cells empty there), the next page had no column heads, and a 附表 title could stand alone at a page foot."""
    from docx.oxml.ns import qn

    from jixiao.documents.documents import render_docx

    doc = issue_notice(world.school)
    rows_in = [[n, f"项目{n}"] for n in range(40)]
    doc.tables = [{"title": "差异较大的项目", "headers": ["序号", "项目名称"], "rows": rows_in}]
    word = Document(io.BytesIO(render_docx(doc)))
    title = next(p for p in word.paragraphs if p.text.startswith("附表1："))
    assert title.paragraph_format.keep_with_next  # the 附表 title is not left alone at the foot of a page
    table = word.tables[-1]
    rows = table.rows
    assert len(rows) == 41
    assert all(row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None for row in rows)
    assert rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert rows[1]._tr.trPr.find(qn("w:tblHeader")) is None


def test_a_word_annex_table_has_its_head_bold_in_the_heading_face_and_rows_in_the_body_face(
    world: Any, issue_notice: Any
) -> None:
    from jixiao.core.tests.helpers import cell_look, tables_kept_whole
    from jixiao.documents.documents import render_docx

    doc = issue_notice(world.school)
    doc.tables = [{"title": "差异较大的项目", "headers": ["序号", "项目名称"], "rows": [[1, "一中\x01教学设备"]]}]
    word = Document(io.BytesIO(render_docx(doc)))
    table = word.tables[-1]
    assert [cell_look(c) for c in table.rows[0].cells] == [
        ("序号", "Noto Sans CJK SC", 11, True),
        ("项目名称", "Noto Sans CJK SC", 11, True),
    ]
    assert [cell_look(c) for c in table.rows[1].cells] == [
        ("1", "Noto Serif CJK SC", 11, False),
        ("一中教学设备", "Noto Serif CJK SC", 11, False),
    ]
    assert tables_kept_whole(word)
