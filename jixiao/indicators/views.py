"""指标库 pages: the library, item pages, proposals and review, Excel import/export, search-as-you-type."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jixiao.core import audit_labels, once
from jixiao.core.errors import DomainError, PermissionDeniedError
from jixiao.core.list_exports import ListExport, Selection, export_list
from jixiao.core.locking import typed_opinion
from jixiao.core.views_helpers import (
    capability_required,
    import_errors_download,
    paginate,
    search_response,
    workbook_import,
    xlsx_response,
)
from jixiao.indicators import selectors, services
from jixiao.indicators.exports import EXPORT_HEADERS, item_rows, template_workbook
from jixiao.indicators.filtersets import IndicatorItemFilterSet
from jixiao.indicators.forms import (
    FrameworkChoiceForm,
    HistoricalValueForm,
    ImportForm,
    IndicatorItemForm,
    TransitionForm,
    proposer_form,
)
from jixiao.indicators.imports import parse_indicator_workbook
from jixiao.indicators.models import IndicatorLibraryItem
from jixiao.indicators.workflow import INDICATOR_WORKFLOW, PROPOSER_TODO_STATES

IMPORT_ERRORS_KEY = "jixiao_indicator_import_errors"


def _filtered(request: HttpRequest) -> IndicatorItemFilterSet:
    # Always bound: an empty query still applies the default (approved items only).
    return IndicatorItemFilterSet(request.GET, queryset=selectors.items_visible(request.user), user=request.user)


def _can(request: HttpRequest, capability: str) -> bool:
    return bool(request.user.can(capability))  # type: ignore[union-attr]


@capability_required("indicator.view")
def library_list(request: HttpRequest) -> HttpResponse:
    filterset = _filtered(request)
    context = {"filter": filterset, "page": paginate(request, filterset.qs)}
    template = "indicators/_table.html" if request.htmx else "indicators/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _item_selection(user: Any, query: QueryDict) -> Selection:
    # Always bound: an empty query still applies the default (approved items only).
    filterset = IndicatorItemFilterSet(query, queryset=selectors.items_visible(user), user=user)
    queryset = filterset.qs
    return Selection(rows=lambda: item_rows(queryset), count=queryset.count, form=filterset.form)


INDICATOR_EXPORT = ListExport(
    kind="indicator.export",
    title="指标库",
    header=EXPORT_HEADERS,
    capability="indicator.export",
    select=_item_selection,
    path="jixiao.indicators.views.INDICATOR_EXPORT",
    sheet_name="指标库",  # the import template's
)


@capability_required(INDICATOR_EXPORT.capability)
def library_export(request: HttpRequest) -> HttpResponse:
    """导出: the filtered rows, streamed when short (on a sheet named 指标库, as the import template's), a background
    job with a progress bar when long, CSV on request (core.list_exports); every export audited with its conditions."""
    return export_list(request, INDICATOR_EXPORT, back=reverse("indicators:library_list"))


def _detail_page(
    request: HttpRequest,
    item: IndicatorLibraryItem,
    history_form: HistoricalValueForm | None = None,
    status: int = 200,
    *,
    typed_comment: str = "",
    pressed: str | None = None,
) -> HttpResponse:
    """The item page; `history_form` is a refused 历史值 entry, shown again with its errors and what was typed; a
    refused workflow step (`pressed`) keeps its opinion as typed, in the box or apart (`core.locking.typed_opinion`)."""
    actions = selectors.available_actions(request.user, item)
    context = {
        "item": item,
        "actions": actions,
        "can_edit": bool(services.editable_fields(request.user, item)),
        "can_record_history": _can(request, "indicator.manage"),
        "can_manage": selectors.manages_item(request.user, item),
        "history": selectors.historical_values(request.user, item)[:50],
        "history_form": history_form or HistoricalValueForm(initial={"fiscal_year": timezone.localdate().year - 1}),
        "events": selectors.item_events(item)[:50],
        "trail": audit_labels.for_trail(selectors.item_audit_trail(item, request.user)[:50]),
        **typed_opinion(typed_comment, pressed, actions),
    }
    return render(request, "indicators/detail.html", context, status=status)


@capability_required("indicator.view")
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, selectors.item_get(request.user, pk))


def _form_page(
    request: HttpRequest, form: IndicatorItemForm, save: Any, success_message: str, title: str, item: Any = None
) -> HttpResponse:
    """The item form. POST: save through the service; on success redirect to the item, else show the form again
    with its errors (400, or 409 when the service found the item changed since the page was shown)."""
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():

            def saved() -> HttpResponse:
                result = save(form.service_data, form.cleaned_data.get("version"))
                messages.success(request, success_message)
                return redirect("indicators:item_detail", pk=result.pk)

            try:
                return once.run_once(request, saved)  # a double click on 新增/申报's 保存 makes one item
            except PermissionDeniedError as exc:
                raise PermissionDenied from exc
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
    return render(request, "indicators/form.html", {"form": form, "title": title, "item": item}, status=status)


@capability_required("indicator.manage")
def item_create(request: HttpRequest) -> HttpResponse:
    form = IndicatorItemForm(request.POST or None, allowed=services.MANAGER_FIELDS)
    return _form_page(
        request,
        form,
        lambda data, _v: services.indicator_item_create(actor=request.user, data=data),
        "指标已加入指标库",
        "新增指标",
    )


@capability_required("indicator.propose")
def item_propose(request: HttpRequest) -> HttpResponse:
    form = proposer_form(request.POST or None)
    return _form_page(
        request,
        form,
        lambda data, _v: services.indicator_item_propose(actor=request.user, data=data),
        "指标申报已保存为草稿，请核对后提交审核",
        "申报新指标",
    )


@login_required
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_get(request.user, pk)
    allowed = services.editable_fields(request.user, item)
    if not allowed:
        raise PermissionDenied
    form = IndicatorItemForm(request.POST or None, instance=item, allowed=allowed)
    return _form_page(
        request,
        form,
        lambda data, version: services.indicator_item_update(
            actor=request.user, item=item, data=data, expected_version=version
        ),
        "修改已保存",
        f"修改指标：{item.name}",
        item,
    )


@require_POST
@login_required
def item_transition(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_get(request.user, pk)
    shown_in = item.status  # the state whose button was pressed
    form = TransitionForm(request.POST)
    typed = str(request.POST.get("comment", ""))[:1000]
    pressed = str(request.POST.get("action", ""))[:30]
    if not form.is_valid():
        messages.error(request, "操作无效，请刷新页面后重试")
        return _detail_page(request, item, status=400, typed_comment=typed, pressed=pressed)
    try:
        services.indicator_item_transition(
            actor=request.user,
            item=item,
            action=form.cleaned_data["action"],
            comment=form.cleaned_data["comment"],
            expected_version=form.cleaned_data["version"],
        )
    except DomainError as exc:
        # Refused (a step taken meanwhile, a page older than the item, a missing opinion): the page as it stands now
        # (its version the one shown, so a second press decides on what is seen), the reason and the opinion typed.
        return _refused_step(request, pk, exc, typed_comment=typed, pressed=pressed)
    messages.success(request, f"操作成功：{INDICATOR_WORKFLOW.action_label(form.cleaned_data['action'], shown_in)}")
    return redirect("indicators:item_detail", pk=pk)


def _refused_step(request: HttpRequest, pk: int, exc: DomainError, *, typed_comment: str, pressed: str) -> HttpResponse:
    messages.error(request, exc.message)
    item = selectors.item_get(request.user, pk)
    return _detail_page(request, item, status=exc.status_code, typed_comment=typed_comment, pressed=pressed)


@require_POST
@capability_required("indicator.manage")
def history_add(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_get(request.user, pk)
    form = HistoricalValueForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, item, form, status=400)
    try:
        services.historical_value_record(actor=request.user, item=item, **form.cleaned_data)
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _detail_page(request, item, form, status=exc.status_code)
    messages.success(request, "历史值已保存")
    return redirect("indicators:item_detail", pk=pk)


@capability_required("indicator.propose")
def proposals(request: HttpRequest) -> HttpResponse:
    tabs = [("", "全部"), *((s, IndicatorLibraryItem.Status(s).label) for s in PROPOSER_TODO_STATES)]
    status = request.GET.get("status", "")
    status = status if status in dict(tabs) else ""  # the tab shown is the filter applied
    page = paginate(request, selectors.proposals_for(request.user, status))
    context = {"page": page, "status": status, "tabs": tabs}
    return render(request, "indicators/proposals.html", context)


@capability_required("indicator.view")
def search_json(request: HttpRequest) -> JsonResponse:
    """Search-as-you-type for the target form: up to 20 approved, visible items."""
    params = request.GET
    items = selectors.items_search(
        request.user,
        params.get("q", "")[:100],
        lv1=params.get("lv1", "")[:50],
        lv2=params.get("lv2", "")[:50],
        framework=params.get("framework", "")[:20],
    )
    return search_response([_search_row(item) for item in items])


def _search_row(item: IndicatorLibraryItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "code": item.code,
        "name": item.name,
        "framework": item.framework.code,
        "lv1": item.lv1.name,
        "lv2": item.lv2.name,
        "operator": item.operator,
        "operator_label": item.get_operator_display(),
        "unit": item.unit,
        "typical_value": item.typical_value,
        "explanation": item.explanation,
        "scoring_standard": item.scoring_standard,
        "value_basis": item.value_basis,
        "is_common": item.is_common,
        "is_core": item.is_core,
        "category": item.category.name,
    }


@capability_required("indicator.view")
def frameworks(request: HttpRequest) -> HttpResponse:
    form = FrameworkChoiceForm(request.POST or None)
    if request.method == "POST":
        if not _can(request, "indicator.manage"):
            raise PermissionDenied
        if form.is_valid():
            try:
                services.framework_choice_set(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "指标体系适用设置已保存")
                return redirect("indicators:frameworks")
    membership: Any = request.user.active_membership  # type: ignore[union-attr]
    year = timezone.localdate().year
    context = {
        "frameworks": selectors.frameworks(),
        "current": selectors.framework_for(membership.region, year),
        "year": year,
        "choices": selectors.framework_choices(request.user),
        "form": form,
    }
    return render(request, "indicators/frameworks.html", context, status=400 if form.errors else 200)


@capability_required("indicator.import")
def library_import(request: HttpRequest) -> HttpResponse:
    def apply(rows: list[Any]) -> HttpResponse:
        result = services.indicator_items_import(actor=request.user, rows=rows)
        messages.success(
            request,
            f"导入成功：新增{result['created']}条指标，更新{result['updated']}条指标，{result['unchanged']}条未变更",
        )
        return redirect("indicators:library_list")

    form = ImportForm(request.POST or None, request.FILES or None)
    return workbook_import(
        request,
        form,
        template="indicators/import.html",
        errors_key=IMPORT_ERRORS_KEY,
        parse=parse_indicator_workbook,
        apply=apply,
        check=lambda rows: services.indicator_items_import_errors(actor=request.user, rows=rows),
    )


@capability_required("indicator.import")
def import_errors(request: HttpRequest) -> HttpResponse:
    return import_errors_download(request, IMPORT_ERRORS_KEY, "指标导入错误报告.xlsx")


@capability_required("indicator.import")
def import_template(request: HttpRequest) -> HttpResponse:
    return xlsx_response(template_workbook(selectors.categories(), selectors.lv2_nodes()), "指标库导入模板.xlsx")
