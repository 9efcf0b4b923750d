"""Expert pool pages: list, detail with the audited contact view, create/edit, Excel, and panel draws."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jixiao.core import once
from jixiao.core.errors import ConflictError, DomainError, PermissionDeniedError
from jixiao.core.forms import valid_filters
from jixiao.core.list_exports import ListExport, Selection, export_list
from jixiao.core.todos import countdown
from jixiao.core.views_helpers import (
    capability_required,
    import_errors_download,
    paginate,
    stored_file_response,
    workbook_import,
    xlsx_response,
)
from jixiao.experts import selectors, services
from jixiao.experts.exports import EXPORT_HEADERS, SHEET_NAME, expert_rows, template_workbook
from jixiao.experts.filtersets import ExpertFilterSet
from jixiao.experts.forms import (
    AgencyForm,
    DeliverableForm,
    EngagementFilterForm,
    EngagementForm,
    ExpertForm,
    ExpertImportForm,
    PanelDrawForm,
    QualityReviewForm,
)
from jixiao.experts.imports import parse_expert_workbook
from jixiao.experts.models import QUALITY_ASPECTS, Engagement

IMPORT_ERRORS_KEY = "jixiao_expert_import_errors"


def _can(request: HttpRequest, capability: str) -> bool:
    return bool(request.user.can(capability))  # type: ignore[union-attr]


def _add_service_error(form: forms.BaseForm, exc: DomainError) -> None:
    field_errors = getattr(exc, "field_errors", None) or {NON_FIELD_ERRORS: [exc.message]}
    for name, errors in field_errors.items():
        target = name if name in form.fields else None
        for error in errors:
            form.add_error(target, error)


def _filter(request: HttpRequest) -> ExpertFilterSet:
    return ExpertFilterSet(request.GET or None, queryset=selectors.experts_visible(request.user), user=request.user)


# ---------------------------------------------------------------- pool


@capability_required("expert.view")
def expert_list(request: HttpRequest) -> HttpResponse:
    filterset = _filter(request)
    return render(
        request,
        "experts/expert_list.html",
        {
            "filter": filterset,
            "page": paginate(request, filterset.qs),
            "can_manage": _can(request, "expert.manage"),
        },
    )


def _detail(request: HttpRequest, expert: Any, *, full_phone: str | None = None) -> HttpResponse:
    return render(
        request,
        "experts/expert_detail.html",
        {
            "expert": expert,
            "conflicts": selectors.expert_conflicts(expert),
            "full_phone": full_phone,
            "can_manage": _can(request, "expert.manage"),
            "can_contact": _can(request, "expert.contact"),
        },
    )


@capability_required("expert.view")
def expert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.expert_get(request.user, pk))


@require_POST
@capability_required("expert.view")
def expert_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the full phone once, in this response only; the view is audited by the service."""
    expert = selectors.expert_get(request.user, pk)
    try:
        phone = services.expert_contact_view(actor=request.user, expert=expert)
    except PermissionDeniedError as exc:
        raise PermissionDenied from exc
    response = _detail(request, expert, full_phone=phone)
    response["Cache-Control"] = "no-store"
    return response


def _expert_form(request: HttpRequest, expert: Any) -> HttpResponse:
    form = ExpertForm(request.POST or None, instance=expert, user=request.user)
    context = {"title": f"修改专家：{expert.name}" if expert else "新增专家", "expert": expert}
    if request.method != "POST":
        return render(request, "experts/expert_form.html", {**context, "form": form})
    status = 400
    if form.is_valid():

        def save() -> HttpResponse:
            saved = services.expert_save(
                actor=request.user, expert=expert, data=form.service_data, expected_version=form.expected_version
            )
            messages.success(request, f"专家“{saved.name}”已保存")
            return redirect("experts:detail", pk=saved.pk)

        try:
            return once.run_once(request, save)  # a double click on a new expert's 保存 makes one row
        except PermissionDeniedError as exc:
            raise PermissionDenied from exc
        except DomainError as exc:
            _add_service_error(form, exc)
            status = exc.status_code
    return render(request, "experts/expert_form.html", {**context, "form": form}, status=status)


@capability_required("expert.manage")
def expert_create(request: HttpRequest) -> HttpResponse:
    return _expert_form(request, None)


