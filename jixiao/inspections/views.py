from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jixiao.core.forms import valid_filters
from jixiao.core.list_exports import ListExport, Selection, export_list
from jixiao.core.views_helpers import capability_required, form_page, paginate, xlsx_response
from jixiao.inspections import selectors, services
from jixiao.inspections.exports import HEADERS, coverage_xlsx, inspection_rows
from jixiao.inspections.forms import CoverageForm, FilterForm, InspectionForm
from jixiao.inspections.models import QUARTERS, Inspection
from jixiao.organizations.selectors import current_fiscal_year

COVERAGE_PAGE = 50


def _params(request: HttpRequest) -> tuple[FilterForm, dict[str, Any]]:
    return _filters(request.GET, request.user)


def _filters(query: QueryDict, user: Any) -> tuple[FilterForm, dict[str, Any]]:
    form = FilterForm(query or None, user=user)
    return form, valid_filters(form)


@capability_required("inspection.view")
def inspection_list(request: HttpRequest) -> HttpResponse:
    form, params = _params(request)
    queryset = selectors.inspections_filtered(request.user, params)
    context = {"form": form, "page": paginate(request, queryset), "query": request.GET.urlencode()}
    return render(request, "inspections/list.html", context)


def _inspection_selection(user: Any, query: QueryDict) -> Selection:
    form, params = _filters(query, user)
    queryset = selectors.inspections_filtered(user, params)
    return Selection(rows=lambda: inspection_rows(queryset), count=queryset.count, form=form)


INSPECTION_EXPORT = ListExport(
    kind="inspection.export",
    title="季度检查",
    header=HEADERS,
    capability="inspection.view",
    select=_inspection_selection,
    path="jixiao.inspections.views.INSPECTION_EXPORT",
)


@capability_required(INSPECTION_EXPORT.capability)
def inspection_export(request: HttpRequest) -> HttpResponse:
    """The list as filtered, every row, audited with its filter (core.list_exports): streamed, or a background job
    when long — never the whole list built in memory."""
    return export_list(request, INSPECTION_EXPORT, back=reverse("inspections:list"))


def _year() -> int:
    year = current_fiscal_year()
    return year.year if year is not None else timezone.localdate().year


@capability_required("inspection.view")
def inspection_coverage(request: HttpRequest) -> HttpResponse:
    """检查覆盖情况: each department to inspect × the four quarters of a year, with the quarter totals."""
    form = CoverageForm(request.GET or None)
    params = valid_filters(form)
    year = params.get("fiscal_year") or _year()
    quarter = params.get("quarter")
    departments = (
        selectors.unchecked_departments(request.user, year, quarter)
        if quarter and params.get("unchecked")
        else selectors.departments_to_inspect(request.user)
    )
    page = paginate(request, departments.select_related("finance_section"), COVERAGE_PAGE)
    context = {
        "form": form,
        "year": year,
        "quarter": quarter,
        "quarters": QUARTERS,
        "page": page,
        "rows": selectors.coverage(request.user, year, list(page.object_list)),
        "totals": selectors.coverage_totals(request.user, year),
        "can_record": request.user.can("inspection.record"),  # type: ignore[union-attr]
        # 登记 only for the bureau's own departments: a city reads its counties' grid, the counties record.
        "own_region_id": request.user.active_membership.region_id,  # type: ignore[union-attr]
    }
    return render(request, "inspections/coverage.html", context)


@capability_required("inspection.view")
def inspection_coverage_export(request: HttpRequest) -> HttpResponse:
    """检查覆盖情况表 (Excel): every department the page lists, all pages."""
    params = valid_filters(CoverageForm(request.GET or None))
    year = params.get("fiscal_year") or _year()
    departments = list(selectors.departments_to_inspect(request.user).select_related("finance_section"))
    rows = selectors.coverage(request.user, year, departments, every=True)
    content = coverage_xlsx(rows, year)
    services.coverage_exported(actor=request.user, fiscal_year=year)
    return xlsx_response(content, f"{year}年度检查覆盖情况.xlsx")


def _own(request: HttpRequest, pk: int) -> Inspection:
    """A row the user keeps: 404 when not visible, 403 for another region's checks (read-only here)."""
    inspection = selectors.inspection_get(request.user, pk)
    if not selectors.kept_by(request.user, inspection):
        raise PermissionDenied("这是其他财政区划的检查记录，只能查看，不能修改")
    return inspection


def _create_initial(request: HttpRequest) -> dict[str, Any]:
    """Today, the current quarter, and what the coverage page's 登记 link names (a department, a year, a quarter)."""
    now = selectors.current_quarter()
    initial: dict[str, Any] = {"inspected_on": timezone.localdate()}
    if now is not None:
        initial["fiscal_year"], initial["quarter"] = now
    for key in ("fiscal_year", "quarter", "department"):
        value = request.GET.get(key, "")
        if value.isascii() and value.isdigit() and len(value) <= 9:
            initial[key] = int(value)
    return initial


@capability_required("inspection.record")
def inspection_create(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        InspectionForm(request.POST or None, user=request.user, initial=_create_initial(request)),
        lambda data, _version: services.inspection_create(actor=request.user, data=data),
        template="inspections/form.html",
        context={"title": "登记季度检查"},
        success="检查记录已保存",
        done=lambda inspection: redirect("inspections:detail", pk=inspection.pk),
    )


@capability_required("inspection.record")
def inspection_edit(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _own(request, pk)
    initial = {f: getattr(inspection, f) for f in [*services.FIELDS, "version"]}
    return form_page(
        request,
        InspectionForm(request.POST or None, user=request.user, keep=inspection.department_id, initial=initial),
        lambda data, version: services.inspection_update(
            actor=request.user, inspection=inspection, data=data, version=version
        ),
        template="inspections/form.html",
        context={"inspection": inspection, "title": f"修改检查记录：{inspection.department.name}"},
        success="修改已保存",
        done=lambda _row: redirect("inspections:detail", pk=inspection.pk),
    )


@capability_required("inspection.view")
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.inspection_get(request.user, pk)
    # Its problems wait in 问题整改 → 待整改问题 (source 股室季度检查) until someone takes them up.
    can_register = inspection.has_problems and request.user.can("rectification.manage")  # type: ignore[union-attr]
    context = {
        "inspection": inspection,
        "can_manage": selectors.kept_by(request.user, inspection),
        "can_register": can_register,
    }
    return render(request, "inspections/detail.html", context)


@require_POST
@capability_required("inspection.record")
def inspection_delete(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _own(request, pk)
    services.inspection_delete(actor=request.user, inspection=inspection)
    messages.success(request, "检查记录已删除")
    return redirect("inspections:list")
