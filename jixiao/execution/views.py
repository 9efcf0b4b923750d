from __future__ import annotations

import calendar
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from jixiao.core import audit
from jixiao.core.jobs import job_start, store_upload
from jixiao.core.list_exports import ListExport, Selection, export_list
from jixiao.core.money import CENT
from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR
from jixiao.core.streaming import stream_xlsx
from jixiao.core.views_helpers import capability_required, paginate, xlsx_response
from jixiao.execution import selectors
from jixiao.execution.exports import EXPORT_HEADERS, payment_rows, template_workbook
from jixiao.execution.filtersets import PaymentFilterSet
from jixiao.execution.forms import PaymentImportForm

IMPORT_JOB = "jixiao.execution.imports.run_payment_import_job"


def _filtered(request: HttpRequest) -> tuple[PaymentFilterSet, Any]:
    filterset = PaymentFilterSet(request.GET or None, queryset=selectors.payment_list(request.user), user=request.user)
    return filterset, filterset.qs


@capability_required("execution.view")
def payment_list(request: HttpRequest) -> HttpResponse:
    filterset, payments = _filtered(request)
    cleaned = filterset.form.cleaned_data if filterset.is_bound else {}
    totals = selectors.payment_list_totals(request.user, payments, cleaned)
    project = selectors.filtered_project(request.user, cleaned.get("project"))
    without_project = request.GET.copy()
    without_project.pop("project", None)
    without_project.pop("page", None)
    context = {
        "filter": filterset,
        "project": project,
        "without_project": without_project.urlencode(),
        "page": paginate(request, payments, count=totals["count"]),
        "totals": totals,
        "query": request.GET.urlencode(),
    }
    return render(request, "execution/payment_list.html", context)


def _payment_selection(user: Any, query: QueryDict) -> Selection:
    filterset = PaymentFilterSet(query or None, queryset=selectors.payment_list(user), user=user)
    payments = filterset.qs
    return Selection(rows=lambda: payment_rows(payments), count=payments.count, form=filterset.form)


PAYMENT_EXPORT = ListExport(
    kind="payment.export",
    title="支付数据",
    header=EXPORT_HEADERS,
    capability="execution.view",
    select=_payment_selection,
    path="jixiao.execution.views.PAYMENT_EXPORT",
    noun="笔支付",
)


@capability_required(PAYMENT_EXPORT.capability)
def payment_export(request: HttpRequest) -> HttpResponse:
    """导出: streamed when short (or as CSV), a background job with a progress bar when long (core.list_exports);
    nothing is cut off (an xlsx beyond a sheet's rows is refused by the job: export CSV)."""
    return export_list(request, PAYMENT_EXPORT, back=reverse("execution:payment_list"))


@capability_required("execution.import")
def payment_import(request: HttpRequest) -> HttpResponse:
    form = PaymentImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            membership: Any = request.user.active_membership  # type: ignore[union-attr]
            region = membership.region
            job = job_start(
                request.user,
                "execution.payment_import",
                IMPORT_JOB,
                title=f"导入支付数据：{upload.name}"[:200],
                region_code=region.mof_div_code,
                stored=store_upload(upload),
                file_name=upload.name[:200],
                region_id=region.pk,
                membership_id=membership.pk,
            )
            return redirect(f"{reverse('core:job_detail', args=[job.pk])}?back={reverse('execution:import')}")
        status = 400
    context = {"form": form, "history": paginate(request, selectors.import_history(request.user), per_page=10)}
    return render(request, "execution/import.html", context, status=status)


@capability_required("execution.import")
def payment_import_template(request: HttpRequest) -> HttpResponse:
    region = request.user.active_membership.region  # type: ignore[union-attr]
    return xlsx_response(template_workbook(region.mof_div_code), "支付数据导入模板.xlsx")


ANALYSIS_SORTS = {"budget": "资金规模", "rate": "执行率由低到高"}


def analysis_header(month: int) -> list[str]:
    """The download's header, naming the months paid as the page does (“1—6月支付”, not a bare 已支付)."""
    return ["主管部门", "预算（万元）", f"1—{month}月支付（万元）", "执行率（%）", "与序时进度差（百分点）"]


@capability_required("execution.view")
def analysis(request: HttpRequest) -> HttpResponse:
    """执行进度分析: execution by month and by 主管部门 against 序时进度, with drill-down to the payments. The
    department table is paged (a province has thousands) and sortable; `?format=xlsx` downloads all of it."""
    today = timezone.localdate()
    year = _int(request.GET.get("year"), today.year, FIRST_YEAR, LAST_YEAR)
    month = _int(request.GET.get("month"), today.month if year == today.year else 12, 1, 12)
    sort = request.GET.get("sort") if request.GET.get("sort") in ANALYSIS_SORTS else "budget"
    data = selectors.execution_analysis(request.user, year, month)
    departments = data["departments"]  # largest budget first
    if request.GET.get("format") == "xlsx":
        audit.record(actor=request.user, event_type="execution.analysis_export", reason=f"{year}年1—{month}月")
        rows = (
            (r["department"], _wan(r["budget"]), _wan(r["executed"]), _percent(r["rate"]), _percent(r["gap"]))
            for r in (selectors.lagging_departments(departments) if sort == "rate" else departments)
        )
        filename = f"{year}年1—{month}月预算执行进度分析.xlsx"
        return stream_xlsx(rows, analysis_header(month), filename, sheet_name="执行进度")  # type: ignore[return-value]
    lagging = selectors.lagging_departments(departments)
    chart = {
        "months": data["months"],
        "cumulative": [str(v) for v in data["cumulative"]],
        "budget": str(data["budget"]),
        "departments": [r["department"] for r in lagging[: selectors.CHART_DEPARTMENTS]],
        "rates": [str(_percent(r["rate"])) for r in lagging[: selectors.CHART_DEPARTMENTS]],
        "time_progress": str(_percent(data["time_progress"])),
    }
    context = {
        "data": data,
        "chart": chart,
        "chart_count": len(chart["departments"]),
        "page": paginate(request, lagging if sort == "rate" else departments, per_page=50),
        "sort": sort,
        "sorts": ANALYSIS_SORTS,
        "year": year,
        "month": month,
        # 支付明细 lists the department's payments to the same month end as the row's figure (December: the year).
        "month_end": date(year, month, calendar.monthrange(year, month)[1]) if month < 12 else None,
        "month_choices": range(1, 13),
    }
    return render(request, "execution/analysis.html", context)


def _wan(yuan: Decimal) -> Decimal:
    return (yuan / 10000).quantize(CENT, rounding=ROUND_HALF_UP)


def _percent(rate: Decimal) -> Decimal:
    return (rate * 100).quantize(CENT, rounding=ROUND_HALF_UP)


def _int(value: Any, default: int, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if low <= number <= high else default