@login_required
def expert_edit(request: HttpRequest, pk: int) -> HttpResponse:
    expert = selectors.expert_get(request.user, pk)
    if not _can(request, "expert.manage"):
        raise PermissionDenied
    return _expert_form(request, expert)


# ---------------------------------------------------------------- Excel


def _expert_selection(user: Any, query: QueryDict) -> Selection:
    """The pool as filtered; phones masked unless the user holds expert.contact (now: a job checks again)."""
    filterset = ExpertFilterSet(query or None, queryset=selectors.experts_visible(user), user=user)
    queryset = filterset.qs
    with_contact = bool(user.can("expert.contact"))
    return Selection(
        rows=lambda: expert_rows(queryset, with_contact=with_contact),
        count=queryset.count,
        form=filterset.form,
        note="含完整联系电话" if with_contact else "联系电话已脱敏",
    )


EXPERT_EXPORT = ListExport(
    kind="expert.export",
    title="专家库",
    header=EXPORT_HEADERS,
    capability="expert.view",
    select=_expert_selection,
    path="jixiao.experts.views.EXPERT_EXPORT",
    sheet_name=SHEET_NAME,  # the import template's
)


@capability_required(EXPERT_EXPORT.capability)
def expert_export(request: HttpRequest) -> HttpResponse:
    """导出: the filtered pool, streamed when short (on a sheet named 专家库), a background job with a progress bar
    when long, CSV on request (core.list_exports); phones masked unless the user holds expert.contact, and the audit
    record says which. The file re-imports: each expert in the region its 财政区划编码 names (the importer's or one
    below it)."""
    return export_list(request, EXPERT_EXPORT, back=reverse("experts:list"))


@capability_required("expert.manage")
def expert_import(request: HttpRequest) -> HttpResponse:
    def apply(rows: list[Any]) -> HttpResponse:
        result = services.experts_import(actor=request.user, rows=rows)
        messages.success(
            request,
            f"导入成功：新增{result['created']}名专家，更新{result['updated']}名，{result['unchanged']}名无变化",
        )
        return redirect("experts:list")

    form = ExpertImportForm(request.POST or None, request.FILES or None)
    return workbook_import(
        request,
        form,
        template="experts/expert_import.html",
        errors_key=IMPORT_ERRORS_KEY,
        parse=parse_expert_workbook,
        apply=apply,
        check=lambda rows: services.experts_import_errors(actor=request.user, rows=rows),
    )


@capability_required("expert.manage")
def expert_import_errors(request: HttpRequest) -> HttpResponse:
    return import_errors_download(request, IMPORT_ERRORS_KEY, "专家导入错误报告.xlsx")


@capability_required("expert.manage")
def expert_import_template(request: HttpRequest) -> HttpResponse:
    return xlsx_response(template_workbook(), "专家导入模板.xlsx")


# ---------------------------------------------------------------- panel draws


@capability_required("expert.view")
def draw_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "experts/draw_list.html",
        {
            "page": paginate(request, selectors.draws_visible(request.user)),
            "can_manage": _can(request, "expert.manage"),
        },
    )


@capability_required("expert.manage")
def draw_create(request: HttpRequest) -> HttpResponse:
    form = PanelDrawForm(request.POST or None, user=request.user)
    if request.method != "POST":
        return render(request, "experts/draw_form.html", {"form": form, "title": "抽取专家"})
    if form.is_valid():
        data = form.cleaned_data

        def draw_panel() -> HttpResponse:
            draw = services.panel_draw(
                actor=request.user,
                purpose=data["purpose"],
                field=data["field"] or None,
                size=data["size"],
                avoid_department=data["avoid_department"],
            )
            messages.success(request, f"已抽取{len(draw.drawn_ids)}名专家")
            return redirect("experts:draw_detail", pk=draw.pk)

        try:
            return once.run_once(request, draw_panel)  # a double click on 抽取 draws once, not twice
        except PermissionDeniedError as exc:
            raise PermissionDenied from exc
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(request, "experts/draw_form.html", {"form": form, "title": "抽取专家"}, status=400)


@capability_required("expert.view")
def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    draw = selectors.draw_get(request.user, pk)
    eligible, excluded = selectors.draw_pool(draw)
    return render(
        request,
        "experts/draw_detail.html",
        {
            "draw": draw,
            "eligible": eligible,
            "excluded": excluded,
            "drawn": selectors.draw_experts(draw),
            "verified": services.panel_draw_verify(draw),
        },
    )


