from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jixiao.core import audit_labels
from jixiao.core.errors import ConflictError, DomainError
from jixiao.core.forms import valid_filters
from jixiao.core.list_exports import ListExport, Selection, export_list
from jixiao.core.locking import FIELD_NAME as LOCK_FIELD
from jixiao.core.locking import add_lock_token, lock_token
from jixiao.core.numbers import id_or_none, year_or_none
from jixiao.core.views_helpers import capability_required, paginate, xlsx_response
from jixiao.organizations.selectors import current_fiscal_year, department_choices
from jixiao.results import selectors, services
from jixiao.results.exports import HEADERS, application_rows, export_applications
from jixiao.results.forms import DecisionForm, GenerateForm, LinkForm, ListFilterForm, RuleForm
from jixiao.results.models import Action, ApplicationStatus


def _default_year() -> int:
    """The evaluated year: the year before the current budget year."""
    current = current_fiscal_year()
    return current.year - 1 if current else 0


def _filters(request: HttpRequest) -> tuple[ListFilterForm, dict[str, Any]]:
    form = ListFilterForm(request.GET or None, departments=department_choices(request.user), user=request.user)
    return form, valid_filters(form)


@capability_required("results.view")
def application_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


def _list_page(request: HttpRequest, *, generate_form: GenerateForm | None = None, status: int = 200) -> HttpResponse:
    """The list as filtered by the address; after a refused 生成建议 with the year as typed, the reason and the
    refusal's status (its filter form and pager name the list's own address)."""
    form, params = _filters(request)
    queryset = selectors.applications_filtered(request.user, params)
    user: Any = request.user
    if generate_form is None:
        generate_form = GenerateForm(initial={"fiscal_year": params.get("fiscal_year") or _default_year()})
    context = {
        "form": form,
        "page": paginate(request, queryset),
        "page_base": reverse("results:list"),
        "totals": selectors.list_totals(queryset),
        "generate_form": generate_form,
        "can_decide": user.can("results.decide"),
        "can_generate": user.can("results.generate"),
        "can_export": user.can("results.export"),
        "query": request.GET.urlencode(),
    }
    return render(request, "results/list.html", context, status=status)


def _application_selection(user: Any, query: QueryDict) -> Selection:
    form = ListFilterForm(query or None, departments=department_choices(user), user=user)
    params = valid_filters(form)
    queryset = selectors.applications_filtered(user, params)
    year = params.get("fiscal_year")
    title = f"{year}年度绩效评价结果应用建议（{year + 1}年预算）" if year else RESULTS_EXPORT.title
    return Selection(
        rows=lambda: application_rows(queryset),
        count=queryset.count,
        form=form,
        workbook=lambda: xlsx_response(export_applications(queryset, title=title), "结果应用建议.xlsx"),
    )


RESULTS_EXPORT = ListExport(
    kind="results.export",
    title="绩效评价结果应用建议",
    header=HEADERS,
    capability="results.export",
    select=_application_selection,
    path="jixiao.results.views.RESULTS_EXPORT",
)


@capability_required(RESULTS_EXPORT.capability)
def application_export(request: HttpRequest) -> HttpResponse:
    """The list as filtered, every row, audited (core.list_exports): the budget section's titled workbook, or for a
    list longer than a direct export (or as CSV) the plain stream or a background job."""
    return export_list(request, RESULTS_EXPORT, back=reverse("results:list"))


@require_POST
@capability_required("results.generate")
def application_generate(request: HttpRequest) -> HttpResponse:
    form = GenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写正确的评价年度")
        return _list_page(request, generate_form=form, status=400)
    user: Any = request.user
    year = form.cleaned_data["fiscal_year"]
    try:
        counts = services.applications_generate(actor=user, region=user.active_membership.region, fiscal_year=year)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _list_page(request, generate_form=form, status=exc.status_code)
    messages.success(
        request,
        f"已生成{year}年度结果应用建议：新增{counts['created']}条，更新{counts['updated']}条，"
        f"未变{counts['unchanged']}条，移除{counts['removed']}条，已决定的{counts['kept_decided']}条保持不变",
    )
    return redirect(f"{reverse('results:list')}?fiscal_year={year}")


@require_POST
@capability_required("results.decide")
def application_batch_accept(request: HttpRequest) -> HttpResponse:
    ids = [pk for pk in map(id_or_none, request.POST.getlist("ids")) if pk is not None]
    # The version each ticked row had on the page (`version_<pk>`): a proposal changed since is not accepted unseen.
    versions = {pk: v for pk in ids if (v := id_or_none(request.POST.get(f"version_{pk}"))) is not None}
    if not ids:
        messages.error(request, "请先勾选要采纳的建议")
    else:
        try:
            counts = services.applications_accept(actor=request.user, ids=ids, versions=versions)
        except DomainError as exc:
            messages.error(request, exc.message)
            return _list_page(request, status=exc.status_code)
        messages.success(
            request, f"已采纳{counts['accepted']}条建议；{counts['skipped']}条未采纳（已决定或须逐项决定金额）"
        )
    back = request.POST.get("next", "")
    url = reverse("results:list")
    return redirect(f"{url}?{back}" if back else url)


