"""抽评/再评价 and 真实性核查 pages (DOMAIN.md §2.4.5, §2.4.6)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from jixiao.core import once
from jixiao.core.errors import ConflictError, DomainError
from jixiao.core.numbers import is_digits
from jixiao.core.views_helpers import capability_required, paginate, stored_file_response, xlsx_response
from jixiao.evaluation import reeval_documents, selectors, services_evidence
from jixiao.evaluation import services_reeval as svc
from jixiao.evaluation.forms_reeval import AssignForm, BatchForm, CheckForm, FindingForm, ResultFileForm
from jixiao.evaluation.models import (
    AuthenticityCheck,
    AuthenticityItem,
    ReEvaluationBatch,
    ReEvaluationSample,
    UpperCheckStatus,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _region(request: HttpRequest) -> Any:
    return request.user.active_membership.region  # type: ignore[union-attr]


def _batch(request: HttpRequest, pk: int) -> ReEvaluationBatch:
    return selectors.reeval_batch_get(request.user, pk)


# ---- 再评价 batches --------------------------------------------------------------------------------------------------


@capability_required("evaluation.reevaluate")
def reeval_list(request: HttpRequest) -> HttpResponse:
    form = BatchForm(request.POST or None, region=_region(request), initial={"rate_pct": 10, "n_min": 1})
    if request.method == "POST" and form.is_valid():

        def create() -> HttpResponse:
            batch = svc.batch_create(actor=request.user, data=form.values())
            messages.success(request, "再评价批次已保存，请核对抽样范围后抽取")
            return redirect("evaluation:reeval_detail", pk=batch.pk)

        try:
            return once.run_once(request, create)  # a double click on 保存 makes one batch
        except DomainError as exc:
            form.add_error(None, exc.message)
    open_only = request.GET.get("open") == "1"  # the 待办 line: the batches not 已办结
    batches = selectors.reeval_batches(request.user, open_only=open_only)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "page": paginate(request, batches), "open_only": open_only}
    return render(request, "evaluation/reeval_list.html", context, status=status)


def _detail_context(request: HttpRequest, batch: ReEvaluationBatch, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "batch": batch,
        "rule": svc.rule_text(batch),
        "assign_form": AssignForm(user=request.user),
        **extra,
    }
    if batch.status == ReEvaluationBatch.Status.DRAFT:
        try:
            context["preview"] = svc.batch_preview(request.user, batch)
        except DomainError as exc:
            context["preview_error"] = exc.message
    else:
        context["results"] = svc.batch_results(batch)
        context["sentence"] = svc.circular_sentence(context["results"])
    return context


@capability_required("evaluation.reevaluate")
def reeval_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    return render(request, "evaluation/reeval_detail.html", _detail_context(request, batch))


def _refused(request: HttpRequest, pk: int, message: str, status: int) -> HttpResponse:
    """A refused step on the batch page: the page again, as it stands now, with the reason and the refusal's status
    (400, or 409 when the batch changed meanwhile), not a redirect that answers 302."""
    messages.error(request, message)
    context = _detail_context(request, _batch(request, pk))
    return render(request, "evaluation/reeval_detail.html", context, status=status)


@require_POST
@capability_required("evaluation.reevaluate")
def reeval_draw(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    try:
        batch = svc.batch_draw(actor=request.user, batch=batch)
    except DomainError as exc:
        return _refused(request, pk, exc.message, exc.status_code)
    messages.success(request, f"已抽取{batch.sample_size}个样本，抽样种子{batch.seed}")
    return redirect("evaluation:reeval_detail", pk=pk)


@require_POST
@capability_required("evaluation.reevaluate")
def reeval_delete(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    try:
        svc.batch_delete(actor=request.user, batch=batch)
    except DomainError as exc:
        return _refused(request, pk, exc.message, exc.status_code)
    messages.success(request, f"已删除再评价批次“{batch.title}”")
    return redirect("evaluation:reeval_list")


@require_POST
@capability_required("evaluation.reevaluate")
def reeval_verify(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    try:
        matches, again = svc.batch_verify(batch)
    except DomainError as exc:
        return _refused(request, pk, exc.message, exc.status_code)
    context = _detail_context(request, batch, verify={"matches": matches, "codes": again.selected})
    return render(request, "evaluation/reeval_detail.html", context)


@require_POST
@capability_required("evaluation.reevaluate")
def reeval_assign(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    form = AssignForm(request.POST, user=request.user)
    ids = [int(v) for v in request.POST.getlist("sample") if is_digits(v)]
    if not form.is_valid():
        return _refused(request, pk, "请选择有效的第三方机构", 400)
    try:
        n = svc.sample_assign(actor=request.user, batch=batch, sample_ids=ids, agency=form.cleaned_data["agency"])
    except DomainError as exc:
        return _refused(request, pk, exc.message, exc.status_code)
    agency = form.cleaned_data["agency"]
    messages.success(request, f"已将{n}个样本委托{agency.name if agency else '绩效股自行评分'}")
    return redirect("evaluation:reeval_detail", pk=pk)


@require_POST
@capability_required("evaluation.reevaluate")
def reeval_finish(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    try:
        svc.batch_finish(actor=request.user, batch=batch)
    except DomainError as exc:
        return _refused(request, pk, exc.message, exc.status_code)
    messages.success(request, "再评价批次已办结")
    return redirect("evaluation:reeval_detail", pk=pk)


@capability_required("evaluation.reevaluate")
def reeval_export(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    if batch.status == ReEvaluationBatch.Status.DRAFT:
        raise Http404
    content, name = reeval_documents.results_xlsx(svc.batch_results(batch)), f"{batch.title}再评价结果.xlsx"
    svc.batch_results_exported(actor=request.user, batch=batch, filename=name)
    return xlsx_response(content, name)


@capability_required("evaluation.reevaluate")
def reeval_circular(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    if batch.status == ReEvaluationBatch.Status.DRAFT:
        raise Http404
    issuer = f"{batch.region.name}财政局"
    content = reeval_documents.circular_docx(svc.batch_results(batch), issuer)
    name = "部门自评财政再评价结果通报.docx"
    svc.batch_circular_generated(actor=request.user, batch=batch, filename=name)
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    return response


# ---- re-scoring -------------------------------------------------------------------------------------------------


@capability_required("evaluation.rescore")
def reeval_samples(request: HttpRequest) -> HttpResponse:
    to_score = request.GET.get("todo") == "score"  # the 待办 line: only the samples it counts
    samples = selectors.reeval_samples_open(request.user, to_score=to_score)
    context = {"page": paginate(request, samples), "to_score": to_score}
    return render(request, "evaluation/reeval_samples.html", context)


@capability_required("evaluation.rescore")
def sample_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sample = selectors.reeval_sample_get(request.user, pk)
    form = ResultFileForm(request.POST or None, request.FILES or None, initial={"opinion": sample.opinion})
    error = ""
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        scores = {r["key"]: request.POST.get(f"score-{r['key']}", "") for r in sample.rows}
        comments = {r["key"]: request.POST.get(f"comment-{r['key']}", "") for r in sample.rows}
        try:
            svc.sample_rescore(
                actor=request.user,
                sample=sample,
                scores=scores,
                comments=comments,
                opinion=form.cleaned_data["opinion"],
                upload=form.cleaned_data["result_file"],
                seen=request.POST.get("seen") or None,
            )
        except DomainError as exc:
            error, status = exc.message, exc.status_code
        else:
            messages.success(request, "再评价得分已保存")
            return redirect("evaluation:reeval_sample", pk=pk)
    # The page's stamp: after a 409 the stored one (the scores typed stay, a second press saves over what is now
    # shown); after another refusal the one the scores were typed on.
    stale = status == ConflictError.status_code
    if stale:
        sample = selectors.reeval_sample_get(request.user, pk)
    seen = request.POST.get("seen", "") if request.method == "POST" and not stale else svc.sample_stamp(sample)
    rows, untied = selectors.sample_record(sample)
    context = {
        "sample": sample,
        "form": form,
        "error": error,
        "score_rows": _score_rows(sample, request.POST if request.method == "POST" else None),
        "can_score": selectors.rescore_refusal(request.user, sample) is None,
        "record_rows": rows,
        "untied": untied,
        "seen": seen,
    }
    return render(request, "evaluation/reeval_sample.html", context, status=status)


def _score_rows(sample: ReEvaluationSample, posted: Any) -> list[dict[str, Any]]:
    """The rows of the 再评分 table: as stored, or — on a refused save — with the scores and 说明 just typed."""
    if posted is None:
        return list(sample.rows)
    return [
        {**r, "score": posted.get(f"score-{r['key']}", ""), "comment": posted.get(f"comment-{r['key']}", "")}
        for r in sample.rows
    ]


@capability_required("evaluation.rescore")
def sample_evidence_download(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    """A 佐证资料 file of the sampled self-evaluation, for whoever re-scores the sample (a third-party agency has no
    access to self-evaluations otherwise); audited as the record page's download is."""
    evidence = selectors.sample_evidence_get(request.user, pk, evidence_pk)
    return stored_file_response(
        evidence.file,
        evidence.original_name,
        opened=lambda: services_evidence.selfeval_evidence_opened(actor=request.user, evidence=evidence),
    )