# ---------------------------------------------------------------- third-party agencies


@capability_required("expert.manage")
def agency_list(request: HttpRequest) -> HttpResponse:
    agencies = selectors.agencies_visible(request.user)
    return render(request, "experts/agency_list.html", {"page": paginate(request, agencies)})


def _agency_form(request: HttpRequest, agency: Any) -> HttpResponse:
    form = AgencyForm(request.POST or None, instance=agency, user=request.user)
    context = {"title": f"修改第三方机构：{agency.name}" if agency else "新增第三方机构", "agency": agency}
    if request.method != "POST":
        return render(request, "experts/agency_form.html", {**context, "form": form})
    status = 400
    if form.is_valid():

        def save() -> HttpResponse:
            saved = services.agency_save(
                actor=request.user, agency=agency, data=form.service_data, expected_version=form.expected_version
            )
            messages.success(request, f"第三方机构“{saved.name}”已保存")
            return redirect("experts:agency_list")

        try:
            return once.run_once(request, save)  # a double click on a new agency's 保存 makes one row
        except PermissionDeniedError as exc:
            raise PermissionDenied from exc
        except DomainError as exc:
            _add_service_error(form, exc)
            status = exc.status_code
    return render(request, "experts/agency_form.html", {**context, "form": form}, status=status)


@capability_required("expert.manage")
def agency_create(request: HttpRequest) -> HttpResponse:
    return _agency_form(request, None)


@capability_required("expert.manage")
def agency_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _agency_form(request, selectors.agency_get(request.user, pk))