@capability_required("results.view")
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The proposal's page; the budget section's 决定 form posts here (a refusal: the form as typed and its status)."""
    app = selectors.application_get(request.user, pk)
    user: Any = request.user
    form = _decision_form(app, request.POST or None) if user.can("results.decide") else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise Http404
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.application_decide(
                    actor=user,
                    application=app,
                    action=data["action"],
                    amount_yuan=data["amount_yuan"],
                    reason=data["reason"],
                    version=data["version"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                messages.success(request, "决定已保存")
                return redirect("results:detail", pk=pk)
    return _detail_page(request, app, form=form, status=status)


def _decision_form(app: Any, data: Any = None) -> DecisionForm:
    """The 决定 form: the decision taken, else the proposal."""
    initial = {
        "action": app.decided_action or app.proposed_action,
        "amount_yuan": app.decided_amount_yuan if app.status == ApplicationStatus.DECIDED else app.proposed_amount_yuan,
        "reason": app.decision_reason,
        "version": app.version,
    }
    return DecisionForm(data, initial=initial)


def _detail_page(
    request: HttpRequest,
    app: Any,
    *,
    form: DecisionForm | None = None,
    link_form: LinkForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The page around the 决定 form; also after a refused 下年项目关联, at its address, with the choice as typed and
    the refusal's status (the page's forms name their own addresses)."""
    if link_form is None and form is not None:  # whoever may decide may link
        link_form = LinkForm(
            candidates=selectors.link_candidates(app),
            application=app,
            initial={"project": app.next_year_project_id, "version": app.version},
        )
    next_project = selectors.next_year_project_for(app)
    context = {
        "app": app,
        "form": form,
        "link_form": link_form,
        "next_project": next_project,
        "gate_reason": selectors.gate_reason(next_project, app) if next_project else None,
        "events": selectors.application_events(app)[:100],
        "trail": audit_labels.with_actor_names(selectors.application_audit_trail(app)[:50]),
    }
    return render(request, "results/detail.html", context, status=status)


@require_POST
@capability_required("results.decide")
def application_link(request: HttpRequest, pk: int) -> HttpResponse:
    app = selectors.application_get(request.user, pk)
    form = LinkForm(request.POST, candidates=selectors.link_candidates(app), application=app)
    if not form.is_valid():
        messages.error(request, "请选择同一单位下一年度的项目")
        return _detail_page(request, app, form=_decision_form(app), link_form=form, status=400)
    try:
        services.application_link(
            actor=request.user,
            application=app,
            project=form.cleaned_data["project"],
            version=form.cleaned_data.get("version"),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        app = selectors.application_get(request.user, pk)
        return _detail_page(request, app, form=_decision_form(app), link_form=form, status=exc.status_code)
    messages.success(request, "下年项目关联已保存")
    return redirect("results:detail", pk=pk)


@capability_required("results.view")
def four_links(request: HttpRequest) -> HttpResponse:
    # Without a year: the latest year with proposals the viewer sees (the page is empty for a year never generated).
    year = (
        year_or_none(request.GET.get("fiscal_year", ""))
        or selectors.latest_application_year(request.user)
        or _default_year()
    )
    rows = selectors.four_links(request.user, year)
    context = {
        "rows": rows,
        "totals": selectors.four_links_totals(rows),
        "year": year,
        "actions": Action.choices,
        "summary": selectors.result_application_summary(request.user, year),
    }
    return render(request, "results/links.html", context)


@capability_required("results.configure")
def rules(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = RuleForm(request.POST or None, codes=selectors.rule_codes())
    add_lock_token(form, selectors.own_rule_rows(user))
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.rule_save(
                actor=user,
                code=data["code"],
                fiscal_year=data["fiscal_year"],
                data=data,
                lock_token=data.get(LOCK_FIELD) or None,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code  # 409: saved meanwhile by another press, or since the page was shown
            if isinstance(exc, ConflictError):
                # The refusal shows the rules as they are now: a second press saves on purpose.
                fresh = lock_token(selectors.own_rule_rows(user))
                form.data = {**form.data.dict(), LOCK_FIELD: fresh}  # type: ignore[attr-defined]
        else:
            messages.success(request, "规则已保存")
            return redirect("results:rules")
    region = user.active_membership.region
    year = _default_year()
    rows, effective = selectors.rules_visible(user), selectors.effective_rules(region, year)
    for rule in [*rows, *effective]:
        rule.values_label = selectors.values_label(rule)  # type: ignore[attr-defined]
    context = {"form": form, "rules": rows, "effective": effective, "year": year}
    return render(request, "results/rules.html", context, status=status)
