"""集中会审 pages: the performance section draws and manages a target's panel and closes it; each member
(expert or 人大代表) sees their panel seats, gives a conclusion with an opinion, or recuses."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.core.errors import DomainError
from jixiao.core.views_helpers import capability_required, paginate
from jixiao.targets import review_scoring, selectors, services_panel
from jixiao.targets.forms import PanelSubmitForm as SubmitForm
from jixiao.targets.models import PanelAssignment, PerformanceTarget, TargetStatus

KIND_ROLES: dict[str, str] = {PanelAssignment.Kind.EXPERT: "expert", PanelAssignment.Kind.NPC_DEPUTY: "oversight"}


class AssignForm(forms.Form):
    kind = forms.ChoiceField(label="身份", choices=PanelAssignment.Kind.choices)
    members = forms.TypedMultipleChoiceField(label="会审成员", coerce=int, choices=[])

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = choices  # type: ignore[attr-defined]


class CloseForm(forms.Form):
    comment = forms.CharField(label="会审结论意见", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    force = forms.BooleanField(label="强制结束会审", required=False)


class SendForm(forms.Form):
    """The 绩效股's optional note on sending a target to the panel (a form: length and NUL checked)."""

    comment = forms.CharField(label="说明", max_length=2000, required=False)


class ConflictForm(forms.Form):
    reason = forms.CharField(label="回避理由", max_length=500)


# ---------------------------------------------------------------- the performance section


def _candidates(target: PerformanceTarget) -> list[dict[str, Any]]:
    return [
        {"kind": kind, "label": PanelAssignment.Kind(kind).label, "rows": selectors.panel_candidates(target, role)}
        for kind, role in KIND_ROLES.items()
    ]


def _manage(request: HttpRequest, target: PerformanceTarget, status: int = 200, **forms_: Any) -> HttpResponse:
    context = {
        "target": target,
        "members": selectors.panel_members(target),
        "summary": selectors.panel_summary(target),
        "candidates": _candidates(target),
        "can_assign": target.status in services_panel.ASSIGNABLE_STATES,
        "can_send": target.status == TargetStatus.PERF_REVIEW,
        "can_close": target.status == TargetStatus.PANEL_REVIEW,
        "close_form": forms_.get("close_form") or CloseForm(),
    }
    return render(request, "targets/panel.html", context, status=status)


def _failed(request: HttpRequest, exc: DomainError, target_pk: int, **forms_: Any) -> HttpResponse:
    messages.error(request, exc.message)
    return _manage(request, selectors.target_get(request.user, target_pk), status=exc.status_code, **forms_)


@capability_required("target.grade")
def panel_manage(request: HttpRequest, pk: int) -> HttpResponse:
    return _manage(request, selectors.target_get(request.user, pk))


@require_POST
@capability_required("target.grade")
def panel_assign(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.target_get(request.user, pk)
    kind = request.POST.get("kind", "")
    role = KIND_ROLES.get(kind, "")
    choices = [(row["user"].pk, str(row["user"])) for row in selectors.panel_candidates(target, role)] if role else []
    form = AssignForm(request.POST, choices=choices)
    if not form.is_valid():
        messages.error(request, "请选择本区划在册的会审成员")
        return _manage(request, target, status=400)
    members = selectors.panel_users(target, role, form.cleaned_data["members"])
    try:
        created = services_panel.panel_assign(actor=request.user, target=target, members=members, kind=kind)
    except DomainError as exc:
        return _failed(request, exc, pk)
    messages.success(request, f"已指派{len(created)}名会审成员")
    return redirect("targets:panel", pk=pk)


@require_POST
@capability_required("target.grade")
def panel_remove(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.panel_assignment_get(request.user, pk)
    try:
        services_panel.panel_remove(actor=request.user, assignment=assignment)
    except DomainError as exc:
        return _failed(request, exc, assignment.target_id)
    messages.success(request, f"已将“{assignment.expert}”移出会审")
    return redirect("targets:panel", pk=assignment.target_id)


@require_POST
@capability_required("target.grade")
def panel_send(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.target_get(request.user, pk)
    form = SendForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(f"说明：{e}" for e in form.errors.get("comment", [])) or "操作无效")
        return _manage(request, target, status=400)
    try:
        services_panel.panel_send(actor=request.user, target=target, comment=form.cleaned_data["comment"])
    except DomainError as exc:
        return _failed(request, exc, pk)
    messages.success(request, "已提交集中会审，会审成员将在待办中看到本目标")
    return redirect("targets:detail", pk=pk)


@require_POST
@capability_required("target.grade")
def panel_close(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.target_get(request.user, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写会审结论意见")
        return _manage(request, target, status=400, close_form=form)
    try:
        services_panel.panel_close(
            actor=request.user, target=target, comment=form.cleaned_data["comment"], force=form.cleaned_data["force"]
        )
    except DomainError as exc:
        return _failed(request, exc, pk, close_form=form)
    messages.success(request, "集中会审已结束，绩效目标回到绩效股复审")
    return redirect("targets:detail", pk=pk)


# ---------------------------------------------------------------- panel members (experts, 人大代表)


@capability_required("target.panel_review")
def panel_mine(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.panel_assignments_of(request.user))
    return render(request, "targets/panel_list.html", {"page": page})


def _own(request: HttpRequest, assignment: PanelAssignment, status: int = 200, **forms_: Any) -> HttpResponse:
    context = {
        "target": assignment.target,
        "assignment": assignment,
        "submit_form": forms_.get("submit_form") or SubmitForm(review=review_scoring.scoring_of(assignment.target)),
        "conflict_form": forms_.get("conflict_form") or ConflictForm(),
    }
    return render(request, "targets/panel_own.html", context, status=status)


def _own_failed(request: HttpRequest, exc: DomainError, pk: int, **forms_: Any) -> HttpResponse:
    messages.error(request, exc.message)
    return _own(request, selectors.panel_own_assignment_get(request.user, pk), status=exc.status_code, **forms_)


@capability_required("target.panel_review")
def panel_own(request: HttpRequest, pk: int) -> HttpResponse:
    return _own(request, selectors.panel_own_assignment_get(request.user, pk))


@require_POST
@capability_required("target.panel_review")
def panel_submit(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.panel_own_assignment_get(request.user, pk)
    form = SubmitForm(request.POST, review=review_scoring.scoring_of(assignment.target))
    if not form.is_valid():
        messages.error(request, "；".join(form.score_errors()) or "请选择会审结论并填写会审意见")
        return _own(request, assignment, status=400, submit_form=form)
    try:
        services_panel.panel_submit(
            actor=request.user,
            assignment=assignment,
            conclusion=form.cleaned_data["conclusion"],
            opinion=form.cleaned_data["opinion"],
            scores=form.scores() if form.review is not None else None,
        )
    except DomainError as exc:
        return _own_failed(request, exc, pk, submit_form=form)
    messages.success(request, "会审意见已提交")
    return redirect("targets:detail", pk=assignment.target_id)


@require_POST
@capability_required("target.panel_review")
def panel_conflict(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.panel_own_assignment_get(request.user, pk)
    form = ConflictForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写回避理由")
        return _own(request, assignment, status=400, conflict_form=form)
    try:
        services_panel.panel_declare_conflict(actor=request.user, assignment=assignment, **form.cleaned_data)
    except DomainError as exc:
        return _own_failed(request, exc, pk, conflict_form=form)
    messages.success(request, "已声明回避，本目标的会审不再需要您的意见")
    return redirect("targets:panel_mine")
