"""文书 writes: drafting from a template, issuing with the next 文号, receipts, feedback, closing, configuration.

Every function re-checks capability and row scope and writes events and audit rows. Other apps call
`document_issue` / `document_draft` (the contract in issue 7); `actor=None` means the system itself (a sweep or a
management command), which skips the capability check but is audited like any other write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone

from jixiao.core import audit
from jixiao.core.errors import ConflictError, DomainError, NotFoundError
from jixiao.core.locking import check_lock_token, duplicate_is_conflict
from jixiao.core.permissions import require
from jixiao.core.uploads import check_upload, removed_on_failure
from jixiao.core.word import official_date
from jixiao.documents import rendering, selectors
from jixiao.documents.models import (
    PLACEHOLDER_DEFAULTS,
    DocType,
    DocumentEvent,
    DocumentRecipient,
    DocumentSeries,
    DocumentStatus,
    DocumentTemplate,
    OfficialDocument,
)
from jixiao.documents.signals import document_feedback_given
from jixiao.documents.workflow import CLOSE, DOCUMENT_WORKFLOW, EDITABLE_STATES, FEEDBACK, FEEDBACK_STATES, ISSUE, READ
from jixiao.organizations.models import BudgetUnit, Department, FiscalRegion, FiscalYear

Recipient = Department | BudgetUnit | FiscalRegion
FALLBACK_BODY = "{recipient}：\n{content}\n{issuer}\n{date}"


def _actor_name(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "系统"
    return getattr(actor, "display_name", "") or actor.get_username()


def _check_actor(actor: Any, capability: str, region: FiscalRegion) -> None:
    """A user needs the capability and must act within their own region; `None` is the system."""
    if actor is None:
        return
    require(actor, capability)
    membership = actor.active_membership
    if not region.path.startswith(membership.region.path):
        raise NotFoundError("财政区划不存在或不在您的管理范围内")


def _visible(actor: Any, document: OfficialDocument) -> None:
    if actor is None:
        return
    if not OfficialDocument.objects.visible_to(actor).filter(pk=document.pk).exists():
        raise NotFoundError("文书不存在")


def _event(actor: Any, doc: OfficialDocument, action: str, label: str, source: str, comment: str = "") -> None:
    DocumentEvent.log(
        actor,
        action=action,
        label=label,
        comment=comment,
        document=doc,
        actor_name=_actor_name(actor)[:150],
        from_status=source,
        to_status=doc.status,
    )


def _default_year() -> int:
    current = FiscalYear.objects.filter(is_current=True).first()
    return current.year if current else timezone.localdate().year


def _resolve_recipients(region: FiscalRegion, recipients: Iterable[Any]) -> list[tuple[str, Recipient]]:
    resolved: list[tuple[str, Recipient]] = []
    seen: set[tuple[str, int]] = set()
    for item in recipients:
        if isinstance(item, Department | BudgetUnit):
            kind = "department" if isinstance(item, Department) else "unit"
            inside = item.region.path.startswith(region.path)
        elif isinstance(item, FiscalRegion):
            kind = "region"
            inside = item.path.startswith(region.path) and item.pk != region.pk
        else:
            raise DomainError("主送单位只能是主管部门、预算单位或下级财政区划")
        if not inside:
            raise DomainError(f"主送单位“{item}”不在发文区划范围内")
        if (kind, item.pk) not in seen:
            seen.add((kind, item.pk))
            resolved.append((kind, item))
    return resolved


def clean_tables(tables: Iterable[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """附表 as stored: each a title, its headers and rows of strings; tables without rows are left out."""
    result: list[dict[str, Any]] = []
    for table in tables or []:
        headers = [str(h) for h in table.get("headers", [])]
        rows = [["" if c is None else str(c) for c in row] for row in table.get("rows", [])]
        if headers and rows:
            result.append({"title": str(table.get("title", "")), "headers": headers, "rows": rows})
    return result


def _series_locked(region: FiscalRegion, doc_type: str) -> DocumentSeries:
    """The series for the number, locked until the transaction ends (created with the default abbreviation). The
    shared series is not created with a 代字 a per-type series of the region already numbers with (saved before
    `series_save` refused it): both would count 1, 2, 3… and hand out the same 文号."""
    series = selectors.series_for(region, doc_type)
    if series is None:
        abbrev = selectors.default_abbrev(region)
        taken = DocumentSeries.objects.filter(region=region, abbrev=abbrev).exclude(doc_type="").first()
        if taken is not None:
            raise DomainError(
                f"本区划尚未设置各类文书共用的发文字号，默认机关代字“{abbrev}”已用于“{_series_label(taken.doc_type)}”，"
                "请先在“发文字号”中设置各类文书共用的机关代字"
            )
        try:
            with transaction.atomic():
                series = DocumentSeries.objects.create(
                    region=region,
                    doc_type="",
                    abbrev=selectors.default_abbrev(region),
                    issuer_name=selectors.default_issuer(region),
                )
        except IntegrityError as exc:
            # Created meanwhile by another issue, or its 代字 just taken by a per-type series (uniq_doc_series_abbrev).
            series = DocumentSeries.objects.filter(region=region, doc_type="").first()
            if series is None:
                raise ConflictError("发文字号刚被他人修改，请刷新后重试") from exc
    return DocumentSeries.objects.select_for_update().get(pk=series.pk)


def _build(
    *,
    actor: Any,
    doc_type: str,
    region: FiscalRegion,
    recipients: Iterable[Any],
    context: Mapping[str, Any] | None,
    title: str,
    related: models.Model | None,
    feedback_deadline: dt.date | None,
    fiscal_year: int | None,
    tables: Iterable[Mapping[str, Any]] | None = None,
) -> OfficialDocument:
    if doc_type not in DocType.values:
        raise DomainError("请选择文书类型")
    resolved = _resolve_recipients(region, recipients)
    template = selectors.template_for(region, doc_type)
    series = selectors.series_for(region, doc_type)
    ctx = rendering.clean_context(context)
    year = fiscal_year or _default_year()
    ctx.setdefault("recipient", "、".join(str(item) for _, item in resolved))
    ctx.setdefault("issuer", series.issuer_name if series else selectors.default_issuer(region))
    ctx.setdefault("year", str(year))
    pattern = template.title_pattern if template else str(DocType(doc_type).label)
    template_body = template.body if template else FALLBACK_BODY
    for name in rendering.placeholders_in(f"{pattern}\n{template_body}"):
        if name in PLACEHOLDER_DEFAULTS and not ctx.get(name):
            ctx[name] = PLACEHOLDER_DEFAULTS[name]
    title = (title or "").strip() or rendering.fill(pattern, ctx)
    ctx.setdefault("title", title)
    body = rendering.fill(template_body, ctx, keep=rendering.LATE_PLACEHOLDERS)
    user = actor if getattr(actor, "is_authenticated", False) else None
    doc = OfficialDocument(
        doc_type=doc_type,
        region=region,
        fiscal_year=year,
        title=title[:200],
        body=body,
        context=ctx,
        template=template,
        template_version=template.version if template else None,
        issuer_name=ctx["issuer"][:100],
        feedback_deadline=feedback_deadline,
        tables=clean_tables(tables),
        created_by=user,
        updated_by=user,
    )
    if related is not None:
        doc.related_type = ContentType.objects.get_for_model(type(related))
        doc.related_id = str(related.pk)
        doc.related_repr = str(related)[:300]
    doc.save()
    for order, (kind, item) in enumerate(resolved):
        DocumentRecipient.objects.create(document=doc, name=str(item)[:150], order=order, **{kind: item})
    _event(actor, doc, "create", "起草文书", "")
    audit.record(
        actor=actor,
        event_type="documents.draft",
        obj=doc,
        changes=audit.diff({}, audit.snapshot(doc, ["doc_type", "title", "fiscal_year", "related_repr"])),
        reason="、".join(str(item) for _, item in resolved)[:500],
    )
    return doc


def document_draft(
    *,
    actor: Any,
    doc_type: str,
    region: FiscalRegion,
    recipients: Iterable[Any],
    context: Mapping[str, Any] | None,
    title: str = "",
    related: models.Model | None = None,
    feedback_deadline: dt.date | None = None,
    fiscal_year: int | None = None,
    tables: Iterable[Mapping[str, Any]] | None = None,
) -> OfficialDocument:
    """A draft rendered from the region's template; the 文号 and date are filled when it is issued."""
    _check_actor(actor, "documents.draft", region)
    with transaction.atomic():
        return _build(
            actor=actor,
            doc_type=doc_type,
            region=region,
            recipients=recipients,
            context=context,
            title=title,
            related=related,
            feedback_deadline=feedback_deadline,
            fiscal_year=fiscal_year,
            tables=tables,
        )


