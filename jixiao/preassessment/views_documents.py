"""Downloads of the 事前绩效评估 documents (Word) and the export of the filtered list (Excel)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jixiao.core import audit
from jixiao.core.forms import conditions_text, valid_filters
from jixiao.core.views_helpers import capability_required, docx_response, filename_part, xlsx_response
from jixiao.preassessment import documents, selectors
from jixiao.preassessment.forms import ListFilterForm
from jixiao.preassessment.models import PreAssessment, PreAssessmentStatus


def _filename(pa: PreAssessment, kind: str) -> str:
    name = filename_part(pa.project.name, 60)
    return f"{pa.fiscal_year}年度{kind}_{name or pa.pk}.docx"


def _audit(request: HttpRequest, pa: PreAssessment, event_type: str, filename: str) -> None:
    audit.record(actor=request.user, event_type=event_type, obj=pa, reason=filename)


@capability_required("preassessment.view")
def report_docx(request: HttpRequest, pk: int) -> HttpResponse:
    pa = selectors.assessment_get(request.user, pk)
    filename = _filename(pa, "事前绩效评估报告")
    content = documents.assessment_report_docx(pa, selectors.draft_target(pa))
    _audit(request, pa, "preassessment.report_download", filename)
    return docx_response(content, filename)


@capability_required("preassessment.view")
def opinion_docx(request: HttpRequest, pk: int) -> HttpResponse:
    pa = selectors.assessment_get(request.user, pk)
    if pa.status != PreAssessmentStatus.CONCLUDED or not pa.conclusion:
        context = {
            "title": "无法生成审核意见",
            "status": 409,
            "message": "该评估尚未作出评估结论，暂不能生成审核意见。",
        }
        return render(request, "core/error.html", context, status=409)
    filename = _filename(pa, "事前绩效评估审核意见")
    content = documents.review_opinion_docx(pa)
    _audit(request, pa, "preassessment.opinion_download", filename)
    return docx_response(content, filename)


@capability_required("preassessment.view")
def assessments_export(request: HttpRequest) -> HttpResponse:
    form = ListFilterForm(request.GET or None, user=request.user)
    params = valid_filters(form)
    queryset = selectors.assessments_filtered(request.user, params)
    rows = queryset.select_related("region")  # the project, department and unit come with the visible rows
    content = documents.assessments_workbook(rows.iterator(chunk_size=2000))
    audit.record(
        actor=request.user,
        event_type="preassessment.export",
        object_type="preassessment.preassessment",
        reason=conditions_text(request.GET, form)[:500],
    )
    year = params.get("fiscal_year")
    return xlsx_response(content, f"{year}年度事前绩效评估.xlsx" if year else "事前绩效评估.xlsx")
