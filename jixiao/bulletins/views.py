"""通报 pages: the list with the generator, the bulletin page (figures, narrative, tables), Word, issuing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jixiao.bulletins import documents, selectors, services
from jixiao.bulletins.forms import EditForm, GenerateForm, ListFilterForm
from jixiao.bulletins.models import KINDS_WITH_SOURCE, BulletinKind
from jixiao.bulletins.workflow import BULLETIN_WORKFLOW
from jixiao.core import audit
from jixiao.core.errors import DomainError, PermissionDeniedError
from jixiao.core.forms import valid_filters
from jixiao.core.jobs import (
    job_attach_page,
    job_attach_result,
    job_identity,
    job_progress,
    job_start_as_current,
    job_summarize,
    redirect_to_job,
)
from jixiao.core.models import Job
from jixiao.core.numbers import id_or_none, year_or_none
from jixiao.core.views_helpers import capability_required, docx_response, paginate
from jixiao.organizations.selectors import current_fiscal_year


def _year(request: HttpRequest) -> int:
    year = year_or_none(request.GET.get("fiscal_year") or request.POST.get("fiscal_year"))
    if year is not None:
        return year
    current = current_fiscal_year()
    return current.year if current else 0


@capability_required("bulletins.view")
def bulletin_list(request: HttpRequest) -> HttpResponse:
    return _list(request)


def _list(request: HttpRequest, generate: GenerateForm | None = None, status: int = 200) -> HttpResponse:
    """The list; `generate`, a refused generator, shows again what was chosen with each field's reason (400)."""
    form = ListFilterForm(request.GET or None, user=request.user)
    params = valid_filters(form)
    year = _year(request)
    user: Any = request.user
    if generate is None and user.can("bulletins.manage"):
        generate = GenerateForm(initial={"fiscal_year": year}, sources=selectors.source_choices(user, year))
    context = {
        "form": form,
        "generate": generate,
        "page": paginate(request, selectors.bulletins_filtered(user, params)),
        "year": year,
    }
    return render(request, "bulletins/list.html", context, status=status)


GENERATE_JOB = "jixiao.bulletins.views.bulletin_generate_job"


@require_POST
@capability_required("bulletins.manage")
def bulletin_generate(request: HttpRequest) -> HttpResponse:
    """The form is checked here; the figures (every project of the year in scope) are computed by a background job
    whose page shows the progress and links to the draft when it is ready."""
    year = _year(request)
    form = GenerateForm(request.POST, sources=selectors.source_choices(request.user, year))
    if not form.is_valid():
        # The list again with the choices made and each field's reason (a year typed wrong was only told
        # 请选择通报类型、年度和数据来源 after a redirect that dropped what was chosen).
        messages.error(request, "通报未生成，请按提示修改")
        return _list(request, form, 400)
    data = form.cleaned_data
    try:  # a bulletin of the same figures already there: said at the field, no job started
        services.bulletin_check_new(
            actor=request.user, kind=data["kind"], fiscal_year=data["fiscal_year"], source_id=data["source_id"] or ""
        )
    except DomainError as exc:
        form.add_error("source_id" if data["kind"] in KINDS_WITH_SOURCE else "kind", exc.message)
        messages.error(request, "通报未生成，请按提示修改")
        return _list(request, form, exc.status_code)
    job = job_start_as_current(
        request,
        "bulletins.generate",
        GENERATE_JOB,
        title=f"生成通报：{data['fiscal_year']}年度{BulletinKind(data['kind']).label}",
        bulletin_kind=data["kind"],
        fiscal_year=data["fiscal_year"],
        source_id=data.get("source_id") or "",
    )
    return redirect_to_job(job, reverse("bulletins:list"))


def bulletin_generate_job(
    job: Job, *, membership_id: int | None, bulletin_kind: str, fiscal_year: int, source_id: str = ""
) -> None:
    """The background half of `bulletin_generate`: compute the figures as the job's owner, then the Word file."""
    user = job_identity(job, membership_id)
    job_progress(job, 0, 1, "正在汇总通报数据、生成Word文档…")
    with transaction.atomic():  # the draft and its Word file stand or fall together
        bulletin = services.bulletin_generate(
            actor=user, kind=bulletin_kind, fiscal_year=fiscal_year, source_id=source_id
        )
        content = documents.bulletin_docx(bulletin)
    job_attach_result(job, content, _docx_name(bulletin))
    job_attach_page(job, reverse("bulletins:detail", args=[bulletin.pk]), "打开通报草稿")
    job_progress(job, 1, 1)
    job_summarize(job, "通报已按数据生成，请核对正文后印发", [("通报", bulletin.title)])


