from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.appraisals import exports, selectors, services
from jixiao.appraisals.forms import (
    EvidenceForm,
    InterviewForm,
    OutcomeForm,
    TaskDeadlinesForm,
    TaskForm,
    TransitionForm,
    YearForm,
)
from jixiao.appraisals.models import Appraisal, AppraisalStatus, ExamineeType, Outcome, TaskStatus
from jixiao.appraisals.workflow import (
    APPRAISAL_WORKFLOW,
    FINAL_EDITABLE,
    SECTION_EDITABLE,
    SELF_EDITABLE,
    SUBMIT,
    TASK_ACTIONS,
)
from jixiao.core import once
from jixiao.core.errors import ConflictError, DomainError
from jixiao.core.locking import add_lock_token, lock_token, posted_lock_token
from jixiao.core.numbers import is_digits, year_or_none
from jixiao.core.views_helpers import capability_required, paginate, stored_file_response, xlsx_response
from jixiao.organizations.selectors import current_fiscal_year


def _year(request: HttpRequest) -> int:
    year = year_or_none(request.GET.get("fiscal_year", ""))
    if year is not None:
        return year
    current = current_fiscal_year()
    return current.year if current else 0


@capability_required("appraisal.view")
def task_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    year = _year(request)
    form = YearForm({"fiscal_year": year})
    # Without a year asked for (the page the 待办 links to), tasks still open in other years are listed too.
    chosen = year_or_none(request.GET.get("fiscal_year", "")) is not None
    tasks, mine = selectors.task_list_rows(request.user, year, with_open=not chosen)
    context = {
        "form": form,
        "year": year,
        "page": paginate(request, tasks.order_by("-fiscal_year", "-id")),
        "ranking": selectors.appraisal_ranking(request.user, year),
        # 我的考核: the examinee's own (a department); finance scorers and read-only roles (局领导, 人大/审计, 预算股)
        # are no examinee, and the appraisals they see are everyone's, listed by task.
        "mine": mine.order_by("-task__fiscal_year", "-id")[:50]
        if user.can("appraisal.self_score") and not user.can("appraisal.section_score")
        else [],
    }
    return render(request, "appraisals/list.html", context)


@capability_required("appraisal.manage")
def task_create(request: HttpRequest) -> HttpResponse:
    templates = selectors.templates_visible(request.user).filter(is_active=True)
    current = current_fiscal_year()
    initial = {"fiscal_year": current.year if current else None}
    form = TaskForm(request.POST or None, templates=templates, initial=initial)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def create() -> HttpResponse:
            task = services.task_create(
                actor=request.user,
                template=data["template"],
                name=data["name"],
                fiscal_year=data["fiscal_year"],
                self_score_deadline=data["self_score_deadline"],
                section_score_deadline=data["section_score_deadline"],
                target_deadline=data["target_deadline"],
            )
            messages.success(request, "考核任务已下达")
            return redirect("appraisals:task", pk=task.pk)

        try:
            return once.run_once(request, create)  # a double click on 下达 issues one task
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
    return render(request, "appraisals/task_form.html", {"form": form}, status=status)


@capability_required("appraisal.view")
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _task_page(request, selectors.task_get(request.user, pk))


def _task_page(
    request: HttpRequest, task: Any, status: int = 200, deadlines_form: TaskDeadlinesForm | None = None
) -> HttpResponse:
    user: Any = request.user
    appraisals = list(selectors.task_appraisals(user, task))
    for appraisal in appraisals:  # an examinee reads its finance scores once the task is ranked
        appraisal.finance_shown = selectors.finance_scores_shown(user, appraisal)  # type: ignore[attr-defined]
    is_final = user.can("appraisal.final")
    may_reschedule = user.can("appraisal.manage") and task.status == TaskStatus.OPEN
    context = {
        "task": task,
        "appraisals": appraisals,
        "groups": [
            (label, [a for a in appraisals if a.examinee_type == value])
            for value, label in ExamineeType.choices
            if any(a.examinee_type == value for a in appraisals)
        ],
        "can_rank": is_final and task.status in (TaskStatus.OPEN, TaskStatus.RANKED),
        "can_reopen": is_final and task.status == TaskStatus.RANKED,
        "can_issue": is_final and task.status == TaskStatus.RANKED,
        "settings": selectors.settings_for(task.region, task.fiscal_year),
        "lock_token": lock_token(task),
        "deadlines_form": (deadlines_form or TaskDeadlinesForm(task=task)) if may_reschedule else None,
    }
    return render(request, "appraisals/task.html", context, status=status)