def document_issue(
    *,
    actor: Any,
    doc_type: str,
    region: FiscalRegion,
    recipients: Iterable[Any],
    context: Mapping[str, Any] | None,
    title: str = "",
    related: models.Model | None = None,
    feedback_deadline: dt.date | None = None,
    fiscal_year: int | None = None,
    tables: Iterable[Mapping[str, Any]] | None = None,
    refuse_unfilled: bool = False,
) -> OfficialDocument:
    """Render, number and issue in one step; returns the issued document. `refuse_unfilled`: a text that would go
    out with a 【待填写：…】 hole (a value the region's template asks for that the caller did not give) is refused
    before it is numbered, as `document_issue_draft` refuses a draft (a 通报 issued from its page)."""
    _check_actor(actor, "documents.issue", region)
    with transaction.atomic():
        doc = _build(
            actor=actor,
            doc_type=doc_type,
            region=region,
            recipients=recipients,
            context=context,
            title=title,
            related=related,
            feedback_deadline=feedback_deadline,
            fiscal_year=fiscal_year,
            tables=tables,
        )
        markers = unfilled_markers(doc) if refuse_unfilled else []
        if markers:
            raise DomainError(
                f"印发后的{DocType(doc_type).label}中还有未填写的内容（{'、'.join(markers)}），"
                "请修改标题或正文，或在“文书模板”中补全本区划的模板后再印发"
            )
        return _issue_locked(actor, OfficialDocument.objects.select_for_update().get(pk=doc.pk))


