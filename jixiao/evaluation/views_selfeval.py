"""单位自评 pages: the round, the list, a record (computed beside claimed, flagged rows first), filling, import and
export, the review actions and score overrides, statistics."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jixiao.core import bulk, once
from jixiao.core.errors import ConflictError, DomainError
from jixiao.core.forms import EvidenceUploadForm, valid_filters
from jixiao.core.locking import moved_by, step_refusal, still_offered
from jixiao.core.numbers import id_or_none, is_digits, year_or_none
from jixiao.core.views_helpers import capability_required, paginate, xlsx_response
from jixiao.evaluation import exports, selectors, services, services_reeval
from jixiao.evaluation.forms import (
    OverrideForm,
    SelfEvalFilterForm,
    SelfEvalForm,
    SelfEvalImportForm,
    SelfEvalRowForm,
    SelfEvalTransitionForm,
    TaskStartForm,
)
from jixiao.evaluation.models import SelfEvaluation
from jixiao.evaluation.workflow import BULK_ACTIONS, EDITABLE_STATES, REVIEWER_OF_STATE, SELFEVAL_WORKFLOW


@capability_required("evaluation.manage")
def task_start(request: HttpRequest) -> HttpResponse:
    form = TaskStartForm(request.POST or None)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():

        def start() -> HttpResponse:
            task = services.task_start(actor=request.user, **form.cleaned_data)
            messages.success(request, f"已发起{task.fiscal_year}年度单位自评，生成自评表{task.records.count()}张")
            return redirect(f"{_list_url()}?fiscal_year={task.fiscal_year}")

        try:
            return once.run_once(request, start)  # a double click on 发起 is sent to the list, not to a 409
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
    return _start_page(request, form, status)


def _start_page(request: HttpRequest, form: TaskStartForm, status: int = 200) -> HttpResponse:
    """发起单位自评 with the rounds started (and their 补充生成); after a refusal with its status."""
    tasks = selectors.tasks_visible(request.user)[:20]
    return render(request, "evaluation/selfeval_start.html", {"form": form, "tasks": tasks}, status=status)


@capability_required("evaluation.manage")
@require_POST
def task_supplement(request: HttpRequest, pk: int) -> HttpResponse:
    """补充生成: records for the targets approved after the year's round started."""
    task = get_object_or_404(selectors.tasks_visible(request.user), pk=pk)
    try:
        added = services.task_supplement(actor=request.user, task=task)
    except DomainError as exc:
        # The start page (where 补充生成 is) again with the reason and its status, not a 302.
        messages.error(request, exc.message)
        return _start_page(request, TaskStartForm(), exc.status_code)
    messages.success(request, f"已为{added}个新批复的绩效目标补充生成自评表")
    return redirect(f"{_list_url()}?fiscal_year={task.fiscal_year}")


def _list_url() -> str:
    return reverse("evaluation:selfeval_list")


@capability_required("evaluation.view")
def selfeval_list(request: HttpRequest) -> HttpResponse:
    return _list(request)


def _list(request: HttpRequest, *, status: int = 200, refused: bool = False) -> HttpResponse:
    """The list, filtered by the query string (also that of a refused 批量审核, shown again with its ticks and text)."""
    form = SelfEvalFilterForm(request.GET or None, user=request.user)
    params = valid_filters(form)
    records = selectors.records_filtered(request.user, params)
    # A province sorts ~70,000 self-evaluations: ids, not wide rows.
    page = paginate(request, records, bulk.per_page(request), by_ids=True)
    panel = bulk.panel(
        request,
        workflow=SELFEVAL_WORKFLOW,
        offered=BULK_ACTIONS,
        rows=page,
        url=reverse("evaluation:selfeval_bulk"),
        list_url=_list_url(),
        refused=refused,
    )
    filtered = any(value not in (None, "") for value in params.values())
    context = {"form": form, "page": page, "bulk": panel, "filtered": filtered}
    return render(request, "evaluation/selfeval_list.html", context, status=status)


@require_POST
@capability_required("evaluation.view")
def selfeval_bulk(request: HttpRequest) -> HttpResponse:
    """批量通过 / 批量退回 of the ticked self-evaluations; a refusal shows the list again, ticks and text kept."""
    return bulk.answer(
        request,
        workflow=SELFEVAL_WORKFLOW,
        transition=services.selfeval_bulk_transition,
        show_list=_list,
        list_url=_list_url(),
    )


def detail_context(request: HttpRequest, record: SelfEvaluation) -> dict[str, Any]:
    user: Any = request.user
    capabilities = user.active_membership.capabilities
    reviewer = REVIEWER_OF_STATE.get(record.status)  # type: ignore[call-overload]
    rows = selectors.record_rows(record)
    return {
        "record": record,
        "funds": selectors.record_funds(record),
        "rows": selectors.rows_flagged_first(rows),
        "record_messages": selectors.record_messages(record),
        "actions": SELFEVAL_WORKFLOW.available(record.status, capabilities),
        "can_fill": user.can("evaluation.fill") and record.status in EDITABLE_STATES,
        "can_override": reviewer is not None and user.can(reviewer),
        # 重新生成 for the 绩效股 while the record is with the unit and its target was adjusted since.
        "regenerate_to": selectors.adjusted_version(record)
        if user.can("evaluation.manage") and record.status in EDITABLE_STATES
        else None,
        "import_form": SelfEvalImportForm(),
        "events": selectors.record_events(record)[:100],
        "evidence": selectors.record_evidence(record),
        "evidence_form": EvidenceUploadForm(rows=selectors.evidence_row_choices(rows)),
    }


