"""Pages of the reports stage: the dashboard and the annual work summary."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jixiao.core.db_router import reads_from_replica
from jixiao.core.errors import DomainError
from jixiao.core.jobs import (
    job_attach_page,
    job_identity,
    job_progress,
    job_start_as_current,
    job_summarize,
    redirect_to_job,
)
from jixiao.core.models import Job
from jixiao.core.numbers import year_or_none
from jixiao.core.views_helpers import capability_required, docx_response, may_open
from jixiao.reports import selectors, services
from jixiao.reports.forms import EditForm, GenerateForm
from jixiao.reports.models import AnnualReport
from jixiao.reports.narrative import key_evaluation_reports, outline
from jixiao.reports.statistics import in_catalogue_order


def _year(request: HttpRequest) -> int:
    year = year_or_none(request.GET.get("year", ""))
    return year if year is not None else timezone.localdate().year


@capability_required("reports.view")
@reads_from_replica
def dashboard(request: HttpRequest) -> HttpResponse:
    """领导驾驶舱: every number links to the list behind it, scoped to the viewer."""
    today = timezone.localdate()
    year = _year(request)
    panels = selectors.dashboard(request.user, year, today)
    _drop_closed_links(request.user, panels)
    context = {
        "year": year,
        "years": selectors.year_choices(today, year),
        "panels": {p.key: p for p in panels},
        "chart": selectors.chart_data(panels),
    }
    return render(request, "reports/dashboard.html", context)


def _drop_closed_links(user: Any, panels: list[selectors.Panel]) -> None:
    """Blank the links of the panels (cells, and the URLs of their rows) that this viewer may not open: the number is
    shown without a link to a list the viewer has no page for."""

    opens: dict[str, bool] = {}  # a dozen list pages behind ~60 links: each path resolved once

    def keep(url: Any) -> Any:
        if not isinstance(url, str) or not url:
            return url
        path = url.split("?", 1)[0]
        if path not in opens:
            opens[path] = may_open(user, path)
        return url if opens[path] else ""

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: keep(v) if k.endswith("url") else walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    for panel in panels:
        for cell in panel.cells:
            cell.url = keep(cell.url)
        panel.extra = walk(panel.extra)


@capability_required("reports.view_annual")
def annual_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = GenerateForm(initial={"work_year": timezone.localdate().year, "kind": AnnualReport.Kind.UPWARD})
    context = {
        "reports": selectors.annual_reports_visible(user),
        "form": form,
        "can_generate": user.can("reports.annual"),
    }
    return render(request, "reports/annual_list.html", context)


@require_POST
@capability_required("reports.annual")
def annual_generate(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = GenerateForm(request.POST)
    if not form.is_valid():
        context = {"reports": selectors.annual_reports_visible(user), "form": form, "can_generate": True}
        return render(request, "reports/annual_list.html", context, status=400)
    data = form.cleaned_data
    try:
        services.annual_report_check_generate(actor=user, work_year=data["work_year"], kind=data["kind"])
    except DomainError as exc:
        messages.error(request, exc.message)
        context = {"reports": selectors.annual_reports_visible(user), "form": form, "can_generate": True}
        return render(request, "reports/annual_list.html", context, status=exc.status_code)
    self_score = data.get("self_score")
    job = job_start_as_current(
        request,
        "reports.annual_generate",
        GENERATE_JOB,
        title=f"生成{data['work_year']}年度{AnnualReport.Kind(data['kind']).label}",
        work_year=data["work_year"],
        fiscal_year=data.get("fiscal_year"),
        report_kind=data["kind"],
        self_score=str(self_score) if self_score is not None else None,
        overwrite=bool(data.get("overwrite")),
    )
    return redirect_to_job(job, reverse("reports:annual_list"))


GENERATE_JOB = "jixiao.reports.views.annual_generate_job"


def annual_generate_job(
    job: Job,
    *,
    membership_id: int | None,
    work_year: int,
    fiscal_year: int | None,
    report_kind: str,
    self_score: str | None,
    overwrite: bool,
) -> None:
    """The background half of `annual_generate`: every §2.9 figure of the region, computed as the job's owner."""
    user = job_identity(job, membership_id)
    job_progress(job, 0, 1, "正在汇总全年数据、生成报告草稿…")
    report = services.annual_report_generate(
        actor=user,
        work_year=work_year,
        fiscal_year=fiscal_year,
        kind=report_kind,
        self_score=Decimal(self_score) if self_score is not None else None,
        overwrite=overwrite,
    )
    job_attach_page(job, reverse("reports:annual_detail", args=[report.pk]), "打开报告草稿")
    job_progress(job, 1, 1)
    job_summarize(job, "已根据系统数据生成报告草稿", [("报告", report.title), ("版本", report.version)])


