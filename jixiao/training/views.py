from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jixiao.core import once
from jixiao.core.errors import DomainError
from jixiao.core.forms import valid_filters
from jixiao.core.list_exports import ListExport, Selection, export_list
from jixiao.core.views_helpers import (
    capability_required,
    paginate,
    stored_file_response,
    xlsx_response,
)
from jixiao.organizations.selectors import current_fiscal_year
from jixiao.training import selectors, services
from jixiao.training.exports import HEADERS, session_rows, sessions_xlsx
from jixiao.training.forms import FilterForm, MaterialForm, SessionForm
from jixiao.training.models import TrainingSession


def _params(request: HttpRequest) -> tuple[FilterForm, dict[str, Any]]:
    return _filters(request.GET)


def _filters(query: QueryDict) -> tuple[FilterForm, dict[str, Any]]:
    """The list's filters; without a year in the address, the current budget year (as the list page shows it)."""
    data = query.copy()
    if "year" not in data:
        current = current_fiscal_year()
        if current is not None:
            data["year"] = str(current.year)
    form = FilterForm(data)
    return form, (valid_filters(form))


def _query(form: FilterForm) -> str:
    data: Any = form.data
    return str(data.urlencode())


@capability_required("training.view")
def session_list(request: HttpRequest) -> HttpResponse:
    form, params = _params(request)
    queryset = selectors.sessions_filtered(request.user, params)
    totals = selectors.training_totals(request.user, params["year"]) if params.get("year") else None
    context = {"form": form, "page": paginate(request, queryset), "totals": totals, "query": _query(form)}
    return render(request, "training/list.html", context)


def _session_selection(user: Any, query: QueryDict) -> Selection:
    form, params = _filters(query)
    queryset = selectors.sessions_filtered(user, params)
    name = f"{params['year']}年度培训记录.xlsx" if params.get("year") else "培训记录.xlsx"
    return Selection(
        rows=lambda: session_rows(queryset),
        count=queryset.count,
        form=form,
        workbook=lambda: xlsx_response(sessions_xlsx(queryset), name),
    )


TRAINING_EXPORT = ListExport(
    kind="training.export",
    title="培训记录",
    header=HEADERS,
    capability="training.view",
    select=_session_selection,
    path="jixiao.training.views.TRAINING_EXPORT",
)


@capability_required(TRAINING_EXPORT.capability)
def session_export(request: HttpRequest) -> HttpResponse:
    """The list as filtered, every row, audited (core.list_exports): the workbook with its 合计 row, or for a list
    longer than a direct export (or as CSV) the plain stream or a background job."""
    return export_list(request, TRAINING_EXPORT, back=reverse("training:list"))


def _form_data(form: SessionForm) -> tuple[dict[str, Any], list[Any]]:
    data = dict(form.cleaned_data)
    units = list(data.pop("participant_units") or [])
    data.pop("version", None)
    return data, units


@capability_required("training.manage")
def session_create(request: HttpRequest) -> HttpResponse:
    form = SessionForm(request.POST or None, units=selectors.participant_unit_choices(request.user))
    if request.method == "POST" and form.is_valid():
        data, units = _form_data(form)

        def create() -> HttpResponse:
            session = services.training_create(actor=request.user, data=data, participant_units=units)
            messages.success(request, "培训记录已保存")
            return redirect("training:detail", pk=session.pk)

        try:
            return once.run_once(request, create)  # a double click on 保存 makes one record
        except DomainError as exc:
            form.add_error(None, exc.message)
    status = 400 if request.method == "POST" else 200
    return render(request, "training/form.html", {"form": form, "title": "新增培训记录"}, status=status)


def _own(request: HttpRequest, pk: int) -> TrainingSession:
    """A record the user keeps: 404 when not visible, 403 for a county's record seen from the city (read-only)."""
    session = selectors.session_get(request.user, pk)
    if not selectors.kept_by(request.user, session):
        raise PermissionDenied(services.OTHER_REGION)
    return session


def _initial(session: TrainingSession) -> dict[str, Any]:
    fields = ["held_on", "topic", "organiser", "kind", "trainer_type", "trainer", "audience"]
    initial = {f: getattr(session, f) for f in [*fields, "session_count", "attendance", "note", "version"]}
    initial["participant_units"] = list(session.participant_units.values_list("pk", flat=True))
    return initial


@capability_required("training.manage")
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _own(request, pk)
    form = SessionForm(
        request.POST or None, initial=_initial(session), units=selectors.participant_unit_choices(request.user)
    )
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data.get("version")
        data, units = _form_data(form)
        try:
            services.training_update(
                actor=request.user, session=session, data=data, participant_units=units, version=version
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
        else:
            messages.success(request, "修改已保存")
            return redirect("training:detail", pk=session.pk)
    context = {"form": form, "session": session, "title": f"修改培训记录：{session.topic}"}
    return render(request, "training/form.html", context, status=status)


def _detail(
    request: HttpRequest,
    session: TrainingSession,
    *,
    status: int = 200,
    material_form: MaterialForm | None = None,
    material_error: str = "",
) -> HttpResponse:
    context = {
        "session": session,
        "materials": selectors.session_materials(session),
        "units": session.participant_units.order_by("agency_code"),
        "material_form": material_form or MaterialForm(),
        "material_error": material_error,
        # The bureau's own records only: a city reads its counties' training here, the counties keep it.
        "can_manage": request.user.can("training.manage")  # type: ignore[union-attr]
        and selectors.kept_by(request.user, session),
    }
    return render(request, "training/detail.html", context, status=status)


@capability_required("training.view")
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.session_get(request.user, pk))


@require_POST
@capability_required("training.manage")
def session_delete(request: HttpRequest, pk: int) -> HttpResponse:
    session = _own(request, pk)
    services.training_delete(actor=request.user, session=session)
    messages.success(request, "培训记录已删除")
    return redirect("training:list")


@require_POST
@capability_required("training.manage")
def material_upload(request: HttpRequest, pk: int) -> HttpResponse:
    session = _own(request, pk)
    form = MaterialForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, session, status=400, material_form=form, material_error=form.error_text())
    try:
        services.material_add(
            actor=request.user, session=session, upload=form.cleaned_data["file"], note=form.cleaned_data["note"]
        )
    except DomainError as exc:
        return _detail(request, session, status=exc.status_code, material_form=form, material_error=exc.message)
    messages.success(request, "培训材料已上传")
    return redirect("training:detail", pk=pk)


@require_POST
@capability_required("training.manage")
def material_delete(request: HttpRequest, pk: int, material_pk: int) -> HttpResponse:
    _own(request, pk)
    material = selectors.material_get(request.user, pk, material_pk)
    services.material_delete(actor=request.user, material=material)
    messages.success(request, "培训材料已删除")
    return redirect("training:detail", pk=pk)


@capability_required("training.view")
def material_download(request: HttpRequest, pk: int, material_pk: int) -> HttpResponse:
    material = selectors.material_get(request.user, pk, material_pk)
    return stored_file_response(
        material.file,
        material.original_name,
        opened=lambda: services.material_opened(actor=request.user, material=material),
    )
