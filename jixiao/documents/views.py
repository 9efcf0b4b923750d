"""文书 pages: the ledger, drafting and issuing, the document with its receipts, the inbox, feedback, Word, print,
and the template and 文号 settings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jixiao.core import once
from jixiao.core.errors import ConflictError, DomainError
from jixiao.core.forms import valid_filters
from jixiao.core.list_exports import ListExport, Selection, export_list
from jixiao.core.locking import FIELD_NAME as LOCK_FIELD
from jixiao.core.locking import add_lock_token, lock_token
from jixiao.core.views_helpers import (
    capability_required,
    docx_response,
    filename_part,
    paginate,
    stored_file_response,
    xlsx_response,
)
from jixiao.documents import documents, exports, rendering, selectors, services
from jixiao.documents.forms import (
    CommentForm,
    DraftForm,
    EditForm,
    FeedbackForm,
    ListFilterForm,
    SeriesForm,
    TemplateForm,
)
from jixiao.documents.models import PLACEHOLDERS, DocType, OfficialDocument
from jixiao.documents.workflow import AUTOMATIC_ACTIONS, DOCUMENT_WORKFLOW, EDITABLE_STATES, FEEDBACK_STATES
from jixiao.organizations.selectors import current_fiscal_year


def _filename(doc: OfficialDocument, suffix: str) -> str:
    name = filename_part(doc.doc_no or doc.title, 60)
    return f"{name or doc.pk}.{suffix}"


@capability_required("documents.view")
def document_list(request: HttpRequest) -> HttpResponse:
    form = ListFilterForm(request.GET or None, user=request.user)
    params = valid_filters(form)
    queryset = selectors.documents_filtered(request.user, params)
    return render(request, "documents/list.html", {"form": form, "page": paginate(request, queryset)})


def _document_selection(user: Any, query: QueryDict) -> Selection:
    form = ListFilterForm(query or None, user=user)
    queryset = selectors.documents_filtered(user, valid_filters(form))
    return Selection(
        rows=lambda: exports.document_rows(queryset.iterator(chunk_size=2000)),
        count=queryset.count,
        form=form,
        workbook=lambda: xlsx_response(exports.documents_workbook(queryset.iterator(chunk_size=2000)), "文书台账.xlsx"),
    )


DOCUMENT_EXPORT = ListExport(
    kind="documents.export",
    title="文书台账",
    header=exports.HEADERS,
    capability="documents.view",
    select=_document_selection,
    path="jixiao.documents.views.DOCUMENT_EXPORT",
    sheet_name="文书",
)


@capability_required(DOCUMENT_EXPORT.capability)
def document_export(request: HttpRequest) -> HttpResponse:
    """The ledger as filtered, every row, audited (core.list_exports): the titled workbook when short, else (or as
    CSV) the plain stream or a background job with a progress bar."""
    return export_list(request, DOCUMENT_EXPORT, back=reverse("documents:list"))


def _recipient_form(form: Any, user: Any) -> Any:
    choices = selectors.recipient_choices(user)
    form.set_recipient_choices(choices["departments"], choices["units"], choices["regions"])
    return form


@capability_required("documents.draft")
def document_create(request: HttpRequest) -> HttpResponse:
    current = current_fiscal_year()
    initial = {"fiscal_year": current.year if current else None, "doc_type": request.GET.get("doc_type", "")}
    region = request.user.active_membership.region  # type: ignore[union-attr]
    used = selectors.placeholders_by_type(region)
    form = _recipient_form(DraftForm(request.POST or None, initial=initial, used=used), request.user)
    if request.method == "POST" and form.is_valid():

        def draft() -> HttpResponse:
            doc = services.document_draft(
                actor=request.user,
                doc_type=form.cleaned_data["doc_type"],
                region=region,
                recipients=form.recipients(),
                context=form.context(),
                title=form.cleaned_data["title"],
                feedback_deadline=form.cleaned_data["feedback_deadline"],
                fiscal_year=form.cleaned_data["fiscal_year"],
            )
            messages.success(request, "文书草稿已生成，请核对正文后印发")
            return redirect("documents:detail", pk=doc.pk)

        try:
            return once.run_once(request, draft)  # a double click on 保存 makes one draft
        except DomainError as exc:
            form.add_error(None, exc.message)
    status = 400 if request.method == "POST" else 200
    return render(request, "documents/form.html", {"form": form, "title": "起草文书"}, status=status)


@capability_required("documents.draft")
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    doc = selectors.document_get(request.user, pk)
    if doc.status not in EDITABLE_STATES:
        messages.error(request, "文书已印发，不能修改")
        return redirect("documents:detail", pk=pk)
    rows = selectors.document_recipients(doc)
    initial = {
        "title": doc.title,
        "body": doc.body,
        "feedback_deadline": doc.feedback_deadline,
        "version": doc.version,
        "departments": [r.department_id for r in rows if r.department_id],
        "units": [r.unit_id for r in rows if r.unit_id],
        "regions": [r.region_id for r in rows if r.region_id],
    }
    form = _recipient_form(EditForm(request.POST or None, initial=initial), request.user)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            services.document_update(
                actor=request.user,
                document=doc,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                feedback_deadline=form.cleaned_data["feedback_deadline"],
                recipients=form.recipients(),
                version=form.cleaned_data["version"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
        else:
            messages.success(request, "修改已保存")
            return redirect("documents:detail", pk=pk)
    context = {
        "form": form,
        "document": doc,
        "title": f"修改文书：{doc.title}",
        "placeholders": PLACEHOLDERS,
        # Addressees the form cannot show (not the editor's to choose, or deactivated): named, and kept on save.
        "kept_recipients": selectors.recipients_out_of_reach(request.user, rows),
    }
    return render(request, "documents/form.html", context, status=status)


def _sign(request: HttpRequest, doc: OfficialDocument) -> None:
    """Opening an issued document signs the viewer's organisation's receipt (once, audited)."""
    services.document_mark_read(actor=request.user, document=doc)


@capability_required("documents.view")
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    doc = selectors.document_get(request.user, pk)
    _sign(request, doc)
    return _detail(request, doc)


def _detail(
    request: HttpRequest, doc: OfficialDocument, status: int = 200, feedback_form: FeedbackForm | None = None
) -> HttpResponse:
    user: Any = request.user
    capabilities = user.active_membership.capabilities
    # 印发 and 办结 belong to the issuing region (and those above it), as `services._check_actor` requires: a lower
    # region's 绩效股 reading what the region above sent it answers it, it does not close it.
    issuer_side = selectors.is_issuer_side(user, doc)
    available = DOCUMENT_WORKFLOW.available(doc.status, capabilities) if issuer_side else []
    actions = [t for t in available if t.action not in AUTOMATIC_ACTIONS]
    mine = selectors.my_recipient_row(user, doc)
    can_answer = (
        mine is not None
        and mine.feedback_at is None
        and doc.status in FEEDBACK_STATES
        and user.can("documents.receive")
    )
    context = {
        "document": doc,
        "lines": documents.body_lines(doc),
        "recipients": selectors.recipients_shown(user, doc),
        "issuer_side": issuer_side,
        "related": selectors.related_link(doc),
        "actions": actions,
        # The 说明 box says which of the offered buttons need it (办结), or that it is optional.
        "comment_needed": "、".join(f"“{t.label}”" for t in actions if t.needs_comment),
        "can_edit": user.can("documents.draft") and doc.status in EDITABLE_STATES,
        # A hand-written draft may be deleted; one a case or bulletin drafted is handled in its own flow.
        "can_discard": user.can("documents.draft") and doc.status == doc.Status.DRAFT and doc.related_type_id is None,
        "mine": mine,
        "feedback_form": (feedback_form or FeedbackForm()) if can_answer else None,
        "events": selectors.document_events(doc)[:100],
        "markers": services.unfilled_markers(doc) if doc.status in EDITABLE_STATES else [],
    }
    return render(request, "documents/detail.html", context, status=status)


@require_POST
@capability_required("documents.view")
def document_transition(request: HttpRequest, pk: int) -> HttpResponse:
    doc = selectors.document_get(request.user, pk)
    action = request.POST.get("action", "")
    form = CommentForm(request.POST)
    if not form.is_valid():
        # A 办结说明 the form refuses (too long, a NUL): said in words, a 400, the document untouched (it was read as
        # empty and refused as 请填写办结说明).
        messages.error(request, "办结说明无效：" + "；".join(str(e) for e in form.errors.get("comment", [])))
        return _detail(request, doc, 400)
    comment = form.cleaned_data["comment"]
    try:
        if action == "issue":
            doc = services.document_issue_draft(actor=request.user, document=doc)
            messages.success(request, f"已印发，文号：{doc.doc_no}")
        elif action == "close":
            services.document_close(actor=request.user, document=doc, comment=comment)
            messages.success(request, "文书已办结")
        else:
            messages.error(request, "操作无效")
            return _detail(request, doc, 400)
    except DomainError as exc:
        # Refused (a marker left unfilled, a state changed meanwhile): the page again with the reason, and its status.
        messages.error(request, exc.message)
        return _detail(request, selectors.document_get(request.user, pk), exc.status_code)
    return redirect("documents:detail", pk=pk)


@require_POST
@capability_required("documents.draft")
def document_discard(request: HttpRequest, pk: int) -> HttpResponse:
    """删除草稿 of a hand-written draft (the detail page's button, with a confirmation)."""
    doc = selectors.document_get(request.user, pk)
    try:
        services.document_discard(actor=request.user, document=doc)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _detail(request, selectors.document_get(request.user, pk), exc.status_code)
    messages.success(request, f"草稿“{doc.title}”已删除")
    return redirect("documents:list")


@require_POST
@capability_required("documents.receive")
def document_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    doc = selectors.document_get(request.user, pk)
    form = FeedbackForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.document_feedback(
                actor=request.user, document=doc, text=form.cleaned_data["text"], upload=form.cleaned_data["file"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
        else:
            messages.success(request, "反馈已提交")
            return redirect("documents:detail", pk=pk)
    else:
        status = 400
    # The typed answer stays in the form with the reason; the file has to be chosen again (browsers do not keep it).
    errors = [str(e) for errs in form.errors.values() for e in errs]
    messages.error(request, "；".join(errors) or "反馈内容无效")
    return _detail(request, selectors.document_get(request.user, pk), status, feedback_form=form)


@capability_required("documents.view")
def feedback_download(request: HttpRequest, pk: int, recipient_pk: int) -> HttpResponse:
    doc = selectors.document_get(request.user, pk)
    row = selectors.recipient_get(request.user, doc, recipient_pk)
    return stored_file_response(
        row.feedback_file,
        row.feedback_file_name,
        opened=lambda: services.feedback_opened(actor=request.user, recipient=row),
    )


@capability_required("documents.view")
def document_docx(request: HttpRequest, pk: int) -> HttpResponse:
    doc = selectors.document_get(request.user, pk)
    _sign(request, doc)
    content = documents.render_docx(doc)
    services.document_downloaded(actor=request.user, document=doc, kind="docx_download")
    return docx_response(content, _filename(doc, "docx"))


@capability_required("documents.view")
def document_print(request: HttpRequest, pk: int) -> HttpResponse:
    doc = selectors.document_get(request.user, pk)
    _sign(request, doc)
    services.document_downloaded(actor=request.user, document=doc, kind="print")
    return render(request, "documents/print.html", {"document": doc, "lines": documents.body_lines(doc)})


@capability_required("documents.receive")
def inbox(request: HttpRequest) -> HttpResponse:
    rows = selectors.inbox(request.user)
    if request.GET.get("unread") or request.GET.get("feedback"):
        rows = selectors.inbox_own(request.user)  # what the viewer itself has to sign or answer
    if request.GET.get("unread"):
        rows = rows.filter(read_at__isnull=True)
    if request.GET.get("feedback"):
        rows = rows.filter(feedback_at__isnull=True, document__feedback_deadline__isnull=False)
    return render(request, "documents/inbox.html", {"page": paginate(request, rows)})


# ---- settings ------------------------------------------------------------------------------------------------------


@capability_required("documents.configure")
def template_list(request: HttpRequest) -> HttpResponse:
    return _template_list_page(request)


def _template_list_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    """The region's templates; also after a refused 恢复默认, at its address, with the refusal's status."""
    region = request.user.active_membership.region  # type: ignore[union-attr]
    return render(request, "documents/templates.html", {"rows": selectors.templates_for_region(region)}, status=status)


@capability_required("documents.configure")
def template_edit(request: HttpRequest, doc_type: str) -> HttpResponse:
    if doc_type not in DocType.values:
        raise Http404
    region = request.user.active_membership.region  # type: ignore[union-attr]
    shown = selectors.template_rows(region, doc_type)
    current = shown[0]
    initial = {"title_pattern": current.title_pattern, "body": current.body, "is_active": True} if current else {}
    form = TemplateForm(request.POST or None, initial=initial)
    add_lock_token(form, shown)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            services.template_save(actor=request.user, doc_type=doc_type, **form.cleaned_data)
        except DomainError as exc:
            status = exc.status_code
            if isinstance(exc, ConflictError):  # saved meanwhile: the typed text stays, on the template as it is now
                shown = selectors.template_rows(region, doc_type)
                current = shown[0]
                form = _restamped(TemplateForm, request.POST, shown)
            form.add_error(None, exc.message)
        else:
            messages.success(request, "模板已保存（本区划专用）")
            return redirect("documents:templates")
    context = {
        "form": form,
        "doc_type": doc_type,
        "label": DocType(doc_type).label,
        "current": current,
        "is_own": current is not None and current.region_id == region.pk,
        "placeholders": PLACEHOLDERS,
        "preview": rendering.fill(current.body, {}) if current else "",
    }
    return render(request, "documents/template_form.html", context, status=status)


@require_POST
@capability_required("documents.configure")
def template_reset(request: HttpRequest, doc_type: str) -> HttpResponse:
    try:
        services.template_reset(actor=request.user, doc_type=doc_type)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _template_list_page(request, status=exc.status_code)
    messages.success(request, "已恢复为上级（全国默认）模板")
    return redirect("documents:templates")


@capability_required("documents.configure")
def series_list(request: HttpRequest) -> HttpResponse:
    region = request.user.active_membership.region  # type: ignore[union-attr]
    form = SeriesForm(request.POST or None)
    # One form creates or changes any of the region's series: the token covers all the rows the page lists.
    add_lock_token(form, selectors.series_list(region))
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            services.series_save(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            status = exc.status_code
            if isinstance(exc, ConflictError):  # the typed values stay, against the series as they are now
                form = _restamped(SeriesForm, request.POST, selectors.series_list(region))
            form.add_error(None, exc.message)
        else:
            messages.success(request, "发文字号已保存")
            return redirect("documents:series")
    context = {
        "form": form,
        "rows": selectors.series_list(region),
        "default_abbrev": selectors.default_abbrev(region),
    }
    return render(request, "documents/series.html", context, status=status)


def _restamped(form_class: Any, posted: Any, current: Any) -> Any:
    """The refused form again with what was typed and the lock token of the rows as they are now, so that saving
    once more after reading the page is not refused again for the same stale page."""
    data = posted.copy()
    data[LOCK_FIELD] = lock_token(current)
    form = form_class(data)
    add_lock_token(form, current)
    form.is_valid()
    return form