@capability_required("expert.manage")
def agency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The agency page: its engagements and its quality reviews across the years."""
    agency = selectors.agency_get(request.user, pk)
    context = {
        "agency": agency,
        "engagements": selectors.agency_engagements(agency),
        "reviews": selectors.agency_reviews(agency),
        "aspects": [label for _code, label in QUALITY_ASPECTS],
        "can_review": _can(request, "engagement.manage"),
    }
    return render(request, "experts/agency_detail.html", context)


# ---------------------------------------------------------------- engagements (委托)


def _countdown(engagement: Engagement) -> tuple[int, str] | None:
    """The deadline counted down while the agency still owes its deliverables (还剩3天 / 今天截止 / 已逾期2天)."""
    if engagement.status != Engagement.Status.ACTIVE or engagement.deadline is None:
        return None
    return countdown(engagement.deadline)


@capability_required("engagement.view")
def engagement_list(request: HttpRequest) -> HttpResponse:
    form = EngagementFilterForm(request.GET or None)
    params = valid_filters(form)
    page = paginate(request, selectors.engagements_filtered(request.user, params))
    for engagement in page:
        engagement.countdown = _countdown(engagement)  # type: ignore[attr-defined]
    context = {
        "form": form,
        "page": page,
        "overdue": bool(params.get("overdue")),
        "can_manage": _can(request, "engagement.commission"),
    }
    return render(request, "experts/engagement_list.html", context)


def _engagement_form(request: HttpRequest, engagement: Engagement | None) -> HttpResponse:
    form = EngagementForm(request.POST or None, instance=engagement, user=request.user)
    title = f"修改委托：{engagement.title}" if engagement else "新增第三方委托"
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():

        def save() -> HttpResponse:
            saved = services.engagement_save(
                actor=request.user,
                engagement=engagement,
                data=form.service_data,
                expected_version=form.expected_version,
            )
            messages.success(request, "委托已保存")
            return redirect("experts:engagement_detail", pk=saved.pk)

        try:
            return once.run_once(request, save)  # a double click on a new engagement's 保存 makes one
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
    return render(request, "experts/engagement_form.html", {"form": form, "title": title}, status=status)


@capability_required("engagement.commission")
def engagement_create(request: HttpRequest) -> HttpResponse:
    return _engagement_form(request, None)


@capability_required("engagement.commission")
def engagement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _engagement_form(request, selectors.engagement_get(request.user, pk))


@capability_required("engagement.view")
def engagement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _engagement_detail(request, selectors.engagement_get(request.user, pk))


def _engagement_detail(
    request: HttpRequest,
    engagement: Engagement,
    *,
    status: int = 200,
    form: DeliverableForm | None = None,
    deliverable_error: str = "",
) -> HttpResponse:
    user: Any = request.user
    can_deliver = _can(request, "engagement.commission") or (
        _can(request, "engagement.deliver") and selectors.is_engagement_member(user, engagement)
    )
    context = {
        "engagement": engagement,
        "deliverables": selectors.engagement_deliverables(engagement),
        # Only the key evaluations the user may open (a department's engagement may be linked to finance's work).
        "key_evaluations": engagement.key_evaluations.visible_to(user),
        "can_manage": _can(request, "engagement.commission"),
        "can_deliver": can_deliver and engagement.status in (Engagement.Status.ACTIVE, Engagement.Status.DELIVERED),
        "form": form or DeliverableForm(),
        "deliverable_error": deliverable_error,
        "deadline_countdown": _countdown(engagement),
    }
    return render(request, "experts/engagement_detail.html", context, status=status)


@require_POST
@capability_required("engagement.view")
def engagement_deliver(request: HttpRequest, pk: int) -> HttpResponse:
    """A refused upload (no file, a wrong type, a 说明 too long, a closed engagement) is shown on the page with its
    4xx and the 说明 kept; nothing is stored."""
    engagement = selectors.engagement_get(request.user, pk)
    form = DeliverableForm(request.POST, request.FILES)
    if not form.is_valid():
        return _engagement_detail(request, engagement, status=400, form=form, deliverable_error=form.error_text())
    try:
        services.deliverable_add(
            actor=request.user, engagement=engagement, upload=form.cleaned_data["file"], note=form.cleaned_data["note"]
        )
    except DomainError as exc:
        return _engagement_detail(request, engagement, status=exc.status_code, form=form, deliverable_error=exc.message)
    messages.success(request, "委托成果已上传")
    return redirect("experts:engagement_detail", pk=pk)


@require_POST
@capability_required("engagement.commission")
def engagement_status(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = selectors.engagement_get(request.user, pk)
    try:
        changed = services.engagement_set_status(
            actor=request.user, engagement=engagement, status=request.POST.get("status", "")
        )
    except DomainError as exc:
        # Refused (closed meanwhile on another page): the page again with the reason and the refusal's status (409).
        messages.error(request, exc.message)
        return _engagement_detail(request, selectors.engagement_get(request.user, pk), status=exc.status_code)
    messages.success(request, f"委托{changed.get_status_display()}")  # 委托已验收 / 委托已终止
    return redirect("experts:engagement_detail", pk=pk)


@capability_required("engagement.view")
def deliverable_download(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = selectors.deliverable_get(request.user, pk, item_pk)
    return stored_file_response(
        item.file, item.original_name, opened=lambda: services.deliverable_opened(actor=request.user, item=item)
    )


# ---------------------------------------------------------------- quality reviews (执业质量核查)


@capability_required("engagement.manage")
def review_list(request: HttpRequest) -> HttpResponse:
    context = {
        "page": paginate(request, selectors.reviews_visible(request.user).order_by("-fiscal_year", "agency__name")),
        "aspects": [label for _code, label in QUALITY_ASPECTS],
    }
    return render(request, "experts/review_list.html", context)


@capability_required("engagement.manage")
def review_create(request: HttpRequest, pk: int) -> HttpResponse:
    agency = selectors.agency_get(request.user, pk)
    form = QualityReviewForm(request.POST or None, initial={"shown_at": timezone.now()})
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():

        def save() -> HttpResponse:
            review = services.quality_review_save(
                actor=request.user,
                agency=agency,
                fiscal_year=form.cleaned_data["fiscal_year"],
                scores=form.scores,
                note=form.cleaned_data["note"],
                shown_at=form.cleaned_data["shown_at"],
            )
            messages.success(request, f"执业质量核查已保存：{review.total}分，{review.get_grade_display()}")
            return redirect("experts:agency_detail", pk=agency.pk)

        try:
            return once.run_once(request, save)  # a double click on 保存 is sent to the agency, not to a 409
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
            if isinstance(exc, ConflictError):
                # The refusal showed the saved review: a second press replaces it on purpose.
                form.data = {**form.data.dict(), "shown_at": timezone.now().isoformat()}  # type: ignore[attr-defined]
    return render(request, "experts/review_form.html", {"form": form, "agency": agency}, status=status)