def _issue_locked(actor: Any, doc: OfficialDocument) -> OfficialDocument:
    transition = DOCUMENT_WORKFLOW.get(doc.status, ISSUE)
    if not doc.recipients.exists():
        raise DomainError("请至少选择一个主送单位")
    region = FiscalRegion.objects.get(pk=doc.region_id)
    series = _series_locked(region, doc.doc_type)
    today = timezone.localdate()
    last = OfficialDocument.objects.filter(series=series, doc_year=today.year).aggregate(m=Max("doc_seq"))["m"]
    doc.series = series
    doc.doc_year = today.year
    doc.doc_seq = (last or 0) + 1
    doc.doc_no = series.number(today.year, doc.doc_seq)
    doc.issuer_name = series.issuer_name
    late = {**doc.context, "doc_no": doc.doc_no, "date": official_date(today), "issuer": series.issuer_name}
    doc.body = rendering.fill(doc.body, late)
    doc.title = rendering.fill(doc.title, late)[:200]
    doc.status = transition.target
    doc.issued_at = timezone.now()
    doc.issued_by = actor if getattr(actor, "is_authenticated", False) else None
    doc.version += 1
    doc.save()
    _event(actor, doc, ISSUE, transition.label, transition.source, doc.doc_no)
    audit.record(
        actor=actor,
        event_type="documents.issue",
        obj=doc,
        changes={"status": [transition.source, transition.target], "doc_no": ["", doc.doc_no]},
        reason=doc.doc_no,
    )
    return doc


def unfilled_markers(document: OfficialDocument) -> list[str]:
    """The 【待填写：…】 markers the issued title or body would hold: those still in the draft (a value the template
    asked for was not given) and those a placeholder typed into the draft (`{contact}`) would become at issue, when
    the draft's values do not include it (only the number, the date and the issuer are filled then)."""
    late = {**document.context, **dict.fromkeys(rendering.LATE_PLACEHOLDERS, "-"), "issuer": "-"}
    text = rendering.fill(f"{document.title}\n{document.body}", late)
    return list(dict.fromkeys(rendering.MARKER.findall(text)))


def document_issue_draft(*, actor: Any, document: OfficialDocument) -> OfficialDocument:
    """Issue an existing draft: it takes the next number of its series. A draft that still holds 【待填写：…】
    markers is refused: once numbered and sent it can no longer be corrected."""
    transition = DOCUMENT_WORKFLOW.get(document.status, ISSUE)
    _check_actor(actor, transition.capability, document.region)
    _visible(actor, document)
    with transaction.atomic():
        locked = OfficialDocument.objects.select_for_update().get(pk=document.pk)
        if locked.status != transition.source:
            raise ConflictError("文书状态已变化，请刷新后重试")
        if locked.feedback_deadline is not None and locked.feedback_deadline < timezone.localdate():
            # A draft kept past its 反馈期限 would be numbered and sent already overdue.
            deadline = official_date(locked.feedback_deadline)
            raise DomainError(f"反馈期限（{deadline}）已过，请点“修改”改定反馈期限后再印发")
        markers = unfilled_markers(locked)
        if markers:
            raise DomainError(f"正文中还有未填写的内容（{'、'.join(markers)}），请点“修改”补全后再印发")
        return _issue_locked(actor, locked)


