"""佐证资料 of a 单位自评 record: upload (several files, optionally tied to an indicator row), download, removal.

A refusal (wrong type, too big, empty, the record already submitted) shows the record's page again with the Chinese
message and the refusal's status; nothing is stored."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jixiao.core.errors import DomainError
from jixiao.core.forms import EvidenceUploadForm
from jixiao.core.views_helpers import capability_required, stored_file_response
from jixiao.evaluation import selectors, services_evidence, views_selfeval
from jixiao.evaluation.models import SelfEvaluation


def _back(pk: int) -> HttpResponse:
    return redirect(reverse("evaluation:selfeval_detail", args=[pk]) + "#evidence")


def _refused(
    request: HttpRequest, record: SelfEvaluation, message: str, status: int, form: EvidenceUploadForm | None = None
) -> HttpResponse:
    context = views_selfeval._context(request, record)
    context["evidence_error"] = message
    if form is not None:
        context["evidence_form"] = form
    return render(request, "evaluation/selfeval_detail.html", context, status=status)


@require_POST
@capability_required("evaluation.fill")
def evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.record_get(request.user, pk)
    rows = selectors.evidence_row_choices(selectors.record_rows(record))
    form = EvidenceUploadForm(request.POST, request.FILES, rows=rows)
    if not form.is_valid():
        return _refused(request, record, form.error_text(), 400, form)
    try:
        added = services_evidence.selfeval_evidence_add(
            actor=request.user,
            record=record,
            files=form.cleaned_data["uploads"],
            row_id=form.cleaned_data["row"],
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        return _refused(request, record, exc.message, exc.status_code, form)
    messages.success(request, f"已上传佐证资料{len(added)}个")
    return _back(pk)


@capability_required("evaluation.view")
def evidence_download(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    evidence = selectors.evidence_get(request.user, pk, evidence_pk)
    return stored_file_response(
        evidence.file,
        evidence.original_name,
        opened=lambda: services_evidence.selfeval_evidence_opened(actor=request.user, evidence=evidence),
    )


@require_POST
@capability_required("evaluation.fill")
def evidence_delete(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    evidence = selectors.evidence_get(request.user, pk, evidence_pk)
    try:
        services_evidence.selfeval_evidence_delete(actor=request.user, evidence=evidence)
    except DomainError as exc:
        return _refused(request, evidence.self_eval, exc.message, exc.status_code)
    messages.success(request, f"已删除佐证资料“{evidence.original_name}”")
    return _back(pk)
