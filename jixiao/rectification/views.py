from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from jixiao.core import once
from jixiao.core.errors import ConflictError, DomainError
from jixiao.core.forms import valid_filters
from jixiao.core.list_exports import ListExport, Selection, export_list
from jixiao.core.locking import FIELD_NAME as LOCK_FIELD
from jixiao.core.locking import add_lock_token, lock_token
from jixiao.core.numbers import year_or_none
from jixiao.core.views_helpers import capability_required, paginate, stored_file_response, xlsx_response
from jixiao.organizations.selectors import current_fiscal_year
from jixiao.rectification import exports, letters, selectors, services
from jixiao.rectification.forms import (
    ISSUE_DOCUMENTS,
    CandidateFilterForm,
    CloseForm,
    DiscardForm,
    FeedbackForm,
    IssueForm,
    ListFilterForm,
    ManualFindingForm,
    ReturnForm,
    SettingsForm,
)
from jixiao.rectification.models import RectificationLetter, sees_drafts
from jixiao.rectification.workflow import CLOSE, FEEDBACK, ISSUE, RETURN


def _current_year() -> int:
    current = current_fiscal_year()
    return current.year if current else timezone.localdate().year


def _filters(request: HttpRequest) -> tuple[ListFilterForm, dict[str, Any]]:
    return _filters_of(request.GET, request.user)


def _filters_of(query: QueryDict, user: Any) -> tuple[ListFilterForm, dict[str, Any]]:
    form = ListFilterForm(query or None, user=user)
    params = valid_filters(form)
    params["tab"] = query.get("tab", "")
    return form, params


@capability_required("rectification.view")
def rectification_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


def _list_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    """The list as filtered by the address; also after a refused 逾期提醒与督办, at its address, with its status (the
    tabs, filter form and pager name the list's own address)."""
    form, params = _filters(request)
    queryset = selectors.rectifications_filtered(request.user, params)
    context = {
        "form": form,
        "page": paginate(request, queryset),
        "list_url": reverse("rectification:list"),
        "tab": params["tab"],
        "query": request.GET.urlencode(),
    }
    return render(request, "rectification/list.html", context, status=status)


def _ledger_selection(user: Any, query: QueryDict) -> Selection:
    form, params = _filters_of(query, user)
    queryset = selectors.rectifications_filtered(user, params)
    return Selection(
        rows=lambda: exports.ledger_rows(queryset),
        count=queryset.count,
        form=form,
        workbook=lambda: xlsx_response(exports.ledger_workbook(queryset), LEDGER_EXPORT.filename("xlsx")),
    )


LEDGER_EXPORT = ListExport(
    kind="rectification.export",
    title="问题整改台账",
    header=exports.HEADERS,
    capability="rectification.view",
    select=_ledger_selection,
    path="jixiao.rectification.views.LEDGER_EXPORT",
)


@capability_required(LEDGER_EXPORT.capability)
def rectification_export(request: HttpRequest) -> HttpResponse:
    """The ledger as filtered, every row, audited (core.list_exports): the titled workbook, or for a ledger longer
    than a direct export (or as CSV) the plain stream or a background job."""
    return export_list(request, LEDGER_EXPORT, back=reverse("rectification:list"))