EDITABLE_FIELDS = ["title", "body", "feedback_deadline"]


def _merged_recipients(actor: Any, document: OfficialDocument, posted: Iterable[Any]) -> list[tuple[str, Recipient]]:
    """The addressees after 修改: the posted list replaces only what the editor could choose. A row the edit form
    cannot show — a department outside a business section's 对口 departments, one deactivated since drafting — is
    kept, or saving a typo fix would silently drop it. Rows staying keep their order; added ones follow."""
    rows = list(document.recipients.select_related("department", "unit", "region").order_by("order", "id"))
    hidden = {row.pk for row in selectors.recipients_out_of_reach(actor, rows)}
    chosen = _resolve_recipients(document.region, posted)
    wanted = {(kind, item.pk) for kind, item in chosen}
    merged: list[tuple[str, Recipient]] = []
    for row in rows:
        kind, pk = selectors.recipient_key(row)
        if row.pk in hidden or (kind, pk) in wanted:
            merged.append((kind, getattr(row, kind)))
    present = {(kind, item.pk) for kind, item in merged}
    merged += [(kind, item) for kind, item in chosen if (kind, item.pk) not in present]
    return merged


def document_update(
    *,
    actor: Any,
    document: OfficialDocument,
    title: str,
    body: str,
    feedback_deadline: dt.date | None,
    recipients: Iterable[Any] | None = None,
    version: int | None = None,
) -> OfficialDocument:
    """Edit a draft's title, body, deadline and (optionally) its addressees."""
    _check_actor(actor, "documents.draft", document.region)
    _visible(actor, document)
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        raise DomainError("标题和正文不能为空")
    # As a template: `{项目名称}`, a full-width ｛subject｝ or a lone brace typed into a draft printed as typed.
    rendering.check_template(title, body, what="正文")
    with transaction.atomic():
        locked = OfficialDocument.objects.select_for_update().get(pk=document.pk)
        if locked.status not in EDITABLE_STATES:
            raise ConflictError("文书已印发，不能修改")
        if version is not None and locked.version != version:
            raise ConflictError("文书已被他人修改，请刷新后重试")
        before = audit.snapshot(locked, EDITABLE_FIELDS)
        locked.title, locked.body, locked.feedback_deadline = title[:200], body, feedback_deadline
        if recipients is not None:
            resolved = _merged_recipients(actor, locked, recipients)
            before_rows = list(locked.recipients.order_by("order").values_list("department", "unit", "region"))
            locked.recipients.all().delete()
            for order, (kind, item) in enumerate(resolved):
                DocumentRecipient.objects.create(document=locked, name=str(item)[:150], order=order, **{kind: item})
            names = "、".join(str(item) for _, item in resolved)
            after_rows = list(locked.recipients.order_by("order").values_list("department", "unit", "region"))
            salutation = f"{locked.context.get('recipient', '')}："
            if after_rows != before_rows and len(salutation) > 1 and locked.body.startswith(salutation):
                # The 称谓 still names the old addressees (the drafter changed them, not the line): it follows.
                locked.body = f"{names}：{locked.body[len(salutation) :]}"
            locked.context = {**locked.context, "recipient": names}
        locked.version += 1
        locked.updated_by = actor
        locked.save()
        audit.record(
            actor=actor,
            event_type="documents.update",
            obj=locked,
            changes=audit.diff(before, audit.snapshot(locked, EDITABLE_FIELDS)),
        )
    return locked


def _advance(actor: Any, doc: OfficialDocument) -> None:
    """Move to READ / FEEDBACK_RECEIVED when every addressee has read / answered."""
    rows = doc.recipients.all()
    if (
        doc.status in (DocumentStatus.ISSUED, DocumentStatus.READ)
        and not rows.filter(feedback_at__isnull=True).exists()
    ):
        action = FEEDBACK
    elif doc.status == DocumentStatus.ISSUED and not rows.filter(read_at__isnull=True).exists():
        action = READ
    else:
        return
    transition = DOCUMENT_WORKFLOW.get(doc.status, action)
    doc.status = transition.target
    doc.save(update_fields=["status", "updated_at"])
    _event(actor, doc, action, transition.label, transition.source)


