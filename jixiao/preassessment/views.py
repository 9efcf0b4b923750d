from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.core import audit_labels, once
from jixiao.core.errors import DomainError
from jixiao.core.forms import valid_filters
from jixiao.core.locking import add_lock_token
from jixiao.core.numbers import year_or_none
from jixiao.core.views_helpers import capability_required, paginate, stored_file_response
from jixiao.organizations.selectors import current_fiscal_year
from jixiao.preassessment import panels, selectors, services
from jixiao.preassessment.forms import (
    AgencyReviewForm,
    AssessmentForm,
    AttachmentForm,
    ConcludeForm,
    ListFilterForm,
    RuleForm,
    StartForm,
    TransitionForm,
)
from jixiao.preassessment.models import PreAssessment
from jixiao.preassessment.workflow import EDITABLE_STATES, FORM_ACTIONS, PREASSESSMENT_WORKFLOW


def _filing(cleaned: dict[str, Any]) -> dict[str, Any]:
    """Form data for the service; an empty requested amount (None) means “the project's fiscal amount”."""
    data = {k: v for k, v in cleaned.items() if k != "expected_version"}
    data["requested_amount_yuan"] = data.get("requested_amount_yuan") or None
    return data


def _year(request: HttpRequest) -> int:
    year = year_or_none(request.GET.get("fiscal_year", ""))
    if year is not None:
        return year
    current = current_fiscal_year()
    return current.year if current else 0


@capability_required("preassessment.view")
def assessment_list(request: HttpRequest) -> HttpResponse:
    form = ListFilterForm(request.GET or None, user=request.user)
    params = valid_filters(form)
    queryset = selectors.assessments_filtered(request.user, params)
    return render(request, "preassessment/list.html", {"form": form, "page": paginate(request, queryset)})


@capability_required("preassessment.file")
def assessment_start(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and (repeat := once.replayed(request)) is not None:
        return repeat  # a double click: the project is no longer offered, so it is answered before the form's check
    projects = selectors.assessable_projects(request.user)
    chosen = request.POST.get("start-project") or request.GET.get("project") or ""
    initial = {"project": chosen} if chosen else None
    start = StartForm(request.POST or None, projects=projects, initial=initial, prefix="start")
    project = next((p for p in projects if str(p.pk) == chosen), None)
    kind = PreAssessment.Kind.POLICY if project is not None and project.is_policy else None
    form = AssessmentForm(request.POST or None, kind=kind)
    if request.method == "POST" and start.is_valid() and form.is_valid():

        def create() -> HttpResponse:
            pa = services.preassessment_create(
                actor=request.user, project=start.cleaned_data["project"], data=_filing(form.cleaned_data)
            )
            messages.success(request, "评估申报已保存为草稿")
            return redirect("preassessment:detail", pk=pa.pk)

        try:
            return once.run_once(request, create)  # a double click on 保存 files one assessment
        except DomainError as exc:
            form.add_error(None, exc.message)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "start": start, "title": "申报事前绩效评估"}
    return render(request, "preassessment/form.html", context, status=status)