@require_POST
@capability_required("evaluation.manage")
def selfeval_regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.record_get(request.user, pk)
    try:
        services.selfeval_regenerate(
            actor=request.user, record=record, expected_version=id_or_none(request.POST.get("version"))
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        context = detail_context(request, selectors.record_get(request.user, pk))
        return render(request, "evaluation/selfeval_detail.html", context, status=exc.status_code)
    messages.success(request, "已按调整后的绩效目标重新生成自评表，单位已填的同名指标内容已保留")
    return redirect("evaluation:selfeval_detail", pk=pk)


@capability_required("evaluation.view")
def selfeval_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.record_get(request.user, pk)
    return render(request, "evaluation/selfeval_detail.html", detail_context(request, record))


@capability_required("evaluation.fill")
def selfeval_fill(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.record_get(request.user, pk)
    if record.status not in EDITABLE_STATES and request.method != "POST":
        messages.error(request, f"自评当前状态为“{record.get_status_display()}”，不能修改")
        return redirect("evaluation:selfeval_detail", pk=pk)
    # A save posted from a tab opened before the record was submitted (or returned) elsewhere goes on to the service,
    # whose 409 shows this form again with what was typed, so nothing typed is lost in a redirect.
    data = request.POST if request.method == "POST" else None
    funds = selectors.record_funds(record)
    rows = selectors.record_rows(record)
    form = SelfEvalForm(data, record=record, funds=funds)
    row_forms = [SelfEvalRowForm(data, row=row) for row in rows]
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid() and all(f.is_valid() for f in row_forms):
        values, executed, version = form.split()
        row_data = {f.row.pk: f.cleaned_data for f in row_forms}
        saved: SelfEvaluation | None = None
        try:
            saved = services.selfeval_save(
                actor=request.user, record=record, data=values, rows=row_data, executed=executed, version=version
            )
            if request.POST.get("then") == "submit":
                services.selfeval_transition(actor=request.user, record=saved, action="submit")
        except DomainError as exc:
            if saved is not None:
                messages.warning(request, "填报内容已保存，但未能提交：" + exc.message)
                return redirect("evaluation:selfeval_fill", pk=pk)
            record = selectors.record_get(request.user, pk)
            moved = _last_step(record) if record.status not in EDITABLE_STATES else ""
            unsaved = "；本页填写的内容未保存" if exc.status_code == 409 else ""
            form.add_error(None, exc.message + moved + unsaved)
            status = exc.status_code
        else:
            messages.success(request, "自评已提交" if request.POST.get("then") == "submit" else "已保存并重新校验")
            return redirect("evaluation:selfeval_detail", pk=pk)
    flagged = {r.pk: r for r in selectors.rows_flagged_first(rows)}
    # A refused row is named at the top too (the table is long): “免费教科书发放册数”得分：输入一个数字。
    row_problems = [
        f"“{f.row.name}”{f.fields[name].label}：{error}"
        for f in row_forms
        for name, errors in f.errors.items()
        for error in errors
    ]
    context = {
        "record": record,
        "form": form,
        "row_problems": row_problems,
        "funds": funds,
        "row_forms": [(f, flagged[f.row.pk]) for f in row_forms],
        "record_messages": selectors.record_messages(record),
    }
    return render(request, "evaluation/selfeval_form.html", context, status=status)


def _last_event(record: SelfEvaluation) -> Any:
    return selectors.record_events(record).first()


def _last_step(record: SelfEvaluation) -> str:
    """Who moved the record last and when, for a refusal of a page shown before it."""
    return moved_by(_last_event(record), lambda e: e.action_label)


@require_POST
@capability_required("evaluation.view")
def selfeval_transition(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.record_get(request.user, pk)
    shown_in = record.status  # the state whose button was pressed
    form = SelfEvalTransitionForm(request.POST)
    if not form.is_valid():
        error = "操作无效：" + form.problems()
        return _refused(request, record, form, error, 400)
    try:
        services.selfeval_transition(
            actor=request.user,
            record=record,
            action=form.cleaned_data["action"],
            comment=form.cleaned_data["comment"],
            dept_score=form.cleaned_data["dept_score"],
        )
    except DomainError as exc:
        record = selectors.record_get(request.user, pk)
        message = step_refusal(
            exc,
            moved=record.status != shown_in,
            last_event=lambda: _last_event(record),
            label_of=lambda e: e.action_label,
        )
        return _refused(request, record, form, message, exc.status_code)
    messages.success(request, f"操作成功：{SELFEVAL_WORKFLOW.action_label(form.cleaned_data['action'], shown_in)}")
    return redirect("evaluation:selfeval_detail", pk=pk)


def _refused(request: HttpRequest, record: SelfEvaluation, form: Any, error: str, status: int) -> HttpResponse:
    """A refused review step: the record page again with the message, the opinion and score just typed kept in their
    boxes; when the step's button is gone (a colleague moved the record meanwhile) they are shown apart, to copy,
    rather than dropped or left in a box of another meaning (the unit's 提示事项说明)."""
    messages.error(request, error)
    context = detail_context(request, record)
    if still_offered(request.POST.get("action"), context["actions"]):
        context["transition_form"] = form
    elif request.POST.get("comment", "").strip() or request.POST.get("dept_score", "").strip():
        context["unsent"] = {
            "comment": request.POST.get("comment", ""),
            "score": request.POST.get("dept_score"),
            "score_label": "主管部门评分",
        }
    return render(request, "evaluation/selfeval_detail.html", context, status=status)


@require_POST
@capability_required("evaluation.view")
def selfeval_override(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.record_get(request.user, pk)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        return _override_refused(request, record, "调整得分须填写审定得分和理由", 400)
    row = record.indicators.filter(pk=form.cleaned_data["row"]).first()
    if row is None:
        # The page's row was replaced by 重新生成 since it was shown: a 409 with what was typed, not a bare 404.
        version = form.cleaned_data["version"]
        refusal = services.regenerated_refusal(record) if version != record.version else ""
        if not refusal:
            raise Http404
        return _override_refused(request, record, refusal, ConflictError.status_code)
    try:
        services.selfeval_override(
            actor=request.user,
            record=record,
            row=row,
            score=form.cleaned_data["final_score"],
            reason=form.cleaned_data["reason"],
            version=form.cleaned_data["version"],
        )
    except DomainError as exc:
        return _override_refused(request, selectors.record_get(request.user, pk), exc.message, exc.status_code)
    messages.success(request, f"已调整“{row.name}”的审定得分")
    return redirect("evaluation:selfeval_detail", pk=pk)


def _override_refused(request: HttpRequest, record: SelfEvaluation, error: str, status: int) -> HttpResponse:
    """A refused 审定得分: the record page again with the message; the row's score and reason just typed stay in its
    boxes. The row's form carries the version the score was typed on, except after a 409 (the record changed since):
    then the version now shown, so a second press, after reading the page, saves on purpose. When no 调整 box is left
    (the record moved on to another step, or 重新生成 replaced the row) the score and reason are shown apart, to copy,
    not dropped."""
    messages.error(request, error)
    row = request.POST.get("row", "")
    version = request.POST.get("version", "")
    score, reason = request.POST.get("final_score", ""), request.POST.get("reason", "")
    typed = {
        "row": int(row) if is_digits(row) else None,
        "final_score": score,
        "reason": reason,
        "version": version if is_digits(version) and status != ConflictError.status_code else "",
    }
    context = {**detail_context(request, record), "override_typed": typed}
    row_shown = typed["row"] is not None and any(r.pk == typed["row"] for r in context["rows"])
    if not (context["can_override"] and row_shown) and (score.strip() or reason.strip()):
        context["unsent"] = {"comment": reason, "score": score, "score_label": "审定得分"}
    return render(request, "evaluation/selfeval_detail.html", context, status=status)


@capability_required("evaluation.fill")
def selfeval_import(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.record_get(request.user, pk)
    if request.method != "POST":
        return redirect("evaluation:selfeval_detail", pk=pk)
    form = SelfEvalImportForm(request.POST, request.FILES)
    error = ""
    if not form.is_valid():
        error = "；".join(str(e) for errors in form.errors.values() for e in errors)
    elif record.status not in EDITABLE_STATES:
        error = f"自评当前状态为“{record.get_status_display()}”，不能导入"
    else:
        try:
            services.selfeval_import(actor=request.user, record=record, upload=form.cleaned_data["file"])
        except DomainError as exc:
            error = exc.message
    if error:
        context = detail_context(request, record)
        context["import_error"] = error
        return render(request, "evaluation/selfeval_detail.html", context, status=400)
    record.refresh_from_db()
    messages.success(request, f"自评表已导入：错误{record.error_count}个，提示{record.warn_count}个（见下方校验结果）")
    return redirect("evaluation:selfeval_detail", pk=pk)


@capability_required("evaluation.view")
def selfeval_export(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.record_get(request.user, pk)
    content, name = exports.export_record(record), exports.export_filename(record)
    services.selfeval_exported(actor=request.user, record=record, filename=name)
    return xlsx_response(content, name)


@capability_required("evaluation.view")
def selfeval_statistics(request: HttpRequest) -> HttpResponse:
    year = year_or_none(request.GET.get("fiscal_year", ""))
    if year is None:
        latest = selectors.records_visible(request.user).order_by("-fiscal_year").values_list("fiscal_year", flat=True)
        # A unit with no self-evaluation yet sees the current year named, not a title and year box left blank.
        year = latest.first() or timezone.localdate().year
    stats = selectors.statistics(request.user, year)
    context = {"stats": stats, "year": year, "more": services_reeval.statistics(request.user, year)}
    return render(request, "evaluation/selfeval_statistics.html", context)