def document_mark_read(*, actor: Any, document: OfficialDocument) -> DocumentRecipient | None:
    """Opening a document signs the receipt of the viewer's organisation (once); others change nothing. Only a user
    who receives for the organisation (`documents.receive`) signs: a leader or the 人大/审计 reader of a region
    addressed by the region above reads without signing for its 绩效股."""
    _visible(actor, document)
    if actor is None or not actor.can("documents.receive"):
        return None
    row = selectors.my_recipient_row(actor, document)
    if row is None or row.read_at is not None:
        return row
    with transaction.atomic():
        # Document first, then the receipt: the same order as feedback, so the two never deadlock.
        doc = OfficialDocument.objects.select_for_update().get(pk=document.pk)
        locked = DocumentRecipient.objects.select_for_update().get(pk=row.pk)
        if locked.read_at is not None:
            return locked
        locked.read_at, locked.read_by = timezone.now(), actor
        locked.save(update_fields=["read_at", "read_by"])
        _event(actor, doc, "receipt", f"{locked.name}签收", doc.status)
        audit.record(actor=actor, event_type="documents.read", obj=doc, reason=f"{locked.name}签收"[:500])
        _advance(actor, doc)
    return locked


def document_feedback(
    *, actor: Any, document: OfficialDocument, text: str, upload: Any = None, from_elsewhere: bool = False
) -> DocumentRecipient:
    """The addressee's answer: text and/or one file (checked like every upload). The stages above are told
    (`signals.document_feedback_given`, in the same transaction): a 提醒敦促函 answered here also answers the
    预警处置 cases it chased. `from_elsewhere`: the answer comes from such a stage (`feedback_from_elsewhere`)."""
    require(actor, "documents.receive")
    _visible(actor, document)
    row = selectors.my_recipient_row(actor, document)
    if row is None:
        raise NotFoundError("文书不存在")
    text = (text or "").strip()
    if not text and upload is None:
        raise DomainError("请填写反馈内容或上传附件")
    if len(text) > 8000:
        raise DomainError("反馈内容不能超过8000字")
    name = check_upload(upload) if upload is not None else ""
    # The file is written inside the transaction: a rollback after it (a refused audit write, a stage's receiver
    # failing) removes it again instead of leaving it on disk with no row naming it.
    with removed_on_failure() as written, transaction.atomic():
        doc = OfficialDocument.objects.select_for_update().get(pk=document.pk)
        if doc.status not in FEEDBACK_STATES:
            raise ConflictError("文书已办结，不能再反馈")
        locked = DocumentRecipient.objects.select_for_update().get(pk=row.pk)
        if locked.feedback_at is not None:
            raise ConflictError("本单位已提交反馈")
        now = timezone.now()
        if locked.read_at is None:
            locked.read_at, locked.read_by = now, actor
        locked.feedback_text, locked.feedback_at, locked.feedback_by = text, now, actor
        if upload is not None:
            locked.feedback_file.save(name, upload, save=False)
            written.append(locked.feedback_file)
            locked.feedback_file_name = name
        locked.save()
        _event(actor, doc, "feedback_submit", f"{locked.name}反馈", doc.status, text[:200])
        audit.record(actor=actor, event_type="documents.feedback", obj=doc, reason=f"{locked.name}：{name}"[:500])
        _advance(actor, doc)
        document_feedback_given.send(
            sender=OfficialDocument,
            document=doc,
            recipient=locked,
            actor=actor,
            text=text,
            file_name=name,
            from_elsewhere=from_elsewhere,
        )
    return locked


def feedback_from_elsewhere(*, actor: Any, document_id: int | None, text: str) -> None:
    """An answer the addressee gave in the stage that sent the document (the unit's 整改反馈 on the case a 整改通知书
    issued, its 说明 on the 预警处置 cases a 提醒敦促函 chased) is also its feedback on the document, so that it does
    not stay 待反馈 in 我收到的文书: one obligation, answered once. Nothing happens when there is no document, the
    actor is not its addressee (a 主管部门 answering for its unit), the addressee has answered already, or the
    document was closed or is out of reach meanwhile (the stage's answer stands on its own)."""
    if document_id is None or not actor.can("documents.receive"):
        return
    document = OfficialDocument.objects.filter(pk=document_id).first()
    row = selectors.my_recipient_row(actor, document) if document is not None else None
    if document is None or row is None or row.feedback_at is not None:
        return
    try:
        document_feedback(actor=actor, document=document, text=text[:8000], from_elsewhere=True)
    except (ConflictError, NotFoundError):
        return