@capability_required("evaluation.rescore")
def sample_result_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The uploaded result file of a sample, to those who may see the sample (404 otherwise), audited."""
    sample = selectors.reeval_sample_get(request.user, pk)
    name = sample.result_file_name or f"再评价结果{PurePosixPath(sample.result_file.name or '').suffix}"
    return stored_file_response(
        sample.result_file, name, opened=lambda: svc.sample_result_opened(actor=request.user, sample=sample)
    )


# ---- 真实性核查 ------------------------------------------------------------------------------------------------------


def _check(request: HttpRequest, pk: int) -> AuthenticityCheck:
    return selectors.authenticity_check_get(request.user, pk)


@capability_required("evaluation.authenticity")
def authenticity_list(request: HttpRequest) -> HttpResponse:
    form = CheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            check = svc.check_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("evaluation:authenticity_detail", pk=check.pk)
    open_only = request.GET.get("open") == "1"  # the 待办 line: the checks not 已办结
    checks = selectors.authenticity_checks(request.user, open_only=open_only)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "page": paginate(request, checks), "open_only": open_only}
    return render(request, "evaluation/authenticity_list.html", context, status=status)


@capability_required("evaluation.authenticity")
def authenticity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    check = _check(request, pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        codes = request.POST.get("codes", "")[:100_000]
        try:
            if action == "draw":
                check = svc.check_draw(actor=request.user, check=check)
                messages.success(request, f"已抽取，抽样种子{check.seed}")
            elif action == "designate":
                check = svc.check_designate(actor=request.user, check=check, codes_text=codes)
                messages.success(request, f"已按上级指定确定{check.sample_size}个核查项目")
            elif action == "delete":
                svc.check_delete(actor=request.user, check=check)
                messages.success(request, f"已删除真实性核查“{check.title}”")
                return redirect("evaluation:authenticity_list")
            elif action == "finish":
                svc.check_finish(actor=request.user, check=check)
                messages.success(request, "真实性核查已办结")
            elif action == "verify":
                ok = svc.check_verify(check)
                (messages.success if ok else messages.error)(
                    request, "复核抽样结果与原抽样一致" if ok else "复核抽样结果与原抽样不一致"
                )
            else:
                form = FindingForm(request.POST)
                if not form.is_valid():
                    raise DomainError("请选择核查结论")
                item = get_object_or_404(AuthenticityItem, pk=form.cleaned_data["item"], check_batch=check)
                svc.item_record(
                    actor=request.user,
                    item=item,
                    verified_value=form.cleaned_data["verified_value"],
                    finding=form.cleaned_data["finding"],
                    evidence_note=form.cleaned_data["evidence_note"],
                    seen=form.cleaned_data["seen"] or None,
                )
                messages.success(request, f"已记录“{item.indicator_name}”的核查结论")
        except DomainError as exc:
            # The page again with the reason and the refusal's status, as it stands now.
            messages.error(request, exc.message)
            check = _check(request, pk)
            if action == "designate":  # the codes as typed, so nothing is lost
                return authenticity_page(request, check, designated_codes=codes, status=400)
            if action not in {"draw", "finish", "verify", "delete"}:  # a refused finding: that row as typed
                return authenticity_page(request, check, typed=request.POST, status=exc.status_code)
            return authenticity_page(request, check, status=exc.status_code)
        return redirect("evaluation:authenticity_detail", pk=pk)
    return authenticity_page(request, check)


def authenticity_page(
    request: HttpRequest,
    check: AuthenticityCheck,
    *,
    designated_codes: str = "",
    typed: Any = None,
    status: int = 200,
) -> HttpResponse:
    """The check's page; `typed` (a refused finding's POST) puts that row's 核实值, 结论 and 说明 back as typed.

    Each row carries its stamp (`seen`): after a 409 the stored one (what was typed stays, a second press saves over
    the finding now shown); after another refusal the one the row was typed on."""
    items = list(check.items.select_related("self_eval", "self_eval__unit", "row").order_by("code", "id"))
    items = selectors.items_with_evidence(items)
    items = selectors.items_with_monitoring_evidence(items, check.fiscal_year)
    fields = ("verified_value", "finding", "evidence_note")
    stale = status == ConflictError.status_code
    for item in items:
        mine = typed is not None and typed.get("item") == str(item.pk)
        item.shown = {f: typed.get(f, "") if mine else getattr(item, f) for f in fields}  # type: ignore[attr-defined]
        item.seen = typed.get("seen", "") if mine and not stale else svc.item_stamp(item)  # type: ignore[attr-defined]
    context = {
        "check": check,
        "items": items,
        "findings": AuthenticityItem.Finding.choices,
        "rectifications": svc.rectification_items(check),
        "population_count": svc.check_population(request.user, check).count() if check.drawn_at is None else None,
        "designated_codes": designated_codes,
    }
    if check.upper_level_request and check.drawn_at is not None:
        entries = selectors.upper_check_entries(check)
        context["upper_entries"] = entries
        context["upper_ready"] = bool(entries) and all(e.status == UpperCheckStatus.APPROVED for e in entries)
    return render(request, "evaluation/authenticity_detail.html", context, status=status)