@capability_required("preassessment.file")
def assessment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pa = selectors.assessment_get(request.user, pk)
    if request.method != "POST" and pa.status not in EDITABLE_STATES:
        # Say so before the user types, as the target and project forms do. A save from a page opened earlier is
        # refused by the service (409) with the typed text kept on the form.
        messages.error(request, f"评估申报当前状态为“{pa.get_status_display()}”，不能修改")
        return redirect("preassessment:detail", pk=pa.pk)
    form = AssessmentForm(request.POST or None, instance=pa)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            services.preassessment_update(
                actor=request.user,
                assessment=pa,
                data=_filing(form.cleaned_data),
                expected_version=form.cleaned_data.get("expected_version"),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
        else:
            messages.success(request, "修改已保存")
            return redirect("preassessment:detail", pk=pa.pk)
    context = {
        "form": form,
        "assessment": pa,
        "pending_return": selectors.pending_return(pa),
        "title": f"修改评估申报：{pa.project.name}",
    }
    return render(request, "preassessment/form.html", context, status=status)


@capability_required("preassessment.view")
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return detail_page(request, selectors.assessment_get(request.user, pk))


def _comment_box(actions: list[Any], can_accept: bool) -> tuple[str, str]:
    """Label and hint of the opinion box for the user's own buttons: the unit's 提交/撤回 take an optional 说明, a
    reviewer's steps an 审核意见, required for a return (and to confirm a revised plan)."""
    reviewing = can_accept or any(t.capability != "preassessment.file" for t in actions)
    label = "审核意见" if reviewing else "说明"
    needed = [t for t in actions if t.needs_comment]
    if can_accept:
        return label, "确认调整后方案、退回时必须填写意见" if needed else "确认调整后方案时必须填写意见"
    return label, "退回时必须填写意见" if needed else "选填"


def detail_page(
    request: HttpRequest,
    pa: PreAssessment,
    *,
    status: int = 200,
    conclude_form: ConcludeForm | None = None,
    attachment_form: AttachmentForm | None = None,
    attachment_error: str = "",
    agency_form: AgencyReviewForm | None = None,
    agency_error: str = "",
    comment: str = "",
) -> HttpResponse:
    """The assessment's page. A refused review step, conclusion, upload (an attachment) or agency review (with its
    report) shows it again with the input as typed (`comment`: the opinion of the review step), the refusal at its
    form (or as a message), and a 4xx status."""
    user: Any = request.user
    capabilities = user.active_membership.capabilities
    available = PREASSESSMENT_WORKFLOW.available(pa.status, capabilities)
    can_file = user.can("preassessment.file") and pa.status in EDITABLE_STATES
    can_accept = any(t.action == "accept_revision" for t in available) and pa.awaits_revision
    can_agency_review = panels.is_agency_reviewer(user, pa)
    if can_agency_review and agency_form is None:
        agency_form = AgencyReviewForm(initial={"score": pa.agency_score, "opinion": pa.agency_opinion})
    shown = [t for t in available if t.action not in FORM_ACTIONS]
    comment_label, comment_hint = _comment_box(shown, can_accept)
    context = {
        "assessment": pa,
        "comment": comment,
        "comment_label": comment_label,
        "comment_hint": comment_hint,
        "overview": selectors.assessment_overview(pa.project),
        "actions": shown,
        "can_conclude": any(t.action == "conclude" for t in available),
        "can_accept": can_accept,
        "can_file": can_file,
        "conclude_form": conclude_form or ConcludeForm(initial=selectors.conclude_initial(pa)),
        "can_agency_review": can_agency_review,
        "agency_form": agency_form if can_agency_review else None,
        "agency_error": agency_error,
        "attachment_form": attachment_form or AttachmentForm(),
        "attachment_error": attachment_error,
        "attachments": selectors.assessment_attachments(pa),
        "draft": selectors.draft_target(pa),
        "pending_return": selectors.pending_return(pa),
        "events": selectors.assessment_events(pa)[:100],
        "trail": audit_labels.with_actor_names(selectors.assessment_audit_trail(pa)[:50]),
    }
    return render(request, "preassessment/detail.html", context, status=status)


@require_POST
@capability_required("preassessment.view")
def assessment_transition(request: HttpRequest, pk: int) -> HttpResponse:
    pa = selectors.assessment_get(request.user, pk)
    shown_in = pa.status  # the state whose button was pressed
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "操作无效")
        return detail_page(request, pa, status=400, comment=request.POST.get("comment", ""))
    try:
        if form.cleaned_data["action"] == "accept_revision":
            services.preassessment_accept_revision(
                actor=request.user, assessment=pa, comment=form.cleaned_data["comment"]
            )
        else:
            services.preassessment_transition(
                actor=request.user,
                assessment=pa,
                action=form.cleaned_data["action"],
                comment=form.cleaned_data["comment"],
            )
    except DomainError as exc:
        messages.error(request, exc.message)
        fresh = selectors.assessment_get(request.user, pk)
        return detail_page(request, fresh, status=exc.status_code, comment=form.cleaned_data["comment"])
    messages.success(request, f"操作成功：{PREASSESSMENT_WORKFLOW.action_label(form.cleaned_data['action'], shown_in)}")
    return redirect("preassessment:detail", pk=pk)


