"""Organisation pages: the unit tree, regions and sections, departments, units (with Excel) and fiscal years."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jixiao.core import once
from jixiao.core.errors import DomainError, PermissionDeniedError
from jixiao.core.list_exports import ListExport, Selection, export_list
from jixiao.core.numbers import id_or_none
from jixiao.core.text import CONTROL_CHARS
from jixiao.core.views_helpers import (
    capability_required,
    import_errors_download,
    paginate,
    search_response,
    workbook_import,
    xlsx_response,
)
from jixiao.organizations import selectors, services
from jixiao.organizations.exports import EXPORT_HEADERS, SHEET_NAME, template_workbook, unit_rows
from jixiao.organizations.filtersets import DepartmentFilterSet, UnitFilterSet
from jixiao.organizations.forms import (
    DepartmentForm,
    FiscalYearActionForm,
    FiscalYearForm,
    RegionForm,
    SectionForm,
    UnitForm,
    UnitImportForm,
    VersionedForm,
)
from jixiao.organizations.imports import parse_unit_workbook

IMPORT_ERRORS_KEY = "jixiao_unit_import_errors"


def _can(request: HttpRequest, capability: str) -> bool:
    return bool(request.user.can(capability))  # type: ignore[union-attr]


def _require(request: HttpRequest, capability: str) -> None:
    if not _can(request, capability):
        raise PermissionDenied


def _add_service_error(form: forms.BaseForm, exc: DomainError) -> None:
    field_errors = getattr(exc, "field_errors", None) or {NON_FIELD_ERRORS: [exc.message]}
    for name, errors in field_errors.items():
        target = name if name in form.fields else None
        for error in errors:
            form.add_error(target, error)


def _form_page(
    request: HttpRequest,
    form: VersionedForm,
    save: Callable[[dict[str, Any], int | None], Any],
    *,
    template: str,
    context: dict[str, Any],
    success: Callable[[Any], tuple[str, HttpResponse]],
) -> HttpResponse:
    """GET shows the form; POST saves through the service or re-renders with Chinese errors (HTTP 400, or 409 when
    the row changed since the page was shown). A create page's form carries `{% submit_once %}` (core.once)."""
    if request.method == "POST":
        status = 400
        if form.is_valid():

            def saved() -> HttpResponse:
                message, response = success(save(form.service_data, form.expected_version))
                messages.success(request, message)
                return response

            try:
                return once.run_once(request, saved)  # a create page's double click makes one row (its token)
            except PermissionDeniedError as exc:
                raise PermissionDenied from exc
            except DomainError as exc:
                _add_service_error(form, exc)
                status = exc.status_code
        return render(request, template, {**context, "form": form}, status=status)
    return render(request, template, {**context, "form": form})


# ---------------------------------------------------------------- unit tree


