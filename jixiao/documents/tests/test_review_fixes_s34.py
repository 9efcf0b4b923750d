"""Review fixes (session 34): 修改 keeps the addressees the editor cannot choose, a 下级财政's 绩效股 signs and answers
what is addressed to its region (read-only roles sign nothing), one 代字 numbers one series, the 驾驶舱 counts only
what the region issued, stale template and 发文字号 saves are refused, and a refused feedback leaves no file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jixiao.accounts.models import Membership
from jixiao.accounts.tests.factories import UserFactory
from jixiao.core.errors import ConflictError, DomainError
from jixiao.documents import selectors, services
from jixiao.documents.models import DocType, DocumentSeries, DocumentStatus, DocumentTemplate, OfficialDocument
from jixiao.organizations.models import FiscalRegion
from jixiao.organizations.tests.factories import FinanceSectionFactory, FiscalRegionFactory

pytestmark = pytest.mark.django_db

CONTEXT = {"subject": "目标设置", "problems": "指标未量化"}


def _draft(world: Any, *recipients: Any) -> OfficialDocument:
    return services.document_draft(
        actor=world.users["performance"],
        doc_type=DocType.OPINION_LETTER,
        region=world.region,
        recipients=list(recipients),
        context=CONTEXT,
    )


def _edit(client: Any, draft: OfficialDocument, **posted: Any) -> Any:
    data = {"title": draft.title, "body": draft.body.replace("指标未量化", "指标未细化量化"), "version": draft.version}
    return client.post(f"/documents/{draft.pk}/edit/", {**data, **posted})


# ---- 1. 修改 keeps the addressees the editor cannot choose -------------------------------------------------------


def test_a_business_section_fixing_a_typo_keeps_the_addressees_it_does_not_see(world: Any) -> None:
    """绩效股 drafts to 县教育局 and 县卫健局; the 教科文股 sees only 县教育局: its edit form carries that one, and the
    save used to drop 县卫健局 and rename the 称谓."""
    draft = _draft(world, world.edu, world.health)
    assert draft.body.startswith("县教育局、县卫健局：")
    client = world.login("business")
    page = client.get(f"/documents/{draft.pk}/edit/").content.decode()
    assert f'name="departments" value="{world.edu.pk}"' in page
    assert f'name="departments" value="{world.health.pk}"' not in page  # the form cannot carry it back
    assert 'data-testid="kept-recipients"' in page and "县卫健局" in page
    assert _edit(client, draft, departments=[world.edu.pk]).status_code == 302
    draft.refresh_from_db()
    assert [r.name for r in draft.recipients.order_by("order")] == ["县教育局", "县卫健局"]
    assert draft.body.startswith("县教育局、县卫健局：") and "指标未细化量化" in draft.body
    # What the editor may choose still changes: removing 县教育局 leaves the kept one alone.
    _edit(client, draft, departments=[])
    draft.refresh_from_db()
    assert [r.name for r in draft.recipients.all()] == ["县卫健局"] and draft.body.startswith("县卫健局：")


def test_an_addressee_deactivated_after_drafting_is_kept_on_save(world: Any) -> None:
    draft = _draft(world, world.edu, world.health)
    world.health.is_active = False
    world.health.save(update_fields=["is_active"])
    client = world.login("performance")
    page = client.get(f"/documents/{draft.pk}/edit/").content.decode()
    assert f'name="departments" value="{world.health.pk}"' not in page
    assert _edit(client, draft, departments=[world.edu.pk], units=[world.school.pk]).status_code == 302
    draft.refresh_from_db()
    assert [r.name for r in draft.recipients.order_by("order")] == ["县教育局", "县卫健局", "县第一中学"]
    assert draft.body.startswith("县教育局、县卫健局、县第一中学：")


# ---- 2. a 下级财政 signs and answers; read-only roles sign nothing ------------------------------------------------


def _town(world: Any) -> tuple[FiscalRegion, Any, Any]:
    town = FiscalRegionFactory(
        mof_div_code="511725101", name="渠江镇", level=FiscalRegion.Level.TOWN, parent=world.region
    )
    town.path = town.build_path()
    town.save(update_fields=["path"])
    section = FinanceSectionFactory(region=town, code="ZJX", name="镇财政所绩效组", kind="performance")
    perf = UserFactory(username="p_town_perf")
    Membership.objects.create(user=perf, role="performance", region=town, section=section)
    leader = UserFactory(username="p_town_leader")
    Membership.objects.create(user=leader, role="leader", region=town)
    return town, perf, leader


def _login(user: Any) -> Any:
    from django.test import Client

    from jixiao.accounts.tests.factories import TEST_PASSWORD

    client = Client()
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def test_a_lower_regions_performance_section_signs_and_answers_what_is_addressed_to_it(
    world: Any, issue_notice: Any
) -> None:
    town, perf, leader = _town(world)
    doc = issue_notice(town, feedback_deadline=timezone.localdate())
    issue_notice(world.school)  # not addressed to the town: never in its inbox
    # Read-only roles open it and sign nothing: the town's leader, the county's oversight.
    assert services.document_mark_read(actor=leader, document=doc) is None
    assert services.document_mark_read(actor=world.users["oversight"], document=doc) is None
    assert doc.recipients.get().read_at is None
    client = _login(perf)
    inbox = client.get("/documents/inbox/")
    assert inbox.status_code == 200
    assert [r.document_id for r in inbox.context["page"]] == [doc.pk]
    # The county's 绩效股 (now also a receiver) finds nothing of its own sending in its inbox.
    assert list(world.login("performance").get("/documents/inbox/").context["page"]) == []
    page = client.get(f"/documents/{doc.pk}/")
    row = doc.recipients.get()
    assert row.read_at is not None and row.read_by == perf
    body = page.content.decode()
    # It answers; it does not close the county's document (the service would refuse): no 办结 button.
    assert 'name="text"' in body and 'value="close"' not in body
    assert client.post(f"/documents/{doc.pk}/feedback/", {"text": "已按要求整改"}).status_code == 302
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.FEEDBACK_RECEIVED
    assert 'value="close"' in world.login("performance").get(f"/documents/{doc.pk}/").content.decode()


# ---- 3. one 代字 numbers one series ------------------------------------------------------------------------------


def test_two_series_of_a_region_cannot_share_an_abbreviation(world: Any) -> None:
    perf = world.users["performance"]
    services.series_save(actor=perf, doc_type="", abbrev="渠财效", issuer_name="渠县财政局")
    with pytest.raises(DomainError, match="机关代字“渠财效”已用于“各类文书共用”"):
        services.series_save(actor=perf, doc_type=DocType.REMINDER_LETTER, abbrev="渠财效", issuer_name="渠县财政局")
    services.series_save(actor=perf, doc_type=DocType.REMINDER_LETTER, abbrev="渠财督", issuer_name="渠县财政局")
    with pytest.raises(DomainError, match="已用于“提醒敦促函”"):
        services.series_save(actor=perf, doc_type="", abbrev="渠财督", issuer_name="渠县财政局")
    # Saving a series again with its own abbreviation is no clash.
    services.series_save(actor=perf, doc_type=DocType.REMINDER_LETTER, abbrev="渠财督", issuer_name="渠县人民政府")
    # The page answers 400 with the reason and the typed values.
    response = world.login("performance").post(
        "/documents/series/", {"doc_type": DocType.OPINION_LETTER, "abbrev": "渠财督", "issuer_name": "渠县财政局"}
    )
    assert response.status_code == 400 and "已用于“提醒敦促函”" in response.content.decode()
    assert not DocumentSeries.objects.filter(doc_type=DocType.OPINION_LETTER).exists()


def test_the_default_shared_abbreviation_is_reserved_and_never_numbers_a_second_series(
    world: Any, issue_notice: Any
) -> None:
    perf = world.users["performance"]
    # No shared series yet: 渠财绩 is what it will be created with, so a per-type series cannot take it.
    with pytest.raises(DomainError, match="“渠财绩”已用于“各类文书共用”"):
        services.series_save(
            actor=perf, doc_type=DocType.RECTIFICATION_NOTICE, abbrev="渠财绩", issuer_name="渠县财政局"
        )
    # A per-type series saved with it before this rule: the shared series is not created with the same 代字.
    DocumentSeries.objects.create(
        region=world.region, doc_type=DocType.RECTIFICATION_NOTICE, abbrev="渠财绩", issuer_name="渠县财政局"
    )
    first = issue_notice()
    assert first.doc_no.startswith("渠财绩〔")
    with pytest.raises(DomainError, match="请先在“发文字号”中设置各类文书共用的机关代字"):
        issue_notice(doc_type=DocType.OPINION_LETTER)
    assert not DocumentSeries.objects.filter(region=world.region, doc_type="").exists()
    services.series_save(actor=perf, doc_type="", abbrev="渠财效", issuer_name="渠县财政局")
    assert issue_notice(doc_type=DocType.OPINION_LETTER).doc_no == f"渠财效〔{timezone.localdate().year}〕1号"


# ---- 4. the 驾驶舱 counts what the region issued -----------------------------------------------------------------


def test_document_counts_leave_out_documents_received_from_above(world: Any, issue_notice: Any) -> None:
    town, perf, _leader = _town(world)
    issue_notice(town)  # the county's document, addressed to the town
    assert selectors.document_counts(perf, 2026)["RECTIFICATION_NOTICE"]["issued"] == 0
    assert selectors.document_counts(world.users["performance"], 2026)["RECTIFICATION_NOTICE"]["issued"] == 1
    # The 已印发 filter the cockpit links to lists the same documents.
    listed = _login(perf).get("/documents/", {"status": "issued_any", "fiscal_year": 2026})
    assert listed.context["page"].paginator.count == 0
    assert _login(perf).get("/documents/", {"fiscal_year": 2026}).context["page"].paginator.count == 1


# ---- 7. stale template and 发文字号 saves ---------------------------------------------------------------------------


def test_a_template_saved_from_a_stale_page_is_refused_with_the_typed_text_kept(world: Any) -> None:
    client = world.login("performance")
    url = "/documents/templates/REMINDER_LETTER/"
    token = client.get(url).context["form"].initial["lock_token"]
    posted = {
        "title_pattern": "关于{subject}的提醒函",
        "body": "{recipient}：\n第一次\n{issuer}\n{date}",
        "is_active": "on",
    }
    assert client.post(url, {**posted, "lock_token": token}).status_code == 302
    stale = client.post(url, {**posted, "body": "{recipient}：\n旧页面上的正文\n{issuer}\n{date}", "lock_token": token})
    assert stale.status_code == 409 and "旧页面上的正文" in stale.content.decode()
    assert "已被他人修改" in stale.content.decode()
    own = DocumentTemplate.objects.get(doc_type="REMINDER_LETTER", region=world.region)
    assert "第一次" in own.body
    # Saved again from the page the refusal showed (the current one): accepted.
    again = stale.context["form"]["lock_token"].value()
    retry = {**posted, "body": "{recipient}：\n旧页面上的正文\n{issuer}\n{date}", "lock_token": again}
    assert client.post(url, retry).status_code == 302


def test_a_series_saved_from_a_stale_page_is_refused_with_the_typed_values_kept(world: Any) -> None:
    client = world.login("performance")
    token = client.get("/documents/series/").context["form"].initial["lock_token"]
    first = {"doc_type": "", "abbrev": "渠财效", "issuer_name": "渠县财政局", "lock_token": token}
    assert client.post("/documents/series/", first).status_code == 302
    stale = client.post("/documents/series/", {**first, "abbrev": "渠财管"})
    assert stale.status_code == 409 and 'value="渠财管"' in stale.content.decode()
    assert DocumentSeries.objects.get(region=world.region, doc_type="").abbrev == "渠财效"
    again = stale.context["form"]["lock_token"].value()
    assert client.post("/documents/series/", {**first, "abbrev": "渠财管", "lock_token": again}).status_code == 302
    assert DocumentSeries.objects.get(region=world.region, doc_type="").abbrev == "渠财管"


def test_a_stale_series_save_is_refused_by_the_service(world: Any) -> None:
    perf = world.users["performance"]
    token = selectors.series_token(world.region)
    services.series_save(actor=perf, doc_type="", abbrev="渠财效", issuer_name="渠县财政局", lock_token=token)
    with pytest.raises(ConflictError):
        services.series_save(actor=perf, doc_type="", abbrev="渠财管", issuer_name="渠县财政局", lock_token=token)


# ---- 9. a refused feedback leaves no file ------------------------------------------------------------------------


def test_a_feedback_rolled_back_after_its_file_was_written_leaves_no_file(
    world: Any, issue_notice: Any, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    doc = issue_notice()

    def failing(**kwargs: Any) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(services.audit, "record", failing)
    upload = SimpleUploadedFile("整改报告.pdf", b"%PDF-1.7 report", content_type="application/pdf")
    with pytest.raises(RuntimeError):
        services.document_feedback(actor=world.users["unit_user"], document=doc, text="见附件", upload=upload)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert doc.recipients.get().feedback_at is None


def test_a_second_series_saved_at_once_with_the_same_abbreviation_is_a_conflict(world: Any, monkeypatch: Any) -> None:
    """Two first saves at once both pass the 代字 check (no row to lock yet): the database's unique 代字 refuses the
    second with a 409 in Chinese, nothing of it written."""
    perf = world.users["performance"]
    monkeypatch.setattr(services, "_check_abbrev_free", lambda *args: None)  # the other save passed it meanwhile
    services.series_save(actor=perf, doc_type="", abbrev="渠财效", issuer_name="渠县财政局")
    with pytest.raises(ConflictError, match="机关代字“渠财效”刚被他人用于本区划的另一个发文字号"):
        services.series_save(actor=perf, doc_type=DocType.REMINDER_LETTER, abbrev="渠财效", issuer_name="渠县财政局")
    assert not DocumentSeries.objects.filter(doc_type=DocType.REMINDER_LETTER).exists()
