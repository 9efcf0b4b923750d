"""Score tables (copy, edit, import, export) and the appraisal settings page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.appraisals import exports, selectors, services
from jixiao.appraisals.forms import CopyForm, ImportForm, NodeForm, SettingsForm
from jixiao.appraisals.imports import TEMPLATE_HEADERS, parse_score_sheet
from jixiao.appraisals.services import NODE_FIELDS
from jixiao.core import once
from jixiao.core.errors import ConflictError, DomainError
from jixiao.core.locking import add_lock_token, lock_token, posted_lock_token
from jixiao.core.numbers import is_digits
from jixiao.core.spreadsheets import write_workbook
from jixiao.core.views_helpers import capability_required, import_errors_download, keep_import_errors, xlsx_response

ERRORS_KEY = "appraisals_import_errors"


@capability_required("appraisal.view")
def template_list(request: HttpRequest) -> HttpResponse:
    templates = selectors.templates_visible(request.user).order_by("kind", "region__path", "fiscal_year", "id")
    return render(request, "appraisals/templates.html", {"templates": templates, "copy_form": CopyForm()})


@capability_required("appraisal.view")
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _template_page(request, selectors.template_get(request.user, pk))


def _template_page(
    request: HttpRequest, template: Any, status: int = 200, node_form: NodeForm | None = None, editing: Any = None
) -> HttpResponse:
    """The table and its editor. `node_form` is a refused node form shown again with what was typed; `editing` is
    the node the form changes (picked with ?edit=<id>), None for a new one."""
    nodes = selectors.template_nodes(template)
    user: Any = request.user
    if editing is None and node_form is None and is_digits(request.GET.get("edit", "")):
        editing = _node_of(template, int(request.GET["edit"]))
    if node_form is None:
        node_form = NodeForm(initial={f: getattr(editing, f) for f in NODE_FIELDS}) if editing else NodeForm()
    editable = (
        user.can("appraisal.manage")
        and template.region_id is not None
        and template.region.path.startswith(user.active_membership.region.path)  # type: ignore[union-attr]
        and not selectors.template_in_use(template)
    )
    context = {
        "template": template,
        "rows": selectors.tree(nodes),
        "errors": selectors.template_errors(template),
        "editable": editable,
        "node_form": node_form,
        "editing": editing,
        "parent_pick": request.POST.get("parent", "") if node_form.is_bound else "",
        "copy_form": CopyForm(),
        # Every node change bumps the template's version: the editor's forms carry its token (SECURITY.md I05).
        "lock_token": lock_token(template),
    }
    return render(request, "appraisals/template.html", context, status=status)


def _node_refused(
    request: HttpRequest, pk: int, exc: DomainError, form: NodeForm | None = None, editing: Any = None
) -> HttpResponse:
    """A conflict (a stale editor page) shows the current table with a 409; another refusal of a node form shows
    the editor again with what was typed and the reason; a refused delete goes back to the table."""
    messages.error(request, exc.message)
    if isinstance(exc, ConflictError):
        return _template_page(request, selectors.template_get(request.user, pk), exc.status_code)
    if form is not None:
        template = selectors.template_get(request.user, pk)
        return _template_page(request, template, exc.status_code, node_form=form, editing=editing)
    return redirect("appraisals:template", pk=pk)


@require_POST
@capability_required("appraisal.manage")
def template_copy(request: HttpRequest, pk: int) -> HttpResponse:
    source = selectors.template_get(request.user, pk)
    form = CopyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(f"{form.fields[k].label}：{e[0]}" for k, e in form.errors.items()))
        return _template_page(request, source, 400)  # the sheet again with the reason, not a 302

    def copy() -> HttpResponse:
        copied = services.template_copy(
            actor=request.user,
            source=source,
            fiscal_year=form.cleaned_data["fiscal_year"],
            name=form.cleaned_data["name"],
        )
        messages.success(request, "已复制为本地评分表，可修改后用于考核任务")
        return redirect("appraisals:template", pk=copied.pk)

    try:
        return once.run_once(request, copy)  # a double click on 复制 makes one copy
    except DomainError as exc:
        messages.error(request, exc.message)
        return _template_page(request, selectors.template_get(request.user, pk), exc.status_code)


def _node_of(template: Any, node_pk: Any) -> Any:
    node = next((n for n in selectors.template_nodes(template) if n.pk == node_pk), None)
    if node_pk and node is None:
        raise Http404
    return node


@require_POST
@capability_required("appraisal.manage")
def node_save(request: HttpRequest, pk: int, node_pk: int | None = None) -> HttpResponse:
    template = selectors.template_get(request.user, pk)
    node = _node_of(template, node_pk)
    form = NodeForm(request.POST)
    if not form.is_valid():
        # The editor again with what was typed and each field's reason (not a redirect that loses the input).
        messages.error(request, "指标未保存，请按提示修改")
        return _template_page(request, template, 400, node_form=form, editing=node)
    data = dict(form.cleaned_data)
    parent = _node_of(template, data.pop("parent")) if data.get("parent") else None
    try:
        services.node_save(
            actor=request.user,
            template=template,
            data=data,
            node=node,
            parent=parent,
            lock_token=posted_lock_token(request.POST),
        )
    except DomainError as exc:
        return _node_refused(request, pk, exc, form=form, editing=node)
    else:
        messages.success(request, "指标已保存")
    return redirect("appraisals:template", pk=pk)


@require_POST
@capability_required("appraisal.manage")
def node_delete(request: HttpRequest, pk: int, node_pk: int) -> HttpResponse:
    template = selectors.template_get(request.user, pk)
    node = _node_of(template, node_pk)
    try:
        services.node_delete(actor=request.user, node=node, lock_token=posted_lock_token(request.POST))
    except DomainError as exc:
        return _node_refused(request, pk, exc)
    else:
        messages.success(request, "指标已删除")
    return redirect("appraisals:template", pk=pk)


@capability_required("appraisal.view")
def template_export(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.template_get(request.user, pk)
    content = exports.template_xlsx(template, selectors.tree(selectors.template_nodes(template)))
    return xlsx_response(content, f"{template.name}.xlsx")


@capability_required("appraisal.manage")
def template_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        keep_import_errors(request, ERRORS_KEY, [])  # a new upload: the last file's report no longer applies
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            nodes, errors = parse_score_sheet(data["file"])
            keep_import_errors(request, ERRORS_KEY, errors)
            if errors:
                form.add_error(None, f"评分表有{len(errors)}处错误，未导入；请下载错误报告修改后重新上传")
            else:
                template = services.template_import(
                    actor=request.user,
                    name=data["name"],
                    kind=data["kind"],
                    fiscal_year=data["fiscal_year"],
                    nodes=nodes,
                    source=data["source"],
                )
                messages.success(request, f"已导入评分表，共{len(nodes)}个指标")
                return redirect("appraisals:template", pk=template.pk)
        except DomainError as exc:
            form.add_error(None, exc.message)
    status = 400 if request.method == "POST" else 200
    has_errors = bool(request.session.get(ERRORS_KEY))
    return render(request, "appraisals/import.html", {"form": form, "has_errors": has_errors}, status=status)


@capability_required("appraisal.manage")
def import_errors(request: HttpRequest) -> HttpResponse:
    return import_errors_download(request, ERRORS_KEY, "评分表导入错误报告.xlsx")


@capability_required("appraisal.manage")
def import_sample(request: HttpRequest) -> HttpResponse:
    sample = [
        ["A", "", "绩效目标管理", "", "", 40, "绩效股", "计分项", ""],
        [
            "A1",
            "A",
            "目标编报及时性",
            "",
            "按时报送得满分，每逾期1天扣1分",
            20,
            "预算股",
            "计分项",
            "绩效目标按时申报率",
        ],
        ["A2", "A", "目标编报质量", "", "", 20, "绩效股", "计分项", ""],
        ["B", "", "绩效评价", "", "", 60, "绩效股", "计分项", ""],
        ["C", "", "加分项", "", "", 5, "绩效股", "加分项", ""],
    ]
    return xlsx_response(write_workbook([("评分表", TEMPLATE_HEADERS, sample)]), "考核评分表导入模板.xlsx")


def _bands_text(bands: list[dict[str, Any]]) -> str:
    return ",".join(f"{b['label']}:{b['min']}" for b in bands)


@capability_required("appraisal.manage")
def settings_page(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    current = selectors.settings_for(user.active_membership.region, 0)
    initial = {
        "weight_town": current.weight_town,
        "weight_street": current.weight_street,
        "weight_dev_zone": current.weight_dev_zone,
        "weight_department": current.weight_department,
        "commend_top_k": current.commend_top_k,
        "commend_min_score": current.commend_min_score,
        "interview_bottom_k": current.interview_bottom_k,
        "interview_max_score": current.interview_max_score,
        "grade_bands": _bands_text(current.grade_bands),
    }
    form = SettingsForm(request.POST or None, initial=initial)
    # The form creates or updates one of the region's rows: the token covers all of them (a row added counts too).
    add_lock_token(form, selectors.settings_of_region(user.active_membership.region))
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        year = data.pop("fiscal_year")
        token = data.pop("lock_token", None)
        try:
            services.settings_save(actor=user, fiscal_year=year, data=data, lock_token=token)
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
        else:
            messages.success(request, "考核参数已保存")
            return redirect("appraisals:settings")
    rows = [(row, _bands_text(row.grade_bands)) for row in selectors.settings_visible(user)]
    return render(request, "appraisals/settings.html", {"form": form, "rows": rows}, status=status)
