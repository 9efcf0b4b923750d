from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jixiao.core import audit_labels, bulk, once
from jixiao.core.errors import DomainError
from jixiao.core.list_exports import ListExport, Selection, export_list
from jixiao.core.locking import step_refusal, typed_opinion
from jixiao.core.numbers import MAX_ID, is_digits, year_or_none
from jixiao.core.text import CONTROL_CHARS
from jixiao.core.views_helpers import (
    capability_required,
    import_errors_download,
    search_response,
    workbook_import,
    xlsx_response,
)
from jixiao.projects import joint_review, selectors, services
from jixiao.projects.exports import EXPORT_HEADERS, project_rows, template_workbook
from jixiao.projects.filtersets import ProjectFilterSet
from jixiao.projects.forms import ImportForm, ProjectForm, TransitionForm
from jixiao.projects.imports import parse_project_workbook
from jixiao.projects.models import ProjectStatus
from jixiao.projects.workflow import BULK_ACTIONS, EDITABLE_STATES, PROJECT_WORKFLOW

IMPORT_ERRORS_KEY = "jixiao_project_import_errors"


def _filtered(request: HttpRequest) -> ProjectFilterSet:
    return ProjectFilterSet(request.GET or None, queryset=selectors.projects_visible(request.user), user=request.user)


@capability_required("project.view")
def project_autocomplete(request: HttpRequest) -> JsonResponse:
    """The first 20 visible projects matching `q` (code or name), optionally of one `status`, `fiscal_year` and
    `unit`; the scope decides what is found."""
    status = request.GET.get("status", "")
    year = request.GET.get("fiscal_year", "")
    unit = request.GET.get("unit", "")
    results = selectors.projects_search(
        request.user,
        request.GET.get("q", "")[:50],
        status=status if status in ProjectStatus.values else "",
        fiscal_year=year_or_none(year),
        unit_id=int(unit) if is_digits(unit) and int(unit) <= MAX_ID else None,
    )
    return search_response(results)


@capability_required("project.view")
def project_list(request: HttpRequest) -> HttpResponse:
    return _list(request)


def _list(request: HttpRequest, *, status: int = 200, refused: bool = False) -> HttpResponse:
    """The list, filtered by the query string (also that of a refused 批量审核, shown again with its ticks and text)."""
    filterset = _filtered(request)
    queryset = filterset.qs
    totals = selectors.project_totals(queryset)
    paginator = Paginator(queryset, bulk.per_page(request))
    paginator.count = totals["count"]  # the totals already counted the rows: no second COUNT(*)
    page = paginator.get_page(request.GET.get("page"))
    panel = bulk.panel(
        request,
        workflow=PROJECT_WORKFLOW,
        offered=BULK_ACTIONS,
        rows=page,
        url=reverse("projects:bulk"),
        list_url=reverse("projects:list"),
        refused=refused,
    )
    context = {"filter": filterset, "page": page, "totals": totals, "bulk": panel}
    template = "projects/_table.html" if request.htmx else "projects/list.html"  # type: ignore[attr-defined]
    return render(request, template, context, status=status)


@require_POST
@capability_required("project.view")
def project_bulk(request: HttpRequest) -> HttpResponse:
    """批量通过 / 批量退回 of the ticked projects; a refusal shows the list again, ticks and typed opinion kept."""
    return bulk.answer(
        request,
        workflow=PROJECT_WORKFLOW,
        transition=services.project_bulk_transition,
        show_list=_list,
        list_url=reverse("projects:list"),
    )


def _project_selection(user: Any, query: QueryDict) -> Selection:
    filterset = ProjectFilterSet(query or None, queryset=selectors.projects_visible(user), user=user)
    queryset = filterset.qs
    return Selection(rows=lambda: project_rows(queryset), count=queryset.count, form=filterset.form)


PROJECT_EXPORT = ListExport(
    kind="project.export",
    title="项目库",
    header=EXPORT_HEADERS,
    capability="project.export",
    select=_project_selection,
    path="jixiao.projects.views.PROJECT_EXPORT",
)


@capability_required(PROJECT_EXPORT.capability)
def project_export(request: HttpRequest) -> HttpResponse:
    """导出: the filtered rows, streamed when short, a background job with a progress bar when long."""
    return export_list(request, PROJECT_EXPORT, back=reverse("projects:list"))


def _comment_box(actions: list[Any]) -> tuple[str, str]:
    """Label and hint of the opinion box for the user's own buttons: a unit's own steps take a 说明 (a reason to
    撤销项目), a reviewer's an 审核意见, required for the buttons named."""
    reviewing = any(t.capability != "project.submit" for t in actions)
    label = "审核意见" if reviewing else "说明"
    needed = list(dict.fromkeys(t.label for t in actions if t.needs_comment))
    if not needed:
        return label, "选填"
    return label, f"{'、'.join(needed)}时必须填写{'意见' if reviewing else '理由'}"


@capability_required("project.view")
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.project_get(request.user, pk))