@capability_required("org.view")
def unit_tree(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    regions = selectors.department_regions(request.user)
    region = selectors.pick_region(regions, request.GET.get("region", ""))  # a province has 80,000 units
    tree = selectors.unit_tree(request.user, query, region)
    return render(
        request,
        "organizations/tree.html",
        {
            "tree": tree,
            "q": query,
            "regions": regions if region is not None else [],
            "region": region,
            "department_total": len(tree),
            "unit_total": sum(1 + node.descendant_count for d in tree for node in d.units),
            "expand": bool(query) or len(tree) == 1,
            "can_manage": _can(request, "org.manage"),
        },
    )


# ---------------------------------------------------------------- regions and sections


@capability_required("org.view")
def region_list(request: HttpRequest) -> HttpResponse:
    regions = selectors.section_regions(request.user)
    region = selectors.pick_region(regions, request.GET.get("region", ""))  # one finance bureau at a time
    sections = list(selectors.sections_with_departments(request.user, region))
    rows = selectors.region_rows(request.user)
    by_region: dict[int, list[Any]] = {}
    for section in sections:
        by_region.setdefault(section.region_id, []).append(section)
    return render(
        request,
        "organizations/region_list.html",
        {
            "region_rows": rows,
            "section_groups": [(r["region"], by_region[r["region"].pk]) for r in rows if r["region"].pk in by_region],
            "section_region_ids": {r.pk for r in regions} if region is not None else set(),
            "region": region,
            "can_manage": _can(request, "org.manage"),
        },
    )


def _region_form(request: HttpRequest, region: Any) -> HttpResponse:
    form = RegionForm(request.POST or None, instance=region, user=request.user)
    return _form_page(
        request,
        form,
        lambda data, version: services.region_save(
            actor=request.user, region=region, data=data, expected_version=version
        ),
        template="organizations/region_form.html",
        context={"title": f"修改财政区划：{region.name}" if region else "新增财政区划", "region": region},
        success=lambda saved: (f"财政区划“{saved.name}”已保存", redirect("organizations:region_list")),
    )


@capability_required("org.manage")
def region_create(request: HttpRequest) -> HttpResponse:
    return _region_form(request, None)


@login_required
def region_edit(request: HttpRequest, pk: int) -> HttpResponse:
    region = selectors.region_get(request.user, pk)
    _require(request, "org.manage")
    return _region_form(request, region)


def _section_form(request: HttpRequest, section: Any) -> HttpResponse:
    form = SectionForm(request.POST or None, instance=section, user=request.user)
    return _form_page(
        request,
        form,
        lambda data, version: services.section_save(
            actor=request.user, section=section, data=data, expected_version=version
        ),
        template="organizations/section_form.html",
        context={"title": f"修改股室：{section.name}" if section else "新增股室", "section": section},
        success=lambda saved: (f"股室“{saved.name}”已保存", redirect("organizations:region_list")),
    )


@capability_required("org.manage")
def section_create(request: HttpRequest) -> HttpResponse:
    return _section_form(request, None)


@login_required
def section_edit(request: HttpRequest, pk: int) -> HttpResponse:
    section = selectors.section_get(request.user, pk)
    _require(request, "org.manage")
    return _section_form(request, section)


# ---------------------------------------------------------------- departments


@capability_required("org.view")
def department_list(request: HttpRequest) -> HttpResponse:
    filterset = DepartmentFilterSet(
        request.GET or None, queryset=selectors.departments_visible(request.user), user=request.user
    )
    return render(
        request,
        "organizations/department_list.html",
        {"filter": filterset, "page": paginate(request, filterset.qs), "can_manage": _can(request, "org.manage")},
    )


@capability_required("org.view")
def department_detail(request: HttpRequest, pk: int) -> HttpResponse:
    department = selectors.department_get(request.user, pk)
    return render(
        request,
        "organizations/department_detail.html",
        {
            "department": department,
            "units": selectors.department_units(request.user, department),
            "can_manage": _can(request, "org.manage"),
        },
    )


def _department_form(request: HttpRequest, department: Any) -> HttpResponse:
    form = DepartmentForm(request.POST or None, instance=department, user=request.user)
    return _form_page(
        request,
        form,
        lambda data, version: services.department_save(
            actor=request.user, department=department, data=data, expected_version=version
        ),
        template="organizations/department_form.html",
        context={
            "title": f"修改主管部门：{department.name}" if department else "新增主管部门",
            "department": department,
        },
        success=lambda saved: (
            f"主管部门“{saved.name}”已保存",
            redirect("organizations:department_detail", pk=saved.pk),
        ),
    )


@capability_required("org.manage")
def department_create(request: HttpRequest) -> HttpResponse:
    return _department_form(request, None)


@login_required
def department_edit(request: HttpRequest, pk: int) -> HttpResponse:
    department = selectors.department_get(request.user, pk)
    _require(request, "org.manage")
    return _department_form(request, department)


# ---------------------------------------------------------------- units


def _unit_filter(request: HttpRequest) -> UnitFilterSet:
    return UnitFilterSet(request.GET or None, queryset=selectors.units_visible(request.user), user=request.user)


@capability_required("org.view")
def unit_list(request: HttpRequest) -> HttpResponse:
    filterset = _unit_filter(request)
    return render(
        request,
        "organizations/unit_list.html",
        {
            "filter": filterset,
            "page": paginate(request, filterset.qs),
            "can_manage": _can(request, "org.manage"),
            "can_import": _can(request, "org.import"),
            "can_export": _can(request, "org.export"),
        },
    )


@capability_required("org.view")
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_get(request.user, pk)
    return render(
        request,
        "organizations/unit_detail.html",
        {
            "unit": unit,
            "children": selectors.unit_children(request.user, unit),
            "can_manage": _can(request, "org.manage"),
        },
    )


def _unit_form(request: HttpRequest, unit: Any) -> HttpResponse:
    form = UnitForm(request.POST or None, instance=unit, user=request.user)
    if unit is None and request.method == "GET":
        form.initial.setdefault("department", request.GET.get("department"))
        form.initial.setdefault("parent", request.GET.get("parent"))
    return _form_page(
        request,
        form,
        lambda data, version: services.unit_save(actor=request.user, unit=unit, data=data, expected_version=version),
        template="organizations/unit_form.html",
        context={"title": f"修改预算单位：{unit.name}" if unit else "新增预算单位", "unit": unit},
        success=lambda saved: (f"预算单位“{saved.name}”已保存", redirect("organizations:unit_detail", pk=saved.pk)),
    )


@capability_required("org.manage")
def unit_create(request: HttpRequest) -> HttpResponse:
    return _unit_form(request, None)


@login_required
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_get(request.user, pk)
    _require(request, "org.manage")
    return _unit_form(request, unit)


def _unit_selection(user: Any, query: QueryDict) -> Selection:
    filterset = UnitFilterSet(query or None, queryset=selectors.units_visible(user), user=user)
    queryset = filterset.qs
    return Selection(rows=lambda: unit_rows(queryset), count=queryset.count, form=filterset.form)


UNIT_EXPORT = ListExport(
    kind="unit.export",
    title="预算单位",
    header=EXPORT_HEADERS,
    capability="org.export",
    select=_unit_selection,
    path="jixiao.organizations.views.UNIT_EXPORT",
    sheet_name=SHEET_NAME,  # the import template's
)


@capability_required(UNIT_EXPORT.capability)
def unit_export(request: HttpRequest) -> HttpResponse:
    """导出: the filtered units, streamed when short (on a sheet named 预算单位), a background job with a progress bar
    when long (a province's ~80,000 units), CSV on request (core.list_exports); every export audited with its
    conditions. The file re-imports: each row in the region its 财政区划编码 names (the importer's or one below it)."""
    return export_list(request, UNIT_EXPORT, back=reverse("organizations:unit_list"))


@capability_required("org.import")
def unit_import(request: HttpRequest) -> HttpResponse:
    def apply(rows: list[Any]) -> HttpResponse:
        region = selectors.actor_region(request.user)
        result = services.units_import(actor=request.user, region=region, rows=rows)  # type: ignore[arg-type]
        messages.success(
            request,
            f"导入成功：新增{result['created']}个单位，更新{result['updated']}个单位，{result['unchanged']}个单位无变化",
        )
        return redirect("organizations:unit_list")

    form = UnitImportForm(request.POST or None, request.FILES or None)
    return workbook_import(
        request,
        form,
        template="organizations/unit_import.html",
        errors_key=IMPORT_ERRORS_KEY,
        parse=parse_unit_workbook,
        apply=apply,
        check=lambda rows: services.units_import_errors(
            actor=request.user,
            region=selectors.actor_region(request.user),  # type: ignore[arg-type]
            rows=rows,
        ),
    )


@capability_required("org.import")
def unit_import_errors(request: HttpRequest) -> HttpResponse:
    return import_errors_download(request, IMPORT_ERRORS_KEY, "预算单位导入错误报告.xlsx")


@capability_required("org.import")
def unit_import_template(request: HttpRequest) -> HttpResponse:
    return xlsx_response(template_workbook(), "预算单位导入模板.xlsx")


# ---------------------------------------------------------------- fiscal years


def _year_page(request: HttpRequest, form: FiscalYearForm, status: int = 200) -> HttpResponse:
    context = {
        "years": selectors.fiscal_years(),
        "form": form,
        "can_manage": selectors.manages_fiscal_years(request.user),
        "manager_region": selectors.fiscal_year_manager_region(),
    }
    return render(request, "organizations/year_list.html", context, status=status)


@capability_required("fiscal_year.manage")
def year_list(request: HttpRequest) -> HttpResponse:
    return _year_page(request, FiscalYearForm())


@require_POST
@capability_required("fiscal_year.manage")
def year_save(request: HttpRequest) -> HttpResponse:
    """Add a year, or (with `action`) set the current year and open or close a year."""
    if "action" in request.POST:
        action_form = FiscalYearActionForm(request.POST)
        if not action_form.is_valid():
            messages.error(request, "操作无效")
            return redirect("organizations:year_list")
        fiscal_year = selectors.fiscal_year_get(action_form.cleaned_data["year"])
        action = action_form.cleaned_data["action"]
        try:
            if action == "set_current":
                services.fiscal_year_set_current(actor=request.user, fiscal_year=fiscal_year)
                messages.success(request, f"已将{fiscal_year.year}年度设为当前年度")
            else:
                services.fiscal_year_set_open(actor=request.user, fiscal_year=fiscal_year, is_open=action == "open")
                messages.success(request, f"{fiscal_year.year}年度已{'开放' if action == 'open' else '关闭'}填报")
        except DomainError as exc:
            messages.error(request, exc.message)
            return _year_page(request, FiscalYearForm(), status=exc.status_code)
        return redirect("organizations:year_list")
    form = FiscalYearForm(request.POST)
    if form.is_valid():
        try:
            fiscal_year = services.fiscal_year_create(actor=request.user, **form.cleaned_data)
        except PermissionDeniedError as exc:
            messages.error(request, exc.message)  # the page then has no 新增年度 form to show it in
            return _year_page(request, form, status=exc.status_code)
        except DomainError as exc:
            _add_service_error(form, exc)
            return _year_page(request, form, status=exc.status_code)
        messages.success(request, f"已新增{fiscal_year.year}年度")
        return redirect("organizations:year_list")
    return _year_page(request, form, status=400)


# ---------------------------------------------------------------- search-as-you-type for list filters


def _search_query(request: HttpRequest) -> str:
    """The typed text without control characters (a NUL reaches `icontains`: PostgreSQL refuses it, a 500)."""
    return CONTROL_CHARS.sub("", request.GET.get("q", ""))[:50]


@login_required
def department_autocomplete(request: HttpRequest) -> JsonResponse:
    """The first 20 visible 主管部门 matching `q` (any list filter; the scope decides what is found)."""
    return search_response(selectors.departments_search(request.user, _search_query(request)))


@login_required
def section_autocomplete(request: HttpRequest) -> JsonResponse:
    """The first 20 visible 业务股室 matching `q` (the 主管部门 list's 对口股室 filter; none without `org.view`)."""
    return search_response(selectors.sections_search(request.user, _search_query(request)))


@login_required
def unit_autocomplete(request: HttpRequest) -> JsonResponse:
    """The first 20 visible 预算单位 matching `q`, optionally within one `department`, or only those that may be a
    parent (`parents=1`)."""
    department_id = id_or_none(request.GET.get("department", ""))
    parents_only = request.GET.get("parents") == "1"
    query = _search_query(request)
    return search_response(
        selectors.units_search(request.user, query, department_id=department_id, parents_only=parents_only)
    )