def _edit_form(report: AnnualReport, data: Any = None) -> EditForm:
    return EditForm(
        data,
        report=report,
        initial={
            "version": report.version,
            "title": report.title,
            "doc_no": report.doc_no,
            "addressees": report.addressees,
            "self_score": report.self_score,
        },
    )


@capability_required("reports.view_annual")
def annual_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    report = selectors.annual_report_get(user, pk)
    form = _edit_form(report, request.POST or None)
    status = 200
    if request.method == "POST":
        if not user.can("reports.annual"):
            raise PermissionDenied
        if not selectors.kept_by(user, report):
            raise PermissionDenied(services.OTHER_REGION)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.annual_report_update(
                    actor=user,
                    report=report,
                    texts=form.texts(),
                    version=data["version"],
                    title=data["title"],
                    doc_no=data["doc_no"],
                    addressees=data["addressees"],
                    self_score=data.get("self_score"),
                )
            except DomainError as exc:
                messages.error(request, exc.message)
                status = exc.status_code
            else:
                messages.success(request, "修改已保存")
                return redirect("reports:annual_detail", pk=report.pk)
        else:
            status = 400
    return _annual_page(request, report, form, status)


def _annual_page(request: HttpRequest, report: AnnualReport, form: EditForm, status: int = 200) -> HttpResponse:
    """The report's page around its edit form; also after a refused 定稿, at its address, with the refusal's status
    (the edit form names the page's own address)."""
    user: Any = request.user
    report_outline = outline(report.sections or {}, report.kind)
    context = {
        "report": report,
        "form": form,
        # The region's own summary only: a city reads its counties' summaries, the counties keep them.
        "can_edit": user.can("reports.annual")
        and selectors.kept_by(user, report)
        and report.status == AnnualReport.Status.DRAFT,
        "statistics": in_catalogue_order(report.statistics),
        "outline": report_outline,
        "reports_table": any(s["reports_table"] for s in report_outline),
        "key_eval_reports": key_evaluation_reports(report.statistics),
    }
    return render(request, "reports/annual_detail.html", context, status=status)


@require_POST
@capability_required("reports.annual")
def annual_finalize(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.annual_report_get(request.user, pk)
    if not selectors.kept_by(request.user, report):
        raise PermissionDenied(services.OTHER_REGION)
    try:
        services.annual_report_finalize(actor=request.user, report=report, version=int(request.POST.get("version", 0)))
    except (DomainError, ValueError) as exc:
        # The report as it stands now, with the reason and the refusal's status (409: changed since the page).
        messages.error(request, getattr(exc, "message", "操作无效"))
        report = selectors.annual_report_get(request.user, pk)
        return _annual_page(request, report, _edit_form(report), getattr(exc, "status_code", 400))
    messages.success(request, "报告已定稿")
    return redirect("reports:annual_detail", pk=report.pk)


@capability_required("reports.view_annual")
def annual_export(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.annual_report_get(request.user, pk)
    content = services.annual_report_export(actor=request.user, report=report)
    filename = f"{report.title}.docx"
    return docx_response(content, filename)