REFRESH_JOB = "jixiao.bulletins.views.bulletin_refresh_job"


def bulletin_refresh_job(job: Job, *, membership_id: int | None, bulletin_id: int, version: int | None = None) -> None:
    """The background half of 重新生成: recompute a draft's figures as the job's owner."""
    user = job_identity(job, membership_id)
    job_progress(job, 0, 1, "正在按最新数据重新汇总…")
    bulletin = services.bulletin_refresh(
        actor=user, bulletin=selectors.bulletin_get(user, bulletin_id), version=version
    )
    job_attach_page(job, reverse("bulletins:detail", args=[bulletin.pk]), "打开通报草稿")
    job_progress(job, 1, 1)
    job_summarize(job, "已按最新数据重新生成", [("通报", bulletin.title)])


def _docx_name(bulletin: Any) -> str:
    return f"{bulletin.title[:60]}.docx".replace("/", "_")


def _detail(request: HttpRequest, bulletin: Any, form: EditForm | None = None, status: int = 200) -> HttpResponse:
    """The bulletin page; `form`, a refused edit, shows again what the user typed."""
    user: Any = request.user
    # A lower region's bulletin is read, not changed or issued, from above (selectors.kept_by).
    kept = selectors.kept_by(user, bulletin)
    actions = BULLETIN_WORKFLOW.available(bulletin.status, user.active_membership.capabilities) if kept else []
    editable = kept and user.can("bulletins.manage") and bulletin.status == "draft"
    if form is None:
        form = EditForm(initial={"title": bulletin.title, "narrative": bulletin.narrative, "version": bulletin.version})
    context = {
        "bulletin": bulletin,
        "snapshot": bulletin.snapshot or {},
        "lines": selectors.snapshot_lines(bulletin),
        "actions": actions,
        "form": form if editable else None,
    }
    return render(request, "bulletins/detail.html", context, status=status)


@capability_required("bulletins.view")
def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.bulletin_get(request.user, pk))


@require_POST
@capability_required("bulletins.manage")
def bulletin_edit(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = selectors.bulletin_get(request.user, pk)
    form = EditForm(request.POST)
    if not form.is_valid():
        # The page again with the typed title and text and each field's reason (an empty or too long one).
        messages.error(request, "通报正文未保存，请按提示修改")
        return _detail(request, bulletin, form, 400)
    try:
        services.bulletin_update(actor=request.user, bulletin=bulletin, **form.cleaned_data)
    except DomainError as exc:
        # The page again with the typed title and text (a 409 when someone saved or issued it meanwhile).
        messages.error(request, exc.message)
        return _detail(request, selectors.bulletin_get(request.user, pk), form, exc.status_code)
    messages.success(request, "通报正文已保存")
    return redirect("bulletins:detail", pk=pk)


@require_POST
@capability_required("bulletins.manage")
def bulletin_transition(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = selectors.bulletin_get(request.user, pk)
    action = request.POST.get("action", "")
    version = id_or_none(request.POST.get("version"))  # the version the page showed (None: not sent)
    try:
        if action == "issue":
            bulletin = services.bulletin_issue(actor=request.user, bulletin=bulletin, version=version)
            messages.success(request, f"通报已印发，文号：{bulletin.document.doc_no if bulletin.document else ''}")
        elif action == "refresh":
            # Refused here, not by a job that fails on its progress page: a draft issued meanwhile (a stale page),
            # a lower region's bulletin.
            if not selectors.kept_by(request.user, bulletin):
                raise PermissionDeniedError(services.OTHER_REGION)
            BULLETIN_WORKFLOW.get(bulletin.status, action)
            services.check_version(bulletin, version)  # a text saved meanwhile: not regenerated away unseen
            job = job_start_as_current(
                request,
                "bulletins.refresh",
                REFRESH_JOB,
                title=f"重新生成通报：{bulletin.title}",
                bulletin_id=bulletin.pk,
                version=version,
            )
            return redirect_to_job(job, reverse("bulletins:detail", args=[pk]))
        else:
            messages.error(request, "操作无效")
            return _detail(request, bulletin, status=400)
    except DomainError as exc:
        # The page again, as it stands now, with the reason and the refusal's status (409: issued meanwhile).
        messages.error(request, exc.message)
        return _detail(request, selectors.bulletin_get(request.user, pk), status=exc.status_code)
    return redirect("bulletins:detail", pk=pk)


@capability_required("bulletins.view")
def bulletin_docx(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = selectors.bulletin_get(request.user, pk)
    content = documents.bulletin_docx(bulletin)
    filename = _docx_name(bulletin)
    audit.record(actor=request.user, event_type="bulletins.docx_download", obj=bulletin, reason=filename)
    return docx_response(content, filename)