@require_POST
@capability_required("rectification.sweep")
def rectification_sweep(request: HttpRequest) -> HttpResponse:
    try:
        result = services.rectification_sweep(actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _list_page(request, status=exc.status_code)
    messages.success(request, f"逾期处理完成：{result.message}")
    return redirect("rectification:list")


@capability_required("rectification.manage")
def candidate_list(request: HttpRequest) -> HttpResponse:
    # The year box shows the year listed when none is chosen (it was empty above the current year's problems).
    form = CandidateFilterForm(request.GET or None, initial={"year": _current_year()})
    params = valid_filters(form)
    year = params.get("year") or _current_year()
    if request.method == "POST":
        year = year_or_none(request.POST.get("year", "")) or year
        try:
            created = services.findings_from_candidates(
                actor=request.user,
                fiscal_year=year,
                keys=request.POST.getlist("key"),
                one_case=request.POST.get("merge") == "1",
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已生成{len(created)}个整改事项，请编制整改要求后下达")
            if len(created) == 1:
                return redirect("rectification:detail", pk=created[0].pk)
            return redirect(f"{reverse('rectification:list')}?tab=draft")
    items = selectors.CandidateList(request.user, year, params.get("source") or "")
    status = 400 if request.method == "POST" else 200
    # A province has tens of thousands of open problems: the page counts them and reads only its 100 rows.
    page = paginate(request, items, per_page=CANDIDATES_PER_PAGE)
    context = {
        "form": form,
        "page": page,
        "rows": selectors.with_department_names(page),
        "year": year,
        "chosen": set(request.POST.getlist("key")),  # a refused choice is shown again ticked
    }
    return render(request, "rectification/candidates.html", context, status=status)


CANDIDATES_PER_PAGE = 100


@capability_required("rectification.manage")
def finding_create(request: HttpRequest) -> HttpResponse:
    form = ManualFindingForm(request.POST or None, user=request.user, initial={"fiscal_year": _current_year()})
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():

        def create() -> HttpResponse:
            rect = services.finding_create_manual(actor=request.user, data=form.cleaned_data)
            messages.success(request, "问题已登记，请编制整改要求后下达")
            return redirect("rectification:detail", pk=rect.pk)

        try:
            return once.run_once(request, create)  # a double click on 登记 makes one case
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code  # 409: registered already
    return render(request, "rectification/finding_form.html", {"form": form}, status=status)


def _with_token(form: Any, rect: Any) -> Any:
    add_lock_token(form, rect)
    return form


def _detail(request: HttpRequest, rect: Any, status: int = 200, **forms: Any) -> HttpResponse:
    actions = {t.action: t for t in selectors.available_actions(request.user, rect)}
    context = {
        "rect": rect,
        "findings": selectors.findings_of(rect),
        "events": selectors.events_of(rect),
        "letters": selectors.letters_of(rect),
        "files": selectors.files_of(rect),
        "can_issue": ISSUE in actions,
        "can_feedback": FEEDBACK in actions,
        "can_review": CLOSE in actions and RETURN in actions,
        # Each step's form carries the case's lock token: a step taken from a page the case has moved on from
        # (even one back in the same state, e.g. returned and answered again) is refused.
        "issue_form": _with_token(IssueForm(initial={"title": rect.title, "requirements": rect.requirements}), rect),
        "feedback_form": _with_token(FeedbackForm(initial={"measures": rect.feedback_measures}), rect),
        "close_form": _with_token(CloseForm(), rect),
        "return_form": _with_token(ReturnForm(), rect),
        "discard_form": _with_token(DiscardForm(), rect),
        "today": timezone.localdate(),
    }
    context.update(forms)
    return render(request, "rectification/detail.html", context, status=status)


@capability_required("rectification.view")
def rectification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.rectification_get(request.user, pk))


FORM_NAMES = {
    "IssueForm": "issue_form",
    "FeedbackForm": "feedback_form",
    "CloseForm": "close_form",
    "ReturnForm": "return_form",
    "DiscardForm": "discard_form",
}
# What each step says once done (下达 names the document it issued: `run` returns that message).
DONE = {
    "FeedbackForm": "整改反馈已提交，待财政审核",
    "CloseForm": "整改已审核通过，事项办结",
    "ReturnForm": "已退回重新整改，单位可补充材料后重新提交反馈",
}


def _act(request: HttpRequest, pk: int, form_class: type, run: Any, then: str = "") -> HttpResponse:
    """Run one step, then back to the case (or to `then`); bad input shows the page again with the Chinese message
    and a 400, nothing stored."""
    rect = selectors.rectification_get(request.user, pk)
    form = form_class(request.POST, request.FILES)
    add_lock_token(form, rect)
    name = FORM_NAMES[form_class.__name__]
    status = 400
    if form.is_valid():
        try:
            done = run(rect, form.cleaned_data)
        except DomainError as exc:
            status = exc.status_code
            if isinstance(exc, ConflictError):
                # The case moved on: the form keeps what was typed, on the case as it is now, so that pressing the
                # button again (after reading the page) is not refused once more for the same stale page.
                data = request.POST.copy()
                data[LOCK_FIELD] = lock_token(selectors.rectification_get(request.user, pk))
                form = form_class(data, request.FILES)
                add_lock_token(form, rect)
                form.is_valid()
            form.add_error(None, exc.message)
        else:
            messages.success(request, done or DONE.get(form_class.__name__, "已办理"))
            return redirect(then) if then else redirect("rectification:detail", pk=pk)
    errors = "；".join(str(e) for errs in form.errors.values() for e in errs)
    messages.error(request, errors or "请检查填写内容")
    return _detail(request, selectors.rectification_get(request.user, pk), status, **{name: form})


@require_POST
@capability_required("rectification.manage")
def rectification_issue(request: HttpRequest, pk: int) -> HttpResponse:
    def run(rect: Any, data: dict[str, Any]) -> str:
        services.rectification_issue(
            actor=request.user,
            rectification=rect,
            requirements=data["requirements"],
            deadline=data["deadline"],
            title=data["title"],
            document=data["document"],
            interview_time=data["interview_time"],
            interview_place=data["interview_place"],
            lock_token=data.get("lock_token"),
        )
        document = dict(ISSUE_DOCUMENTS).get(data["document"] or RectificationLetter.Kind.NOTICE, "整改通知书")
        return f"整改事项已下达，{document}已印发"

    return _act(request, pk, IssueForm, run)


@require_POST
@capability_required("rectification.respond")
def rectification_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    def run(rect: Any, data: dict[str, Any]) -> None:
        services.rectification_submit_feedback(
            actor=request.user,
            rectification=rect,
            measures=data["measures"],
            files=data["reports"],
            note=data["report_note"],
            lock_token=data.get("lock_token"),
        )

    return _act(request, pk, FeedbackForm, run)


@require_POST
@capability_required("rectification.review")
def rectification_close(request: HttpRequest, pk: int) -> HttpResponse:
    def run(rect: Any, data: dict[str, Any]) -> None:
        services.rectification_close(
            actor=request.user,
            rectification=rect,
            opinion=data["opinion"],
            fin_adjust_advice=data["fin_adjust_advice"],
            lock_token=data.get("lock_token"),
        )

    return _act(request, pk, CloseForm, run)


@require_POST
@capability_required("rectification.review")
def rectification_return(request: HttpRequest, pk: int) -> HttpResponse:
    def run(rect: Any, data: dict[str, Any]) -> None:
        services.rectification_return(
            actor=request.user, rectification=rect, reason=data["reason"], lock_token=data.get("lock_token")
        )

    return _act(request, pk, ReturnForm, run)


@require_POST
@capability_required("rectification.manage")
def rectification_discard(request: HttpRequest, pk: int) -> HttpResponse:
    def run(rect: Any, data: dict[str, Any]) -> str:
        again, manual = services.rectification_discard(
            actor=request.user, rectification=rect, reason=data["reason"], lock_token=data.get("lock_token")
        )
        parts = [f"{again}个问题回到待整改问题" if again else "", f"{manual}个手工登记的问题已删除" if manual else ""]
        return "；".join([f"整改事项“{rect.title}”已撤销", *filter(None, parts)])

    return _act(request, pk, DiscardForm, run, then=reverse("rectification:list"))


@capability_required("rectification.view")
def file_download(request: HttpRequest, pk: int, file_id: int) -> HttpResponse:
    rect = selectors.rectification_get(request.user, pk)
    row = selectors.file_get(rect, file_id)
    return stored_file_response(
        row.file, row.original_name, opened=lambda: services.feedback_file_opened(actor=request.user, row=row)
    )


@capability_required("rectification.view")
def letter_download(request: HttpRequest, pk: int, letter_id: int) -> HttpResponse:
    rect = selectors.rectification_get(request.user, pk)
    letter = selectors.letter_get(rect, letter_id)
    if letter.document_id is None:
        raise Http404
    content = letters.render_letter(letter, actor=request.user)
    services.letter_downloaded(actor=request.user, letter=letter)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    name = f"{letter.get_kind_display()}_{letter.doc_no or letter.pk}.docx"
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    return response


@capability_required("rectification.view")
def statistics(request: HttpRequest) -> HttpResponse:
    year = year_or_none(request.GET.get("year", "")) or _current_year()
    user: Any = request.user
    context = {
        "year": year,
        "stats": selectors.rectification_statistics(user, year),
        # A department, a unit or the oversight never sees a case being prepared: no 待下达 count (always 0) whose
        # link would be a status the list does not offer them.
        "sees_drafts": sees_drafts(user.active_membership),
    }
    return render(request, "rectification/statistics.html", context)


@capability_required("rectification.configure")
def settings_page(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = user.active_membership.region
    form = SettingsForm(request.POST or None)
    # The form creates or updates one of the region's rows: the token covers all of them (a row added counts too).
    add_lock_token(form, selectors.settings_of_region(region))
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.settings_save(
                actor=user,
                region=region,
                fiscal_year=data["fiscal_year"],
                data=data,
                lock_token=data.get("lock_token"),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
        else:
            messages.success(request, "整改期限规则已保存")
            return redirect("rectification:settings")
    context = {"form": form, "rows": selectors.settings_visible(user)}
    return render(request, "rectification/settings.html", context, status=status)