def feedback_opened(*, actor: Any, recipient: DocumentRecipient) -> None:
    audit.record(
        actor=actor,
        event_type="documents.feedback_download",
        obj=recipient.document,
        reason=recipient.feedback_file_name[:500],
    )


def document_close(*, actor: Any, document: OfficialDocument, comment: str) -> OfficialDocument:
    transition = DOCUMENT_WORKFLOW.get(document.status, CLOSE)
    _check_actor(actor, transition.capability, document.region)
    _visible(actor, document)
    comment = (comment or "").strip()
    if transition.needs_comment and not comment:
        raise DomainError("请填写办结说明")
    with transaction.atomic():
        locked = OfficialDocument.objects.select_for_update().get(pk=document.pk)
        if locked.status != transition.source:
            raise ConflictError("文书状态已变化，请刷新后重试")
        locked.status, locked.closed_at = transition.target, timezone.now()
        locked.version += 1
        locked.save(update_fields=["status", "closed_at", "version", "updated_at"])
        _event(actor, locked, CLOSE, transition.label, transition.source, comment)
        audit.record(
            actor=actor,
            event_type="documents.close",
            obj=locked,
            reason=comment[:500],
            changes={"status": [transition.source, transition.target]},
        )
    return locked


def document_discard(*, actor: Any, document: OfficialDocument) -> None:
    """删除草稿: a draft written by hand on 起草文书 and not wanted after all, which otherwise waited in 文书草稿待印发
    for good. Only a draft that no case or bulletin drafted (those belong to their own flow and are issued or
    superseded there) and that was never numbered; kept as a deleted row, audited."""
    _check_actor(actor, "documents.draft", document.region)
    _visible(actor, document)
    with transaction.atomic():
        locked = OfficialDocument.objects.select_for_update().get(pk=document.pk)
        if locked.is_deleted:
            raise ConflictError("该草稿已被删除，请刷新页面")
        if locked.status != DocumentStatus.DRAFT:
            raise ConflictError("文书已印发，不能删除")
        if locked.related_type_id is not None:
            raise ConflictError(f"该草稿由“{locked.related_repr or '业务事项'}”生成，请在该事项中处理，不能在此删除")
        locked.is_deleted = True
        locked.version += 1
        locked.updated_by = actor
        locked.save(update_fields=["is_deleted", "version", "updated_by", "updated_at"])
        audit.record(actor=actor, event_type="documents.discard", obj=locked, changes={"is_deleted": [False, True]})


def document_downloaded(*, actor: Any, document: OfficialDocument, kind: str) -> None:
    audit.record(actor=actor, event_type=f"documents.{kind}", obj=document, reason=document.doc_no or document.title)


# ---- configuration -------------------------------------------------------------------------------------------------

TEMPLATE_FIELDS = ["title_pattern", "body", "is_active"]


def template_save(
    *,
    actor: Any,
    doc_type: str,
    title_pattern: str,
    body: str,
    is_active: bool = True,
    lock_token: str | None = None,
) -> DocumentTemplate:
    """Save the actor's region's template for `doc_type`. Editing a national default (or a higher region's copy)
    creates the region's own copy; the default stays untouched for everyone else. `lock_token`: of the rows the page
    showed (`selectors.template_rows`); a save from a page shown before another save is refused (409)."""
    require(actor, "documents.configure")
    if doc_type not in DocType.values:
        raise DomainError("请选择文书类型")
    title_pattern, body = (title_pattern or "").strip(), (body or "").strip()
    if not title_pattern or not body:
        raise DomainError("标题格式和正文模板不能为空")
    rendering.check_template(title_pattern, body)
    region = actor.active_membership.region
    with transaction.atomic():
        own = DocumentTemplate.objects.select_for_update().filter(doc_type=doc_type, region=region).first()
        check_lock_token(selectors.template_rows(region, doc_type), lock_token)
        before = audit.snapshot(own, TEMPLATE_FIELDS) if own else {}
        if own is None:
            base = selectors.template_for(region, doc_type)
            own = DocumentTemplate(doc_type=doc_type, region=region, version=(base.version if base else 0) + 1)
        else:
            own.version += 1
        own.title_pattern, own.body, own.is_active = title_pattern[:200], body, is_active
        own.updated_by = actor
        own.save()
        audit.record(
            actor=actor,
            event_type="documents.template_save",
            obj=own,
            changes=audit.diff(before, audit.snapshot(own, TEMPLATE_FIELDS)),
        )
    return own


