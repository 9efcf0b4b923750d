from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jixiao.core.views_helpers import capability_required, paginate
from jixiao.organizations import selectors


@capability_required("org.view")
def unit_tree(request: HttpRequest) -> HttpResponse:
    return render(request, "organizations/tree.html", {"tree": selectors.unit_tree(request.user)})


@capability_required("org.view")
def region_list(request: HttpRequest) -> HttpResponse:
    return render(request, "organizations/region_list.html", {
        "regions": selectors.regions_visible(request.user), "sections": selectors.sections_visible(request.user)})


@capability_required("org.view")
def department_list(request: HttpRequest) -> HttpResponse:
    return render(request, "organizations/department_list.html",
                  {"page": paginate(request, selectors.departments_visible(request.user))})


@capability_required("org.view")
def unit_list(request: HttpRequest) -> HttpResponse:
    return render(request, "organizations/unit_list.html",
                  {"page": paginate(request, selectors.units_visible(request.user))})


@capability_required("fiscal_year.manage")
def year_list(request: HttpRequest) -> HttpResponse:
    return render(request, "organizations/year_list.html", {"years": selectors.fiscal_years()})
