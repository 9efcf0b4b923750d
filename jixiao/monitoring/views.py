from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jixiao.core import audit, audit_labels, bulk, once
from jixiao.core.errors import ConflictError, DomainError
from jixiao.core.forms import EvidenceUploadForm, valid_filters
from jixiao.core.jobs import (
    job_attach_page,
    job_identity,
    job_progress,
    job_start_as_current,
    job_summarize,
    redirect_to_job,
)
from jixiao.core.list_exports import ListExport, Selection, export_list
from jixiao.core.locking import step_refusal, typed_opinion
from jixiao.core.models import Job
from jixiao.core.numbers import year_or_none
from jixiao.core.views_helpers import capability_required, paginate, xlsx_response
from jixiao.monitoring import exports, selectors, services
from jixiao.monitoring.forms import (
    IndicatorRowForm,
    RecordFilterForm,
    RecordForm,
    RecordImportForm,
    TaskFilterForm,
    TaskForm,
    TransitionForm,
)
from jixiao.monitoring.models import EDITABLE_STATUSES, MonitoringRecord, RecordStatus, TaskStatus
from jixiao.monitoring.workflow import BULK_ACTIONS, FILL, MONITORING_WORKFLOW
from jixiao.organizations.selectors import current_fiscal_year


def _current_year() -> int | None:
    current = current_fiscal_year()
    return current.year if current else None


# ---- rounds --------------------------------------------------------------------------------------------------------


@capability_required("monitoring.view")
def task_list(request: HttpRequest) -> HttpResponse:
    form = TaskFilterForm(request.GET or None)
    params = valid_filters(form)
    tasks = selectors.tasks_filtered(request.user, params)
    return render(request, "monitoring/task_list.html", {"form": form, "page": paginate(request, tasks)})


@capability_required("monitoring.manage")
def task_create(request: HttpRequest) -> HttpResponse:
    year = year_or_none(request.POST.get("fiscal_year") or request.GET.get("fiscal_year")) or _current_year()
    form = TaskForm(request.POST or None, user=request.user, fiscal_year=year)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        selected = list(data.pop("selected_projects") or [])

        def create() -> HttpResponse:
            task = services.task_create(actor=request.user, data=data, selected_projects=selected)
            messages.success(request, "监控任务已保存为草稿，确认后请下达")
            return redirect("monitoring:task_detail", pk=task.pk)

        try:
            return once.run_once(request, create)  # a double click on 保存 makes one round
        except DomainError as exc:
            # A 任务编号 already taken (409) is said at its field, as every other refusal of the form is.
            taken = isinstance(exc, ConflictError) and "任务编号" in exc.message
            form.add_error("task_no" if taken else None, exc.message)
            return render(request, "monitoring/task_form.html", {"form": form}, status=exc.status_code)
    status = 400 if request.method == "POST" else 200
    return render(request, "monitoring/task_form.html", {"form": form}, status=status)


@capability_required("monitoring.view")
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _task_page(request, pk)


def _task_page(request: HttpRequest, pk: int, status: int = 200) -> HttpResponse:
    """The round's page, as it stands now; after a refused 下达/关闭/删除 with the reason and the refusal's status."""
    task = selectors.task_get(request.user, pk)
    user: Any = request.user
    progress = selectors.round_progress(user, task)
    status_rows = [
        {"status": value, "label": label, "count": progress.by_status.get(value, 0)}
        for value, label in RecordStatus.choices
    ]
    context = {
        "task": task,
        "progress": progress,
        "status_rows": status_rows,
        "can_manage": selectors.task_is_managed_by(user, task),
        "events": selectors.task_events(task)[:50],
        "selected": selectors.task_selected_projects(user, task),
    }
    return render(request, "monitoring/task_detail.html", context, status=status)


# A round over more projects than this (a city's or a province's: 118,000 in-library projects) is issued by a
# background job with a progress page, not in the request (which a proxy would time out).
ISSUE_IN_REQUEST_MAX = 3000
ISSUE_JOB = "jixiao.monitoring.views.task_issue_job"