@require_POST
@capability_required("preassessment.conclude")
def assessment_conclude(request: HttpRequest, pk: int) -> HttpResponse:
    pa = selectors.assessment_get(request.user, pk)
    form = ConcludeForm(request.POST)
    if not form.is_valid():
        errors = "；".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, errors or "请检查评估结论")
        return detail_page(request, pa, conclude_form=form, status=400)
    data = form.cleaned_data
    try:
        services.preassessment_conclude(
            actor=request.user,
            assessment=pa,
            conclusion=data["conclusion"],
            supported_amount_yuan=data["supported_amount_yuan"],
            score=data["score"],
            override_reason=data["override_reason"],
            opinion=data["opinion"],
        )
    except DomainError as exc:
        # Re-show the form as typed: a redirect would reset it to the score's conclusion and the full request,
        # and a second click would then save a conclusion the user never chose.
        messages.error(request, exc.message)
        return detail_page(request, pa, conclude_form=form, status=exc.status_code)
    messages.success(request, "评估结论已保存")
    return redirect("preassessment:detail", pk=pk)


@require_POST
@capability_required("preassessment.file")
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    pa = selectors.assessment_get(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        if "file" in form.errors:
            error = "请选择要上传的文件"
        else:
            error = "请选择附件类型" if "kind" in form.errors else "说明不能超过500字"
        return detail_page(request, pa, status=400, attachment_form=form, attachment_error=error)
    data = form.cleaned_data
    try:
        services.attachment_add(
            actor=request.user, assessment=pa, kind=data["kind"], upload=data["file"], note=data["note"]
        )
    except DomainError as exc:
        return detail_page(request, pa, status=exc.status_code, attachment_form=form, attachment_error=exc.message)
    messages.success(request, "附件已上传")
    return redirect("preassessment:detail", pk=pk)


@require_POST
@capability_required("preassessment.file")
def attachment_delete(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    attachment = selectors.attachment_get(request.user, pk, attachment_pk)
    try:
        services.attachment_delete(actor=request.user, attachment=attachment)
    except DomainError as exc:
        # The page again, as it stands now (submitted meanwhile: no 删除 offered), with the reason and its status.
        pa = selectors.assessment_get(request.user, pk)
        return detail_page(request, pa, status=exc.status_code, attachment_error=exc.message)
    messages.success(request, "附件已删除")
    return redirect("preassessment:detail", pk=pk)


@capability_required("preassessment.view")
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    attachment = selectors.attachment_get(request.user, pk, attachment_pk)
    return stored_file_response(
        attachment.file,
        attachment.original_name,
        opened=lambda: services.attachment_opened(actor=request.user, attachment=attachment),
    )


@capability_required("preassessment.view")
def statistics(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    context = {"year": year, "stats": selectors.preassessment_statistics(request.user, year)}
    return render(request, "preassessment/statistics.html", context)


@capability_required("preassessment.configure")
def rules(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    shown = selectors.rules_visible(user)
    in_force = selectors.rule_in_force(user, _year(request))
    form = RuleForm(request.POST or None, initial=RuleForm.initial_from(in_force, user.active_membership.region))
    add_lock_token(form, shown)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.rule_save(
                actor=user,
                region=user.active_membership.region,
                fiscal_year=data["fiscal_year"],
                data=data,
                lock_token=data.get("lock_token"),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
        else:
            messages.success(request, "评估规则已保存")
            return redirect("preassessment:rules")
    context = {"form": form, "rules": shown}
    return render(request, "preassessment/rules.html", context, status=status)