def template_reset(*, actor: Any, doc_type: str) -> None:
    """Drop the region's own copy: the national default (or a higher region's copy) applies again."""
    require(actor, "documents.configure")
    region = actor.active_membership.region
    with transaction.atomic():
        own = DocumentTemplate.objects.select_for_update().filter(doc_type=doc_type, region=region).first()
        if own is None:
            raise ConflictError("本区划没有自定义模板，已在使用上级（全国默认）模板")
        audit.record(actor=actor, event_type="documents.template_reset", obj=own)
        own.delete()


def _series_label(doc_type: str) -> str:
    return str(DocType(doc_type).label) if doc_type else "各类文书共用"


def _check_abbrev_free(region: FiscalRegion, rows: list[DocumentSeries], doc_type: str, abbrev: str) -> None:
    """One 代字 numbers one series of a region: the 序号 runs per series, so two series with the same 代字 would both
    hand out 渠财绩〔2026〕1号. The default shared 代字 (`selectors.default_abbrev`) counts as taken while the shared
    series is not yet created, since the first issue creates it with that 代字."""
    used = {row.doc_type: row.abbrev for row in rows if row.doc_type != doc_type}
    if doc_type and "" not in used:
        used[""] = selectors.default_abbrev(region)
    clash = next((kind for kind, taken in used.items() if taken == abbrev), None)
    if clash is not None:
        raise DomainError(
            f"机关代字“{abbrev}”已用于“{_series_label(clash)}”的发文字号，同一代字的两个字号会编出相同的文号，请换一个代字"
        )


def series_save(
    *, actor: Any, doc_type: str, abbrev: str, issuer_name: str, lock_token: str | None = None
) -> DocumentSeries:
    """Create or change the actor's region's series for `doc_type` ("" = the shared series). `lock_token`: of the
    region's series as the page showed them (`selectors.series_token`); a stale page's save is refused (409)."""
    require(actor, "documents.configure")
    if doc_type and doc_type not in DocType.values:
        raise DomainError("请选择文书类型")
    abbrev, issuer_name = (abbrev or "").strip(), (issuer_name or "").strip()
    if not abbrev or not issuer_name:
        raise DomainError("机关代字和发文机关不能为空")
    # The year goes between 〔〕 by itself: a year or brackets typed the way 文号 are often written (渠财绩（2026）,
    # 渠财绩(2026)) were taken and every number came out 渠财绩（2026）〔2026〕1号.
    if any(c in abbrev for c in "〔〕[]{}（）()【】号") or any(c.isdigit() for c in abbrev):
        raise DomainError("机关代字只填代字本身，如“渠财绩”，不含年份、括号和“号”")
    region = actor.active_membership.region
    abbrev = abbrev[:20]
    with transaction.atomic():
        rows = list(DocumentSeries.objects.select_for_update().filter(region=region).order_by("pk"))
        check_lock_token(rows, lock_token)
        _check_abbrev_free(region, rows, doc_type, abbrev)
        series = next((row for row in rows if row.doc_type == doc_type), None)
        before = audit.snapshot(series, ["abbrev", "issuer_name"]) if series else {}
        if series is None:
            series = DocumentSeries(region=region, doc_type=doc_type)
        else:
            series.version += 1
        series.abbrev, series.issuer_name = abbrev, issuer_name[:100]
        # Two first saves at once both pass the check above (no row to lock yet): the unique 代字 refuses the second.
        with duplicate_is_conflict(f"机关代字“{abbrev}”刚被他人用于本区划的另一个发文字号，请刷新后换一个代字"):
            series.save()
        audit.record(
            actor=actor,
            event_type="documents.series_save",
            obj=series,
            changes=audit.diff(before, audit.snapshot(series, ["abbrev", "issuer_name"])),
        )
    return series