@require_POST
@capability_required("monitoring.manage")
def task_issue(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    # A refusal (not a draft, a round issued above) is said on the round page at once, not by a failed job.
    large = task.status == TaskStatus.DRAFT and selectors.task_is_managed_by(request.user, task)
    if large and selectors.scope_projects(task).count() > ISSUE_IN_REQUEST_MAX:
        job = job_start_as_current(
            request, "monitoring.task_issue", ISSUE_JOB, title=f"下达监控任务：{task.title}", task_id=task.pk
        )
        return redirect_to_job(job, reverse("monitoring:task_detail", args=[task.pk]))
    try:
        issued = services.task_issue(actor=request.user, task=task)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _task_page(request, pk, exc.status_code)
    messages.success(request, f"监控任务已下达，生成监控表{issued.records}张")
    if issued.without_own_unit:
        names = "、".join(issued.without_own_unit)
        messages.warning(
            request, f"以下部门没有一级预算单位（本级），未生成部门整体监控表，请在组织机构中补充后另行下达：{names}"
        )
    return redirect("monitoring:task_detail", pk=pk)


@require_POST
@capability_required("monitoring.manage")
def task_close(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    try:
        services.task_close(actor=request.user, task=task, comment=request.POST.get("comment", "")[:2000])
    except DomainError as exc:
        messages.error(request, exc.message)
        return _task_page(request, pk, exc.status_code)
    messages.success(request, "监控任务已关闭")
    return redirect("monitoring:task_detail", pk=pk)


@require_POST
@capability_required("monitoring.manage")
def task_delete(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    try:
        services.task_delete(actor=request.user, task=task)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _task_page(request, pk, exc.status_code)
    messages.success(request, "草稿任务已删除")
    return redirect("monitoring:task_list")


def task_issue_job(job: Job, *, membership_id: int | None, task_id: int) -> None:
    """The background half of `task_issue` for a large round: the same service, as the job's owner."""
    user = job_identity(job, membership_id)
    task = selectors.task_get(user, task_id)
    job_progress(job, 0, 1, "正在生成监控表…")
    issued = services.task_issue(actor=user, task=task)
    job_attach_page(job, reverse("monitoring:task_detail", args=[task.pk]), "打开监控任务")
    job_progress(job, 1, 1)
    summary: list[tuple[str, Any]] = [("监控任务", task.title), ("生成监控表", issued.records)]
    if issued.without_own_unit:
        summary.append(("没有一级预算单位（本级）、未生成部门整体监控表的部门", "、".join(issued.without_own_unit)))
    job_summarize(job, f"监控任务已下达，生成监控表{issued.records}张", summary)


def _round_selection(user: Any, query: QueryDict) -> Selection:
    """The round's records the user sees: the round is the export's one condition (`task`), and names its columns."""
    task = selectors.task_get(user, query.get("task", ""))
    records = selectors.records_for_export(selectors.records_visible(user).filter(task=task))
    title = f"监控填报汇总_{task.task_no}"
    return Selection(
        rows=lambda: exports.round_rows(task, records.iterator(chunk_size=500)),
        count=records.count,
        form=RecordFilterForm(query, user=user),
        workbook=lambda: xlsx_response(exports.export_round(task, records.iterator(chunk_size=500)), f"{title}.xlsx"),
        note=f"任务编号{task.task_no}",
        title=title,
        header=exports.round_headers(task),
    )


ROUND_EXPORT = ListExport(
    kind="monitoring.task_export",
    title="监控填报汇总",
    header=(),  # the round's own (its indicators), from the selection
    capability="monitoring.view",
    select=_round_selection,
    path="jixiao.monitoring.views.ROUND_EXPORT",
    sheet_name=exports.ROUND_SHEET,
)


@capability_required(ROUND_EXPORT.capability)
def task_export(request: HttpRequest, pk: int) -> HttpResponse:
    """监控填报汇总 of the records the user sees (core.list_exports): the titled workbook when short, else streamed
    (CSV) or written by a background job — a province's round is never built in memory in the request."""
    task = selectors.task_get(request.user, pk)
    query = QueryDict(mutable=True)
    query["task"] = str(task.pk)
    return export_list(request, ROUND_EXPORT, query=query, back=reverse("monitoring:task_detail", args=[task.pk]))


# ---- records -------------------------------------------------------------------------------------------------------


@capability_required("monitoring.view")
def record_list(request: HttpRequest) -> HttpResponse:
    return _record_list(request)


def _record_list(request: HttpRequest, *, status: int = 200, refused: bool = False) -> HttpResponse:
    """The list, filtered by the query string (also that of a refused 批量审核, shown again with its ticks and text)."""
    form = RecordFilterForm(request.GET or None, user=request.user)
    params = valid_filters(form)
    records = selectors.records_filtered(request.user, params)
    if request.GET.get("todo") == "fill":
        records = records.filter(status__in=selectors.TO_FILL, task__status=TaskStatus.ISSUED)
    # A province sorts ~120,000 records: their ids, not wide rows.
    page = paginate(request, records, bulk.per_page(request), by_ids=True)
    red_at: dict[tuple[int, int], Any] = {}  # the region's 须说明偏差的执行比, not a fixed 60%
    for record in page:
        record.countdown = selectors.countdown(record.task.deadline)  # type: ignore[attr-defined]
        record.ratio = ratio = selectors.record_ratio(record)  # type: ignore[attr-defined]
        key = (record.region_id, record.fiscal_year)
        if key not in red_at:
            red_at[key] = selectors.settings_for(record.region, record.fiscal_year).red_ratio_pct
        record.lagging = ratio is not None and ratio < red_at[key]  # type: ignore[attr-defined]
    # The 填报提醒 still to act on: a record submitted since, or a round closed, needs no reminding.
    reminders = (
        selectors.reminders_visible(request.user)
        .filter(record__status__in=EDITABLE_STATUSES, record__task__status=TaskStatus.ISSUED)
        .order_by("-sent_on", "-id")[:5]
    )
    panel = bulk.panel(
        request,
        workflow=MONITORING_WORKFLOW,
        offered=BULK_ACTIONS,
        rows=page,
        url=reverse("monitoring:record_bulk"),
        list_url=reverse("monitoring:record_list"),
        can_tick=lambda record: record.task.status == TaskStatus.ISSUED,  # a closed round's records are frozen
        refused=refused,
    )
    context = {"form": form, "page": page, "reminders": reminders, "bulk": panel}
    return render(request, "monitoring/record_list.html", context, status=status)


@require_POST
@capability_required("monitoring.view")
def record_bulk(request: HttpRequest) -> HttpResponse:
    """批量通过 / 批量退回 of the ticked records; a refusal shows the list again, ticks and typed opinion kept."""
    return bulk.answer(
        request,
        workflow=MONITORING_WORKFLOW,
        transition=services.record_bulk_transition,
        show_list=_record_list,
        list_url=reverse("monitoring:record_list"),
    )


def _row_forms(record: MonitoringRecord, data: Any = None) -> list[IndicatorRowForm]:
    return [IndicatorRowForm(data, row=row) for row in selectors.record_rows(record)]


@capability_required("monitoring.fill")
def record_fill(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.record_get(request.user, pk)
    if record.task.status != TaskStatus.ISSUED:  # a closed round: the record's own state is not the reason
        messages.error(request, "监控任务已关闭，监控表不能再修改")
        return redirect("monitoring:record_detail", pk=pk)
    if record.status not in EDITABLE_STATUSES:
        messages.error(request, f"监控表当前状态为“{record.get_status_display()}”，不能修改")
        return redirect("monitoring:record_detail", pk=pk)
    data = request.POST if request.method == "POST" else None
    form = RecordForm(data, record=record)
    row_forms = _row_forms(record, data)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid() and all(f.is_valid() for f in row_forms):
        cleaned = dict(form.cleaned_data)
        version = cleaned.pop("version")
        rows = {f.row.pk: f.cleaned_data for f in row_forms}
        saved: MonitoringRecord | None = None
        try:
            saved = services.record_save(actor=request.user, record=record, data=cleaned, rows=rows, version=version)
            if request.POST.get("then") == "submit":
                services.record_transition(actor=request.user, record=saved, action="submit")
        except DomainError as exc:
            if saved is not None:
                messages.warning(request, "填报内容已保存，但未能报送：" + exc.message)
                return redirect("monitoring:record_fill", pk=pk)
            form.add_error(None, exc.message)
            status = exc.status_code
        else:
            messages.success(request, "监控表已报送" if request.POST.get("then") == "submit" else "填报内容已保存")
            return redirect("monitoring:record_detail", pk=pk)
    settings_row = selectors.settings_for(record.region, record.fiscal_year)
    context = {
        "record": record,
        "form": form,
        "row_forms": row_forms,
        "ratio": selectors.record_ratio(record),
        "red_ratio_pct": settings_row.red_ratio_pct,
        "countdown": selectors.countdown(record.task.deadline),
        "pending_return": selectors.pending_return(record),
    }
    return render(request, "monitoring/record_form.html", context, status=status)


@capability_required("monitoring.view")
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.record_get(request.user, pk)
    return render(request, "monitoring/record_detail.html", detail_context(request, record))


def _comment_box(actions: list[Any]) -> tuple[str, str]:
    """Label and hint of the opinion box for the user's own buttons: the unit's 报送/撤回 take an optional 说明, a
    reviewer's steps an 审核意见, required for a return (the unit was asked for a review opinion it cannot give)."""
    if not any(t.capability != FILL for t in actions):
        return "说明", "选填"
    return "审核意见", "退回时必须填写意见" if any(t.needs_comment for t in actions) else "选填"


def detail_context(request: HttpRequest, record: MonitoringRecord) -> dict[str, Any]:
    user: Any = request.user
    capabilities = user.active_membership.capabilities
    task_open = record.task.status == TaskStatus.ISSUED
    actions = MONITORING_WORKFLOW.available(record.status, capabilities) if task_open else []
    settings_row = selectors.settings_for(record.region, record.fiscal_year)
    rows = list(selectors.record_rows(record))
    comment_label, comment_hint = _comment_box(actions)
    return {
        "record": record,
        "rows": rows,
        "actions": actions,
        "comment_label": comment_label,
        "comment_hint": comment_hint,
        "can_fill": task_open and user.can("monitoring.fill") and record.status in EDITABLE_STATUSES,
        "ratio": selectors.record_ratio(record),
        "light": selectors.record_light(record, settings_row.red_ratio_pct),
        "red_ratio_pct": settings_row.red_ratio_pct,
        "countdown": selectors.countdown(record.task.deadline),
        "reasons": selectors.reason_labels(record.deviation_reasons),
        "pending_return": selectors.pending_return(record),
        "events": selectors.record_events(record)[:100],
        "trail": audit_labels.with_actor_names(selectors.record_audit_trail(record)[:50]),
        "evidence": selectors.record_evidence(record),
        "evidence_form": EvidenceUploadForm(rows=selectors.evidence_row_choices(rows)),
        "import_form": RecordImportForm(),
    }


@require_POST
@capability_required("monitoring.view")
def record_transition(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.record_get(request.user, pk)
    shown_in = record.status  # the state whose button was pressed
    form = TransitionForm(request.POST)
    if not form.is_valid():
        if "comment" not in form.errors:
            messages.error(request, "操作无效")
            return redirect("monitoring:record_detail", pk=pk)
        # An opinion the form refused (a NUL pasted in, too long): said in words, a 400, the record untouched.
        messages.error(request, "意见无效：" + "；".join(str(e) for e in form.errors["comment"]))
        return render(request, "monitoring/record_detail.html", detail_context(request, record), status=400)
    try:
        services.record_transition(
            actor=request.user,
            record=record,
            action=form.cleaned_data["action"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as exc:
        # The page again, as it stands now, with the refusal and the opinion as typed (a redirect lost it). When a
        # colleague moved the record meanwhile the message names who and when, and when the step pressed is no longer
        # offered the opinion is shown apart, to copy (not left in a box of another step).
        record = selectors.record_get(request.user, pk)
        message = step_refusal(
            exc,
            moved=record.status != shown_in,
            last_event=lambda: selectors.record_events(record).first(),
            label_of=lambda e: e.action_label,
        )
        messages.error(request, message)
        context = detail_context(request, record)
        context.update(typed_opinion(form.cleaned_data["comment"], form.cleaned_data["action"], context["actions"]))
        return render(request, "monitoring/record_detail.html", context, status=exc.status_code)
    messages.success(request, f"操作成功：{MONITORING_WORKFLOW.action_label(form.cleaned_data['action'], shown_in)}")
    return redirect("monitoring:record_detail", pk=pk)


@capability_required("monitoring.view")
def record_export(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.record_get(request.user, pk)
    name = f"监控表_{record.project.code if record.project_id else record.department.dept_code}_{record.task.task_no}"  # type: ignore[union-attr]
    content = exports.export_record(record)
    audit.record(actor=request.user, event_type="monitoring.record_export", obj=record, reason=name)
    return xlsx_response(content, f"{name}.xlsx")


@require_POST
@capability_required("monitoring.fill")
def record_import(request: HttpRequest, pk: int) -> HttpResponse:
    """监控表导入: the filled workbook through `services.record_import`; a refusal shows the record page again with
    the message (400; 409 when the record moved on: submitted, closed or saved since the export), nothing saved."""
    record = selectors.record_get(request.user, pk)
    form = RecordImportForm(request.POST, request.FILES)
    error = ""
    status = 400
    problems: list[str] = []
    if not form.is_valid():
        error = "；".join(str(e) for errors in form.errors.values() for e in errors)
    else:
        try:
            services.record_import(actor=request.user, record=record, upload=form.cleaned_data["file"])
        except DomainError as exc:  # the page again with the reason: 400, or 409 for a record changed meanwhile
            error, status = exc.message, exc.status_code
            problems = list(getattr(exc, "problems", []))
    if error:
        record.refresh_from_db()
        context = detail_context(request, record)
        context["import_error"] = error
        context["import_problems"] = problems if len(problems) > 1 else []  # one per line, each with its cell
        return render(request, "monitoring/record_detail.html", context, status=status)
    messages.success(request, "监控表已导入")
    return redirect("monitoring:record_detail", pk=pk)
