"""The public site (no login): published snapshots only, its own layout, cache-friendly, bounded queries.

Every page resolves the region and year through selectors that look only at PUBLISHED items: a region or year with
nothing published, an unknown item and anything not published (pending, under review, exempt, withdrawn) is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from jixiao.core.views_helpers import stored_file_response
from jixiao.disclosure import exports, selectors
from jixiao.disclosure.columns import DATASETS, SCHEMA_VERSION
from jixiao.disclosure.forms import PublicSearchForm
from jixiao.disclosure.models import Disclosure, ItemType

PUBLIC_MAX_AGE = 300
PAGE_SIZE = 20
TARGET_TYPES = (ItemType.TARGET_TABLE, ItemType.DEPT_OVERALL_TARGET)


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET/HEAD only; shared caches may keep the answer a few minutes (withdrawals show within PUBLIC_MAX_AGE)."""

    @require_safe
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.setdefault("Cache-Control", f"public, max-age={PUBLIC_MAX_AGE}")
        return response

    return wrapper


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _region_year(region_code: str, year: int) -> Any:
    region = selectors.public_region(region_code)
    selectors.public_year_check(region, year)
    return region


def _base(region: Any, year: int) -> dict[str, Any]:
    return {"region": region, "year": year, "datasets": DATASETS.values()}


@public_page
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "disclosure/public/index.html", {"regions": selectors.public_regions()})


@public_page
def year_home(request: HttpRequest, region_code: str, year: int) -> HttpResponse:
    region = _region_year(region_code, year)
    reports = selectors.public_items(region, year, (ItemType.KEY_EVAL_REPORT,))
    others = selectors.public_items(
        region, year, (ItemType.MONITOR_SUMMARY, ItemType.INDICATOR_LIBRARY, ItemType.AGRI_FUND_NOTICE)
    )
    counts = selectors.public_counts(region, year)
    context = {
        **_base(region, year),
        "counts": counts,
        "target_count": sum(counts.get(t, 0) for t in TARGET_TYPES),
        "withheld": selectors.withheld_count(region, year),
        "reports": list(reports[:PAGE_SIZE]),
        "others": list(others.defer("snapshot")[:PAGE_SIZE]),
    }
    return render(request, "disclosure/public/year.html", context)


def _search_list(
    request: HttpRequest,
    view: str,
    region_code: str,
    year: int,
    item_types: tuple[str, ...],
    extra: Callable[[Any, int], dict[str, Any]] | None = None,
) -> HttpResponse:
    """One public list with its search (关键词, 年度, 主管部门; the filters stay in the pager's links). Another 年度
    redirects to that year's list with the same filters (a 主管部门 with nothing published there is dropped);
    parameters that are not among the choices answer 400 with the reason in Chinese and an empty list."""
    region = selectors.public_region(region_code)
    years = selectors.public_years(region)
    if year not in years:
        raise Http404
    departments = selectors.public_departments(region, year, item_types)
    form = PublicSearchForm(request.GET, years=years, departments=departments, year=year)
    status = 200
    if not form.is_valid():
        status = 400
        page = _page(request, Disclosure.objects.none())
    else:
        data = form.cleaned_data
        if data["year"] is not None and data["year"] != year:
            return _other_year(request, view, region, data["year"], data["dept"], item_types)
        items = selectors.public_search(region, year, item_types, q=data["q"], department_id=data["dept"])
        page = _page(request, items)
    context = {**_base(region, year), "form": form, "page": page, "searching": status == 400 or form.searching}
    if extra is not None:
        context.update(extra(region, year))
    return render(request, f"disclosure/public/{view}.html", context, status=status)


def _other_year(
    request: HttpRequest, view: str, region: Any, year: int, dept: int | None, item_types: tuple[str, ...]
) -> HttpResponse:
    query = request.GET.copy()
    for name in ("page", "year"):
        query.pop(name, None)
    if dept is not None and dept not in {pk for pk, _ in selectors.public_departments(region, year, item_types)}:
        query.pop("dept", None)
    url = reverse(f"public:{view}", args=[region.mof_div_code, year])
    return redirect(f"{url}?{query.urlencode()}" if query else url)


@public_page
def targets(request: HttpRequest, region_code: str, year: int) -> HttpResponse:
    return _search_list(request, "targets", region_code, year, TARGET_TYPES)


@public_page
def self_evaluations(request: HttpRequest, region_code: str, year: int) -> HttpResponse:
    return _search_list(request, "self_evaluations", region_code, year, (ItemType.SELF_EVAL_REPORT,))


def _withheld(region: Any, year: int) -> dict[str, Any]:
    return {"withheld": selectors.withheld_count(region, year)}


@public_page
def reports(request: HttpRequest, region_code: str, year: int) -> HttpResponse:
    return _search_list(request, "reports", region_code, year, (ItemType.KEY_EVAL_REPORT,), _withheld)


@public_page
def item_detail(request: HttpRequest, region_code: str, year: int, public_id: str) -> HttpResponse:
    region = selectors.public_region(region_code)
    item = selectors.public_snapshot(selectors.public_item(region, year, public_id))
    return render(request, "disclosure/public/item.html", {**_base(region, year), "item": item, "s": item.snapshot})


@public_page
def item_file(request: HttpRequest, region_code: str, year: int, public_id: str) -> HttpResponse:
    region = selectors.public_region(region_code)
    item = selectors.public_item(region, year, public_id)
    return stored_file_response(item.snapshot_file, item.snapshot_file_name or "report")


def _file_url(region_code: str, year: int) -> Callable[[Disclosure], str]:
    def url(item: Disclosure) -> str:
        return reverse("public:item_file", args=[region_code, year, item.public_id])

    return url


@public_page
def open_data(request: HttpRequest, region_code: str, year: int, dataset: str, fmt: str) -> HttpResponse:
    spec = exports.dataset_or_none(dataset)
    if spec is None or fmt not in ("csv", "json"):
        raise Http404
    region = _region_year(region_code, year)
    items = selectors.public_items(region, year, spec.item_types)
    shown = (selectors.public_snapshot(item) for item in items.iterator(chunk_size=200))
    rows = exports.dataset_rows(spec, shown, _file_url(region.mof_div_code, year))
    filename = f"{region.mof_div_code}_{year}_{spec.name}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(exports.to_csv(spec, rows), content_type="text/csv; charset=utf-8")
    else:
        schema = request.build_absolute_uri(reverse("public:schema"))
        body = exports.to_json(spec, rows, region_code=region.mof_div_code, fiscal_year=year, schema_url=schema)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(fmt == "csv", filename) or "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@public_page
def schema(request: HttpRequest) -> HttpResponse:
    return render(request, "disclosure/public/schema.html", {"datasets": DATASETS.values(), "version": SCHEMA_VERSION})
