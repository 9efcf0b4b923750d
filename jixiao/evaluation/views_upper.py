"""上级核查 印证资料 pages (DOMAIN.md §2.4.6, services_upper): the list of a unit's (or a section's) projects, a
project's page (its indicators under check with the files tied to each, the 印证资料 card, submit / pass / return,
the timeline), the files (core.evidence_pages), and on the check: 报送上级 and the zip for the upper level."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.core.errors import DomainError
from jixiao.core.evidence_pages import EvidencePages
from jixiao.core.forms import EvidenceUploadForm, valid_filters
from jixiao.core.views_helpers import capability_required, paginate
from jixiao.evaluation import selectors, services_upper
from jixiao.evaluation.forms_reeval import UpperFilterForm, UpperTransitionForm
from jixiao.evaluation.models import AuthenticityCheck, UpperCheckProject
from jixiao.evaluation.views_reeval import authenticity_page
from jixiao.evaluation.workflow import UPPER_CHECK_WORKFLOW, UPPER_EDITABLE_STATES


def _works_on_upper_checks(request: HttpRequest) -> None:
    """Units and 主管部门 (who upload) and the checking sections (who review); the other readers have no such work."""
    user: Any = request.user
    if not (user.can("evaluation.fill") or user.can("evaluation.authenticity")):
        raise PermissionDenied


@capability_required("evaluation.view")
def upper_list(request: HttpRequest) -> HttpResponse:
    _works_on_upper_checks(request)
    form = UpperFilterForm(request.GET or None)
    filters = valid_filters(form)  # a bad status is named at its box; 仅本股室 still applies
    status = filters.get("status", "")
    # Open checks first (newest first), then the forwarded ones.
    entries = selectors.upper_entries_visible(request.user).order_by(
        F("check_batch__forwarded_at").desc(nulls_first=True), "-check_batch_id", "code", "id"
    )
    if status == "todo":
        entries = entries.filter(status__in=UPPER_EDITABLE_STATES, check_batch__forwarded_at__isnull=True)
    elif status:
        entries = entries.filter(status=status)
    section = request.user.active_membership.section_id  # type: ignore[union-attr]
    if filters.get("mine") and section:
        entries = entries.filter(check_batch__organiser_id=section)
    return render(request, "evaluation/upper_list.html", {"form": form, "page": paginate(request, entries)})


def detail_context(request: HttpRequest, entry: UpperCheckProject) -> dict[str, Any]:
    user: Any = request.user
    items = selectors.upper_entry_items(entry)
    files = selectors.upper_entry_evidence(entry)
    forwarded = entry.check_batch.forwarded_at is not None
    capabilities = user.active_membership.capabilities
    return {
        "entry": entry,
        "check": entry.check_batch,
        "items": items,
        "evidence": files,
        "untied": selectors.upper_items_with_files(items, files),
        "can_edit": user.can("evaluation.fill") and entry.status in UPPER_EDITABLE_STATES and not forwarded,
        "evidence_form": EvidenceUploadForm(rows=selectors.upper_row_choices(items)),
        "actions": [] if forwarded else UPPER_CHECK_WORKFLOW.available(entry.status, capabilities),
        "events": selectors.upper_entry_events(entry)[:100],
        "can_see_check": user.can("evaluation.authenticity"),
    }


@capability_required("evaluation.view")
def upper_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.upper_entry_get(request.user, pk)
    return render(request, "evaluation/upper_detail.html", detail_context(request, entry))


@require_POST
@capability_required("evaluation.view")
def upper_transition(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.upper_entry_get(request.user, pk)
    shown_in = entry.status
    form = UpperTransitionForm(request.POST)
    if not form.is_valid():
        problems = "；".join(f"{form.fields[name].label}：{errors[0]}" for name, errors in form.errors.items())
        return _transition_refused(request, entry, form, f"操作无效：{problems}", 400)
    action = form.cleaned_data["action"]
    try:
        services_upper.entry_transition(
            actor=request.user, entry=entry, action=action, comment=form.cleaned_data["comment"]
        )
    except DomainError as exc:
        return _transition_refused(
            request, selectors.upper_entry_get(request.user, pk), form, exc.message, exc.status_code
        )
    messages.success(request, f"操作成功：{UPPER_CHECK_WORKFLOW.action_label(action, shown_in)}")
    return redirect("evaluation:upper_detail", pk=pk)


def _transition_refused(
    request: HttpRequest, entry: UpperCheckProject, form: UpperTransitionForm, error: str, status: int
) -> HttpResponse:
    """A refused 提交 / 审核通过 / 退回 (no file yet, a return without a reason): the page again with the message and
    the 报送说明 or 审核意见 just typed, not a redirect that dropped it."""
    messages.error(request, error)
    context = {**detail_context(request, entry), "typed_comment": form.data.get("comment", "")}
    return render(request, "evaluation/upper_detail.html", context, status=status)


PAGES = EvidencePages(
    kind=services_upper.EVIDENCE,
    detail="evaluation:upper_detail",
    template="evaluation/upper_detail.html",
    view_capability="evaluation.view",
    record_get=selectors.upper_entry_get,
    evidence_get=selectors.upper_evidence_get,
    row_choices=lambda entry: selectors.upper_row_choices(selectors.upper_entry_items(entry)),
    context=detail_context,
    noun="印证资料",
)

evidence_add, evidence_download, evidence_delete = PAGES.views()


# ---- on the check --------------------------------------------------------------------------------------------------


def _check(request: HttpRequest, pk: int) -> AuthenticityCheck:
    return selectors.authenticity_check_get(request.user, pk)


def _check_refused(request: HttpRequest, pk: int, exc: DomainError) -> HttpResponse:
    """A refused 报送上级 or 资料包 (a project's 印证资料 not yet passed): the check's page with the reason and the
    refusal's status, not a redirect (its forms name the check's own address)."""
    messages.error(request, exc.message)
    return authenticity_page(request, _check(request, pk), status=exc.status_code)


@require_POST
@capability_required("evaluation.authenticity")
def upper_forward(request: HttpRequest, pk: int) -> HttpResponse:
    check = _check(request, pk)
    try:
        services_upper.check_forward(actor=request.user, check=check)
    except DomainError as exc:
        return _check_refused(request, pk, exc)
    messages.success(request, "已标记为已报送上级，印证资料随之锁定")
    return redirect("evaluation:authenticity_detail", pk=pk)


@capability_required("evaluation.authenticity")
def upper_package(request: HttpRequest, pk: int) -> HttpResponse:
    check = _check(request, pk)
    try:
        package = services_upper.check_package(actor=request.user, check=check)
    except DomainError as exc:
        return _check_refused(request, pk, exc)
    response = FileResponse(package.file, as_attachment=True, filename=package.filename, content_type="application/zip")
    response["X-Content-Type-Options"] = "nosniff"
    return response  # type: ignore[return-value]  # a streamed file is still a response
