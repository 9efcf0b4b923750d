from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jixiao.core.errors import DomainError
from jixiao.core.forms import valid_filters
from jixiao.core.list_exports import ListExport, Selection, export_list
from jixiao.core.views_helpers import capability_required, form_page, paginate, stored_file_response
from jixiao.regulations import selectors, services
from jixiao.regulations.exports import HEADERS, regulation_rows
from jixiao.regulations.forms import FileForm, FilterForm, RegulationForm
from jixiao.regulations.models import Regulation


def _params(request: HttpRequest) -> tuple[FilterForm, dict[str, Any]]:
    return _filters(request.GET)


def _filters(query: QueryDict) -> tuple[FilterForm, dict[str, Any]]:
    form = FilterForm(query)
    return form, valid_filters(form)


@capability_required("regulation.view")
def regulation_list(request: HttpRequest) -> HttpResponse:
    form, params = _params(request)
    queryset = selectors.regulations_filtered(request.user, params)
    query = request.GET.urlencode()
    return render(request, "regulations/list.html", {"form": form, "page": paginate(request, queryset), "query": query})


def _regulation_selection(user: Any, query: QueryDict) -> Selection:
    form, params = _filters(query)
    queryset = selectors.regulations_filtered(user, params)
    return Selection(rows=lambda: regulation_rows(queryset), count=queryset.count, form=form)


REGULATION_EXPORT = ListExport(
    kind="regulation.export",
    title="制度办法",
    header=HEADERS,
    capability="regulation.view",
    select=_regulation_selection,
    path="jixiao.regulations.views.REGULATION_EXPORT",
)


@capability_required(REGULATION_EXPORT.capability)
def regulation_export(request: HttpRequest) -> HttpResponse:
    """The list as filtered, every row, audited (core.list_exports): streamed, or a background job when long."""
    return export_list(request, REGULATION_EXPORT, back=reverse("regulations:list"))


def _own(request: HttpRequest, pk: int) -> Regulation:
    """A row the user keeps: 404 when not visible, 403 for the rules of a region above or below (read-only here)."""
    regulation = selectors.regulation_get(request.user, pk)
    if not selectors.kept_by(request.user, regulation):
        raise PermissionDenied("这是其他财政区划的制度办法，只能查看，不能修改")
    return regulation


@capability_required("regulation.manage")
def regulation_create(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        RegulationForm(request.POST or None),
        lambda data, _version: services.regulation_create(actor=request.user, data=data),
        template="regulations/form.html",
        context={"title": "登记制度办法"},
        success="制度办法已登记，可在下方上传文件",
        done=lambda regulation: redirect("regulations:detail", pk=regulation.pk),
    )


@capability_required("regulation.manage")
def regulation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    regulation = _own(request, pk)
    initial = {f: getattr(regulation, f) for f in [*services.FIELDS, "version"]}
    return form_page(
        request,
        RegulationForm(request.POST or None, initial=initial),
        lambda data, version: services.regulation_update(
            actor=request.user, regulation=regulation, data=data, version=version
        ),
        template="regulations/form.html",
        context={"regulation": regulation, "title": f"修改制度办法：{regulation.title}"},
        success="修改已保存",
        done=lambda _row: redirect("regulations:detail", pk=regulation.pk),
    )


def _detail(
    request: HttpRequest,
    regulation: Regulation,
    *,
    status: int = 200,
    file_form: FileForm | None = None,
    file_error: str = "",
) -> HttpResponse:
    context = {
        "regulation": regulation,
        "files": selectors.regulation_files(regulation),
        "file_form": file_form or FileForm(),
        "file_error": file_error,
        # The bureau's own rows only: the rules of the regions above and below are read here, kept there.
        "can_manage": request.user.can("regulation.manage")  # type: ignore[union-attr]
        and selectors.kept_by(request.user, regulation),
    }
    return render(request, "regulations/detail.html", context, status=status)


@capability_required("regulation.view")
def regulation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.regulation_get(request.user, pk))


@require_POST
@capability_required("regulation.manage")
def regulation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    regulation = _own(request, pk)
    services.regulation_delete(actor=request.user, regulation=regulation)
    messages.success(request, "制度办法已删除")
    return redirect("regulations:list")


@require_POST
@capability_required("regulation.manage")
def file_upload(request: HttpRequest, pk: int) -> HttpResponse:
    regulation = _own(request, pk)
    form = FileForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, regulation, status=400, file_form=form, file_error=form.error_text())
    try:
        services.file_add(
            actor=request.user, regulation=regulation, upload=form.cleaned_data["file"], note=form.cleaned_data["note"]
        )
    except DomainError as exc:
        return _detail(request, regulation, status=exc.status_code, file_form=form, file_error=exc.message)
    messages.success(request, "制度文件已上传")
    return redirect("regulations:detail", pk=pk)


@require_POST
@capability_required("regulation.manage")
def file_delete(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    _own(request, pk)
    stored = selectors.file_get(request.user, pk, file_pk)
    services.file_delete(actor=request.user, stored=stored)
    messages.success(request, "制度文件已删除")
    return redirect("regulations:detail", pk=pk)


@capability_required("regulation.view")
def file_download(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    stored = selectors.file_get(request.user, pk, file_pk)
    return stored_file_response(
        stored.file, stored.original_name, opened=lambda: services.file_opened(actor=request.user, stored=stored)
    )