def _detail(
    request: HttpRequest, project: Any, *, status: int = 200, typed_comment: str = "", pressed: str | None = None
) -> HttpResponse:
    """The project page; a refused workflow step (`pressed`) shows it again with its status and the opinion as typed,
    in the box or apart (`core.locking.typed_opinion`)."""
    user: Any = request.user
    actions = PROJECT_WORKFLOW.available(project.status, user.active_membership.capabilities)
    can_edit = user.can("project.edit_any") or (user.can("project.edit") and project.status in EDITABLE_STATES)
    comment_label, comment_hint = _comment_box(actions)
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "actions": actions,
            "comment_label": comment_label,
            "comment_hint": comment_hint,
            "can_edit": can_edit,
            "joint": joint_review.card(project),
            "events": selectors.project_events(project)[:50],
            "trail": audit_labels.for_trail(selectors.project_audit_trail(project)[:50]),
            **typed_opinion(typed_comment, pressed, actions),
        },
        status=status,
    )


@capability_required("project.create")
def project_create(request: HttpRequest) -> HttpResponse:
    form = ProjectForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}

        def create() -> HttpResponse:
            project = services.project_create(actor=request.user, data=data)
            messages.success(request, f"项目“{project.name}”已保存为草稿")
            return redirect("projects:detail", pk=project.pk)

        try:
            return once.run_once(request, create)  # a double click on 保存 makes one project
        except DomainError as exc:
            form.add_error(None, exc.message)
    status = 400 if request.method == "POST" else 200
    return render(request, "projects/form.html", {"form": form, "title": "新增项目"}, status=status)


@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(request.user, pk)
    if not (request.user.can("project.edit") or request.user.can("project.edit_any")):  # type: ignore[union-attr]
        raise PermissionDenied
    editable = request.user.can("project.edit_any") or project.status in EDITABLE_STATES  # type: ignore[union-attr]
    if request.method != "POST" and not editable:
        # The page has no 修改 button then; a bookmarked or typed link says why instead of a form that cannot save.
        messages.error(request, f"项目当前状态为“{project.get_status_display()}”，不能修改")
        return redirect("projects:detail", pk=project.pk)
    form = ProjectForm(request.POST or None, instance=project, user=request.user)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.project_update(
                actor=request.user, project=project, data=data, expected_version=form.cleaned_data.get("version")
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
        else:
            messages.success(request, "修改已保存")
            return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/form.html",
        {"form": form, "title": f"修改项目：{project.name}", "project": project},
        status=status,
    )


@require_POST
@login_required
def project_transition(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(request.user, pk)
    shown_in = project.status  # the state whose button was pressed
    form = TransitionForm(request.POST)
    if not form.is_valid():
        if "comment" not in form.errors:
            messages.error(request, "操作无效")
            return redirect("projects:detail", pk=pk)
        # An opinion the form refused (a NUL pasted in, too long): said in words, a 400, the project untouched and
        # the opinion kept to correct (without the control characters a browser cannot show).
        messages.error(request, "意见无效：" + "；".join(str(e) for e in form.errors["comment"]))
        typed = CONTROL_CHARS.sub("", request.POST.get("comment", ""))
        return _detail(request, project, status=400, typed_comment=typed, pressed=request.POST.get("action", ""))
    try:
        services.project_transition(
            actor=request.user,
            project=project,
            action=form.cleaned_data["action"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as exc:
        # The page again, as it stands now, with the refusal and the opinion as typed (a redirect lost it).
        project = selectors.project_get(request.user, pk)
        message = step_refusal(
            exc,
            moved=project.status != shown_in,
            last_event=lambda: selectors.project_events(project).first(),
            label_of=lambda e: PROJECT_WORKFLOW.action_label(e.action, e.from_status),
        )
        messages.error(request, message)
        action = form.cleaned_data["action"]
        return _detail(
            request, project, status=exc.status_code, typed_comment=form.cleaned_data["comment"], pressed=action
        )
    messages.success(request, f"操作成功：{PROJECT_WORKFLOW.action_label(form.cleaned_data['action'], shown_in)}")
    return redirect("projects:detail", pk=pk)


@capability_required("project.import")
def project_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)

    def apply(rows: list[Any]) -> HttpResponse:
        result = services.projects_import(actor=request.user, fiscal_year=form.cleaned_data["fiscal_year"], rows=rows)
        messages.success(
            request,
            f"导入成功：新增{result['created']}个项目，更新{result['updated']}个项目，"
            f"未变更{result['unchanged']}个项目",
        )
        return redirect("projects:list")

    return workbook_import(
        request,
        form,
        template="projects/import.html",
        errors_key=IMPORT_ERRORS_KEY,
        parse=parse_project_workbook,
        apply=apply,
        check=lambda rows: services.projects_import_errors(
            actor=request.user, fiscal_year=form.cleaned_data["fiscal_year"], rows=rows
        ),
    )


@capability_required("project.import")
def project_import_errors(request: HttpRequest) -> HttpResponse:
    return import_errors_download(request, IMPORT_ERRORS_KEY, "项目导入错误报告.xlsx")


@capability_required("project.import")
def project_import_template(request: HttpRequest) -> HttpResponse:
    return xlsx_response(template_workbook(), "项目清单导入模板.xlsx")