@require_POST
@capability_required("appraisal.manage")
def task_deadlines(request: HttpRequest, pk: int) -> HttpResponse:
    """修改截止日期: refused input shows the task page again (400) with the dates typed and the error at its field."""
    task = selectors.task_get(request.user, pk)
    form = TaskDeadlinesForm(request.POST, task=task)
    if form.is_valid():
        try:
            services.task_deadlines_update(
                actor=request.user, task=task, deadlines=form.cleaned_data, lock_token=posted_lock_token(request.POST)
            )
        except DomainError as exc:  # said above the page: a ranked task no longer shows the form
            messages.error(request, exc.message)
            return _task_page(request, selectors.task_get(request.user, pk), exc.status_code, form)
        messages.success(request, "截止日期已修改")
        return redirect("appraisals:task", pk=pk)
    return _task_page(request, task, 400, form)


@require_POST
@capability_required("appraisal.final")
def task_action(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    action = request.POST.get("action", "")
    token = posted_lock_token(request.POST)
    try:
        if action == "rank":
            services.task_rank(actor=request.user, task=task, lock_token=token)
            messages.success(request, "已审定并排名")
        elif action == "reopen":
            comment = request.POST.get("comment", "")
            services.task_reopen(actor=request.user, task=task, comment=comment, lock_token=token)
            messages.success(request, "已撤销排名")
        elif action == "issue_outcomes":
            services.task_issue_outcomes(actor=request.user, task=task, lock_token=token)
            messages.success(request, "考核结果已通报")
        else:
            raise DomainError("操作无效")
    except DomainError as exc:
        # A refusal (examinees still pending, scores missing, a stale page) shows the task page with its status.
        messages.error(request, exc.message)
        return _task_page(request, selectors.task_get(request.user, pk), exc.status_code)
    return redirect("appraisals:task", pk=pk)


@capability_required("appraisal.view")
def task_export(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    user: Any = request.user
    rows = selectors.task_appraisals(user, task)
    content = exports.ranking_xlsx(task.name, rows, shown=lambda a: selectors.finance_scores_shown(user, a))
    return xlsx_response(content, f"{task.name}考核结果.xlsx")


# ---- one appraisal --------------------------------------------------------------------------------------------------


def _may_self(user: Any, appraisal: Appraisal) -> bool:
    if not user.can("appraisal.self_score") or appraisal.status not in SELF_EDITABLE:
        return False
    is_finance = user.can("appraisal.final")
    if appraisal.examinee_type == ExamineeType.DEPARTMENT and appraisal.department_id is not None:
        return not is_finance
    return bool(is_finance)


@capability_required("appraisal.view")
def appraisal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.appraisal_get(request.user, pk))


def _outcome_form(appraisal: Appraisal, data: Any = None) -> OutcomeForm:
    form = OutcomeForm(data, initial={"outcome": appraisal.outcome})
    add_lock_token(form, appraisal)
    return form


def _detail(
    request: HttpRequest,
    appraisal: Appraisal,
    status: int = 200,
    interview_form: InterviewForm | None = None,
    posted: str = "",
    evidence_form: EvidenceForm | None = None,
    evidence_error: str = "",
    outcome_form: OutcomeForm | None = None,
    unsent: str = "",
) -> HttpResponse:
    """The score sheet page. Each grid and form carries the lock token of what it shows (SECURITY.md I05). `unsent` (a
    grid's field prefix) lists apart what a save refused as stale carried that differs from the stored values."""
    user: Any = request.user
    capabilities = user.active_membership.capabilities
    is_final = user.can("appraisal.final")
    may_self = _may_self(user, appraisal)
    may_eval = user.can("appraisal.section_score") and appraisal.status in (
        FINAL_EDITABLE if is_final else SECTION_EDITABLE
    )
    show_eval = selectors.finance_scores_shown(user, appraisal)  # departments: once results are out
    actions = [
        t
        for t in APPRAISAL_WORKFLOW.available(appraisal.status, capabilities)
        if t.action not in TASK_ACTIONS and (t.capability != "appraisal.self_score" or may_self)
    ]
    # 提交自评 belongs to the self-score grid's form: it saves the scores as typed, then submits (self_save).
    self_submit = next((t for t in actions if t.action == SUBMIT), None) if may_self else None
    sheet = selectors.score_sheet(user, appraisal, with_metrics=show_eval)
    # A business section whose 股室 scores no item of this table has nothing to save: no 保存评定得分 button.
    may_eval = may_eval and (is_final or any(r.can_eval for r in sheet))
    context = {
        "appraisal": appraisal,
        "task": appraisal.task,
        "sheet": sheet,
        "self_token": lock_token([r.score for r in sheet if r.score is not None]),
        "eval_token": lock_token(selectors.eval_lock_rows(user, appraisal, ((r.node, r.score) for r in sheet))),
        "may_self": may_self,
        "may_eval": may_eval,
        "show_eval": show_eval,
        "is_final": is_final,
        "actions": [t for t in actions if t.action not in ("start", SUBMIT)],
        "self_submit": self_submit,
        "evidence": selectors.appraisal_evidence(appraisal),
        "events": selectors.appraisal_events(appraisal)[:100],
        "outcome_form": (outcome_form or _outcome_form(appraisal))
        if is_final and appraisal.status == AppraisalStatus.RANKED
        else None,
        "interview_form": (interview_form or InterviewForm())
        if is_final
        and appraisal.outcome == Outcome.INTERVIEW
        and not appraisal.interview_document_id
        and appraisal.status in (AppraisalStatus.RANKED, AppraisalStatus.OUTCOMES_ISSUED)
        else None,
        "evidence_form": evidence_form or EvidenceForm(),
        "evidence_error": evidence_error,
    }
    if posted:
        _keep_posted(request, appraisal, sheet, posted)
    if unsent:
        context["unsent"] = _unsent(request, appraisal, sheet, unsent)
    return render(request, "appraisals/detail.html", context, status=status)


UNSENT_TEXTS = {
    "exist_problems": "存在问题",
    "rectify_step": "整改建议",
    "mof_aud_opinion": "财政审核意见",
    "comment": "意见",
}


def _same_score(typed: Any, stored: Any) -> bool:
    typed = str(typed or "").strip()
    if stored is None or not typed:
        return stored is None and not typed
    try:
        return Decimal(typed) == stored
    except InvalidOperation:
        return False


def _unsent(request: HttpRequest, appraisal: Appraisal, sheet: list[Any], prefix: str) -> list[dict[str, Any]]:
    """The scores, notes and texts a stale save carried that differ from what is stored now (a colleague saved
    meanwhile): the grid shows the stored values, these are listed apart so nothing typed is lost unseen."""
    fields = {"ind": ("ind_score", "ind_note"), "eval": ("eval_score", "eval_note")}[prefix]
    scores = _posted_scores(request, prefix)
    rows: list[dict[str, Any]] = []
    for row in sheet:
        if row.node.pk not in scores:
            continue
        value, note = scores[row.node.pk]
        stored = getattr(row.score, fields[0], None) if row.score is not None else None
        stored_note = getattr(row.score, fields[1], "") if row.score is not None else ""
        if not _same_score(value, stored) or note.strip() != (stored_note or "").strip():
            rows.append({"name": f"{row.node.code} {row.node.name}", "score": value, "note": note})
    if prefix == "eval":
        for key, label in UNSENT_TEXTS.items():
            text = request.POST.get(key, "").strip()
            if text and text != (getattr(appraisal, key, "") or "").strip():
                rows.append({"name": label, "score": "", "note": text})
    return rows


def _keep_posted(request: HttpRequest, appraisal: Appraisal, sheet: list[Any], prefix: str) -> None:
    """A refused save shows the grid with what was typed (on the unsaved rows in memory; the lock tokens above were
    taken from the stored values, so the corrected save is not taken for a stale page)."""
    fields = {"ind": ("ind_score", "ind_note"), "eval": ("eval_score", "eval_note")}[prefix]
    scores = _posted_scores(request, prefix)
    for row in sheet:
        if row.score is not None and row.node.pk in scores:
            value, note = scores[row.node.pk]
            setattr(row.score, fields[0], value)
            setattr(row.score, fields[1], note)
    if prefix == "eval":
        for key in ("exist_problems", "rectify_step", "mof_aud_opinion"):
            if key in request.POST:
                setattr(appraisal, key, request.POST[key])


def _refused(request: HttpRequest, pk: int, exc: DomainError, posted: str = "") -> HttpResponse:
    """A refused step: the message on the page, with the refusal's status. A conflict (a stale page) shows the current
    data with a 409; a refused score grid (`posted` = its field prefix) shows the page again with what was typed
    (400); other refusals show the page as it stands now."""
    messages.error(request, exc.message)
    if isinstance(exc, ConflictError):
        return _detail(request, selectors.appraisal_get(request.user, pk), exc.status_code, unsent=posted)
    if posted:
        return _detail(request, selectors.appraisal_get(request.user, pk), exc.status_code, posted=posted)
    return _detail(request, selectors.appraisal_get(request.user, pk), exc.status_code)


def _posted_scores(request: HttpRequest, prefix: str) -> dict[int, tuple[Any, str]]:
    scores: dict[int, tuple[Any, str]] = {}
    for key, value in request.POST.items():
        tail = key[len(prefix) + 1 :]
        if key.startswith(f"{prefix}_") and is_digits(tail) and len(tail) <= 18:  # an id; not "²", not 5,000 digits
            node_id = int(tail)
            scores[node_id] = (value, request.POST.get(f"{prefix}note_{node_id}", ""))
    return scores


@require_POST
@capability_required("appraisal.self_score")
def self_save(request: HttpRequest, pk: int) -> HttpResponse:
    """保存自评得分, or 提交自评（送审） (action=submit): the grid as typed is saved first, then submitted; a submission
    refused by 送审校验 leaves the saved scores and names what is missing."""
    appraisal = selectors.appraisal_get(request.user, pk)
    try:
        appraisal = services.appraisal_save_self(
            actor=request.user,
            appraisal=appraisal,
            scores=_posted_scores(request, "ind"),
            lock_token=posted_lock_token(request.POST),
        )
    except DomainError as exc:
        return _refused(request, pk, exc, posted="ind")
    if request.POST.get("action") != SUBMIT:
        messages.success(request, "自评得分已保存")
        return redirect("appraisals:detail", pk=pk)
    try:
        services.appraisal_transition(actor=request.user, appraisal=appraisal, action=SUBMIT)
    except DomainError as exc:  # refusal redirects: the scores were saved; the page shows them and the reason
        messages.error(request, f"自评得分已保存，但未提交。{exc.message}")
    else:
        messages.success(request, "自评得分已保存并提交（送审）")
    return redirect("appraisals:detail", pk=pk)


@require_POST
@capability_required("appraisal.section_score")
def eval_save(request: HttpRequest, pk: int) -> HttpResponse:
    """保存评定得分, or a workflow step pressed while the grid is open (股室评分完成, 审定并排名, 退回…: `action`): the
    scores and opinions as typed are saved first, then the step is taken (the buttons sat in another form, and
    scores typed but not saved were dropped)."""
    appraisal = selectors.appraisal_get(request.user, pk)
    shown_in = appraisal.status  # the state whose button was pressed
    texts = {k: request.POST[k] for k in ("exist_problems", "rectify_step", "mof_aud_opinion") if k in request.POST}
    try:
        appraisal = services.appraisal_save_eval(
            actor=request.user,
            appraisal=appraisal,
            scores=_posted_scores(request, "eval"),
            texts=texts,
            lock_token=posted_lock_token(request.POST),
        )
    except DomainError as exc:
        return _refused(request, pk, exc, posted="eval")
    if not request.POST.get("action"):
        messages.success(request, "评定得分已保存")
        return redirect("appraisals:detail", pk=pk)
    return _step(request, appraisal, shown_in, saved="评定得分已保存")


@require_POST
@capability_required("appraisal.view")
def transition(request: HttpRequest, pk: int) -> HttpResponse:
    appraisal = selectors.appraisal_get(request.user, pk)
    return _step(request, appraisal, appraisal.status)


def _step(request: HttpRequest, appraisal: Appraisal, shown_in: str, saved: str = "") -> HttpResponse:
    """The workflow step posted (`action`, `comment`) on the appraisal whose page showed `shown_in`; `saved` says
    what was saved before it (the score grid), so a refused step does not read as if nothing went through."""
    form = TransitionForm(request.POST)
    prefix = f"{saved}。" if saved else ""
    if not form.is_valid():
        messages.error(request, f"{prefix}操作无效")
        return _detail(request, selectors.appraisal_get(request.user, appraisal.pk), 400)
    try:
        services.appraisal_transition(
            actor=request.user,
            appraisal=appraisal,
            action=form.cleaned_data["action"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as exc:
        if saved:
            messages.info(request, saved)
        return _refused(request, appraisal.pk, exc)
    label = APPRAISAL_WORKFLOW.action_label(form.cleaned_data["action"], shown_in)
    messages.success(request, f"{prefix}操作成功：{label}")
    return redirect("appraisals:detail", pk=appraisal.pk)


@require_POST
@capability_required("appraisal.final")
def set_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    appraisal = selectors.appraisal_get(request.user, pk)
    form = _outcome_form(appraisal, request.POST)
    if not form.is_valid():
        # The page again with the chosen result and the typed reason, each field's reason beside it (400).
        messages.error(request, "考核结果运用未保存，请按提示修改")
        return _detail(request, appraisal, 400, outcome_form=form)
    try:
        services.appraisal_set_outcome(
            actor=request.user,
            appraisal=appraisal,
            outcome=form.cleaned_data["outcome"],
            reason=form.cleaned_data["reason"],
            lock_token=form.cleaned_data.get("lock_token"),
        )
    except DomainError as exc:
        if isinstance(exc, ConflictError):
            return _refused(request, pk, exc)
        messages.error(request, exc.message)
        return _detail(request, selectors.appraisal_get(request.user, pk), exc.status_code, outcome_form=form)
    else:
        messages.success(request, "考核结果运用已确定")
    return redirect("appraisals:detail", pk=pk)


@require_POST
@capability_required("appraisal.final")
def issue_interview(request: HttpRequest, pk: int) -> HttpResponse:
    appraisal = selectors.appraisal_get(request.user, pk)
    form = InterviewForm(request.POST)
    if form.is_valid():

        def issue() -> HttpResponse:
            document = services.appraisal_issue_interview(actor=request.user, appraisal=appraisal, **form.cleaned_data)
            messages.success(request, f"约谈通知书已签发：{document.doc_no}")
            return redirect("appraisals:detail", pk=pk)

        try:
            return once.run_once(request, issue)  # a double click on 签发 is sent to the appraisal, not to “已签发”
        except DomainError as exc:
            form.add_error(None, exc.message)
    # What was typed stays on the page with the reason (a 400), nothing is issued.
    errors = [str(e) for e in form.non_field_errors()] or ["请填写约谈时间、地点和书面说明报送期限"]
    messages.error(request, "；".join(errors))
    return _detail(request, appraisal, 400, interview_form=form)


@capability_required("appraisal.view")
def sheet_export(request: HttpRequest, pk: int) -> HttpResponse:
    appraisal = selectors.appraisal_get(request.user, pk)
    user: Any = request.user
    show_eval = selectors.finance_scores_shown(user, appraisal)
    sheet = selectors.score_sheet(user, appraisal, with_metrics=show_eval)
    content = exports.sheet_xlsx(appraisal, sheet, show_eval=show_eval)
    return xlsx_response(content, f"{appraisal.examinee_name}考核评分表.xlsx")


@require_POST
@capability_required("appraisal.self_score")
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    appraisal = selectors.appraisal_get(request.user, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, appraisal, status=400, evidence_form=form, evidence_error=form.error_text())
    node = None
    if form.cleaned_data.get("node"):
        node = next(
            (r.node for r in selectors.tree(selectors.template_nodes(appraisal.task.template))
             if r.node.pk == form.cleaned_data["node"]),
            None,
        )  # fmt: skip
    try:
        services.evidence_add(
            actor=request.user,
            appraisal=appraisal,
            upload=form.cleaned_data["file"],
            node=node,
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        return _detail(request, appraisal, status=exc.status_code, evidence_form=form, evidence_error=exc.message)
    messages.success(request, "佐证材料已上传")
    return redirect("appraisals:detail", pk=pk)


@require_POST
@capability_required("appraisal.self_score")
def evidence_delete(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    evidence = selectors.evidence_get(request.user, pk, evidence_pk)
    try:
        services.evidence_delete(actor=request.user, evidence=evidence)
    except DomainError as exc:
        return _refused(request, pk, exc)
    messages.success(request, "佐证材料已删除")
    return redirect("appraisals:detail", pk=pk)


@capability_required("appraisal.view")
def evidence_download(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    evidence = selectors.evidence_get(request.user, pk, evidence_pk)
    return stored_file_response(
        evidence.file,
        evidence.original_name,
        opened=lambda: services.evidence_opened(actor=request.user, evidence=evidence),
    )
