from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jixiao.alerts import selectors, services
from jixiao.alerts.bulletins import bulletin_docx, round_figures
from jixiao.alerts.exports import ADJUSTMENT_HEADERS, HEADERS, adjustment_rows, warning_rows
from jixiao.alerts.forms import (
    AdjustmentDeleteForm,
    AdjustmentFilterForm,
    AdjustmentForm,
    CalendarForm,
    CaseFilterForm,
    DecideForm,
    OpinionForm,
    ProfileForm,
    RespondForm,
    ResumeForm,
    RuleForm,
    SweepForm,
    TierForm,
    TierRuleForm,
    WarningFilterForm,
)
from jixiao.alerts.models import ANSWERABLE_STATES, CaseStatus, FundAdjustment, Tier
from jixiao.core import audit, once
from jixiao.core.errors import ConflictError, DomainError
from jixiao.core.forms import valid_filters
from jixiao.core.jobs import job_identity, job_progress, job_start, job_summarize
from jixiao.core.list_exports import ListExport, Selection, export_list
from jixiao.core.locking import add_lock_token, posted_lock_token
from jixiao.core.models import Job
from jixiao.core.money import format_wan
from jixiao.core.numbers import id_or_none, year_or_none
from jixiao.core.views_helpers import capability_required, docx_response, paginate
from jixiao.organizations.calendar import working_days_between
from jixiao.organizations.selectors import current_fiscal_year


def _year(request: HttpRequest) -> int:
    return _year_of(request.GET.get("fiscal_year", "") or request.POST.get("fiscal_year", ""))


def _year_of(value: str) -> int:
    """The year asked for, else the current budget year."""
    year = year_or_none(value)
    if year is not None:
        return year
    current = current_fiscal_year()
    return current.year if current else timezone.localdate().year


def _errors(form: Any) -> str:
    """The form's errors, each after its field's label (the page the user is sent back to does not show them)."""
    parts = []
    for name, errs in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts += [f"{label}：{e}" if label else str(e) for e in errs]
    return "；".join(parts) or "请检查填写内容"


# ---- warnings ---------------------------------------------------------------------------------------------------


def _warning_params(request: HttpRequest) -> tuple[WarningFilterForm, dict[str, Any]]:
    return _warning_params_of(request.GET, request.user, _year(request))


def _warning_params_of(query: QueryDict, user: Any, year: int) -> tuple[WarningFilterForm, dict[str, Any]]:
    data = query.copy()
    data.setdefault("fiscal_year", str(year))
    form = WarningFilterForm(data, user=user)
    params = valid_filters(form)
    if not params.get("fiscal_year"):
        params["fiscal_year"] = year  # a year typed wrong is shown at its field; the list keeps the current one
    return form, params


@capability_required("alerts.view")
def warning_list(request: HttpRequest) -> HttpResponse:
    form, params = _warning_params(request)
    # Escalation also runs when the list is opened (the nightly command is the main path): the status only, the
    # letters by a background job (services.escalate_on_page).
    services.escalate_on_page(actor=request.user, today=timezone.localdate())
    year = params.get("fiscal_year") or _year(request)
    context = {
        "form": form,
        "page": paginate(request, selectors.warnings_filtered(request.user, params), by_ids=True),
        "card": selectors.dashboard(request.user, year, params.get("region"), params.get("department")),
        "year": year,
        "query": request.GET.urlencode(),
        "rounds": selectors.rounds_for_bulletin(request.user, year, params.get("region")),
    }
    return render(request, "alerts/list.html", context)


@capability_required("alerts.view")
def bulletin(request: HttpRequest, task_pk: int) -> HttpResponse:
    task = selectors.round_get(request.user, task_pk)
    user: Any = request.user
    issuer = f"{task.region.name}财政局"
    content = bulletin_docx(round_figures(user, task), issuer)
    filename = f"{task.period_label}绩效运行监控结果通报.docx"
    audit.record(actor=user, event_type="alerts.bulletin", obj=task, reason=filename)
    return docx_response(content, filename)


def _warning_selection(user: Any, query: QueryDict) -> Selection:
    form, params = _warning_params_of(query, user, _year_of(query.get("fiscal_year", "")))
    warnings = selectors.warnings_filtered(user, params)
    return Selection(rows=lambda: warning_rows(warnings), count=warnings.count, form=form)


WARNING_EXPORT = ListExport(
    kind="alerts.export",
    title="预警列表",
    header=HEADERS,
    capability="alerts.view",
    select=_warning_selection,
    path="jixiao.alerts.views.WARNING_EXPORT",
    noun="条预警",  # a province's year may hold more warnings than a sheet has rows
)


@capability_required(WARNING_EXPORT.capability)
def warning_export(request: HttpRequest) -> HttpResponse:
    """导出: every filtered row, streamed when short (or as CSV), a background job with a progress bar when long
    (core.list_exports); nothing is cut off (an xlsx beyond a sheet's rows is refused by the job: export CSV)."""
    return export_list(request, WARNING_EXPORT, back=reverse("alerts:list"))


# ---- cases ------------------------------------------------------------------------------------------------------


@capability_required("alerts.view")
def case_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    services.escalate_on_page(actor=request.user, today=today)
    form = CaseFilterForm(request.GET or None)
    params = valid_filters(form)
    page = paginate(request, selectors.cases_filtered(request.user, params))
    for case in page:
        case.days_left = working_days_between(today, case.due_date) if case.status in ANSWERABLE_STATES else None
    return render(request, "alerts/cases.html", {"form": form, "page": page})


def _case_page(
    request: HttpRequest,
    case: Any,
    *,
    respond_form: RespondForm | None = None,
    decide_form: DecideForm | None = None,
    resume_form: ResumeForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The case page; after a refused answer or decision, with the user's input and the reason (nothing is lost)."""
    user: Any = request.user
    initial = {"option": case.proposed_option, "amount_yuan": case.proposed_amount_yuan, "version": case.version}
    supplement = services.may_supplement(case)
    if error:
        messages.error(request, error)
    context = {
        "case": case,
        "can_respond": user.can("alerts.respond") and (case.status in ANSWERABLE_STATES or supplement),
        "supplement": supplement,
        "can_decide": user.can("alerts.decide") and case.status == CaseStatus.PROPOSED,
        "respond_form": respond_form
        or RespondForm(
            options=case.rule.disposition_options, initial={"explanation": case.explanation} if supplement else None
        ),
        "decide_form": decide_form or DecideForm(initial=initial),
        "adjustments": case.adjustments.all(),
        "funds": selectors.project_funds(case.project, case.fiscal_year),
        "suspension": selectors.payment_suspension(case.project, case.fiscal_year),
        "can_resume": user.can("alerts.decide"),
        "resume_form": resume_form or ResumeForm(),
        "letters": selectors.case_letters(user, case),
        "can_issue_letters": user.can("documents.issue"),
        # The letters go to the case's unit (or department); the bureau's 绩效股 also receives documents (from the
        # region above) but is the sender here.
        "can_answer_letters": user.can("documents.receive") and not user.can("documents.issue"),
        "days_left": working_days_between(timezone.localdate(), case.due_date),
    }
    return render(request, "alerts/case_detail.html", context, status=status)


@capability_required("alerts.view")
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_page(request, selectors.case_get(request.user, pk))


@require_POST
@capability_required("alerts.respond")
def case_respond(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(request.user, pk)
    form = RespondForm(request.POST, options=case.rule.disposition_options)
    if not form.is_valid():
        return _case_page(request, case, respond_form=form, error="请按提示修改后重新报送", status=400)
    data = form.cleaned_data
    try:
        services.case_respond(
            actor=request.user,
            case=case,
            explanation=data["explanation"],
            option=data["option"],
            amount_yuan=data["amount_yuan"] or None,
        )
    except DomainError as exc:
        return _case_page(request, case, respond_form=form, error=exc.message, status=exc.status_code)
    messages.success(request, "说明已报送财政")
    return redirect("alerts:case_detail", pk=pk)


@require_POST
@capability_required("alerts.decide")
def case_decide(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(request.user, pk)
    form = DecideForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, decide_form=form, error="请按提示修改后重新确定", status=400)
    data = form.cleaned_data
    try:
        services.case_decide(
            actor=request.user,
            case=case,
            option=data["option"],
            amount_yuan=data["amount_yuan"] or None,
            reason=data["reason"],
            expected_version=data["version"],
        )
    except DomainError as exc:
        if isinstance(exc, ConflictError):  # the case as it is now; the choice as typed, to be checked again
            case = selectors.case_get(request.user, pk)
            form = DecideForm({**request.POST.dict(), "version": case.version})
            form.is_valid()
        return _case_page(request, case, decide_form=form, error=exc.message, status=exc.status_code)
    messages.success(request, "处置决定已保存")
    return redirect("alerts:case_detail", pk=pk)


@require_POST
@capability_required("alerts.decide")
def payment_resume(request: HttpRequest, pk: int) -> HttpResponse:
    """恢复拨付 of the case's project-year, with a reason (the case page's 暂停拨付 card)."""
    case = selectors.case_get(request.user, pk)
    form = ResumeForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, resume_form=form, error="请填写恢复拨付的理由", status=400)
    try:
        services.payment_resume(actor=request.user, case=case, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        return _case_page(request, case, resume_form=form, error=exc.message, status=exc.status_code)
    messages.success(request, "已恢复拨付")
    return redirect("alerts:case_detail", pk=pk)


# ---- 预算调整登记 -----------------------------------------------------------------------------------------------


def _adjustment_params(query: QueryDict, user: Any) -> tuple[AdjustmentFilterForm, dict[str, Any]]:
    form = AdjustmentFilterForm(query, user=user)
    return form, valid_filters(form)


@capability_required("alerts.view")
def adjustment_list(request: HttpRequest) -> HttpResponse:
    return _adjustment_page(request, request.GET)


def _adjustment_page(request: HttpRequest, query: QueryDict, status: int = 200) -> HttpResponse:
    """预算调整登记: every budget adjustment of the projects the user sees (decided on a warning case or registered
    for another stage), filtered by year, stage, kind, department and project, with the filtered total."""
    user: Any = request.user
    form, params = _adjustment_params(query, user)
    adjustments = selectors.adjustments_filtered(user, params)
    context = {
        "form": form,
        "page": paginate(request, adjustments),
        "totals": selectors.adjustment_totals(adjustments),
        "query": query.urlencode(),
        "can_adjust": user.can("alerts.adjust"),
    }
    return render(request, "alerts/adjustments.html", context, status=status)


def _adjustment_selection(user: Any, query: QueryDict) -> Selection:
    form, params = _adjustment_params(query, user)
    adjustments = selectors.adjustments_filtered(user, params)
    return Selection(rows=lambda: adjustment_rows(adjustments), count=adjustments.count, form=form)


ADJUSTMENT_EXPORT = ListExport(
    kind="alerts.adjustment_export",
    title="预算调整登记",
    header=ADJUSTMENT_HEADERS,
    capability="alerts.view",
    select=_adjustment_selection,
    path="jixiao.alerts.views.ADJUSTMENT_EXPORT",
)


@capability_required(ADJUSTMENT_EXPORT.capability)
def adjustment_export(request: HttpRequest) -> HttpResponse:
    return export_list(request, ADJUSTMENT_EXPORT, back=reverse("alerts:adjustments"))


# The kind a stage's link starts with (DOMAIN.md §2.5 “Typical stage”): 目标审核 核减, 事前评估 追减 (its 压减 is
# PA-3(a), computed from the assessments' amounts), 存量资金清理 收回 (部分收回 on its list).
TYPICAL_KIND: dict[str, str] = {
    FundAdjustment.Source.TARGET_REVIEW: FundAdjustment.Kind.REDUCE_ON_REVIEW,
    FundAdjustment.Source.PRE_ASSESSMENT: FundAdjustment.Kind.RETRO_REDUCE,
    FundAdjustment.Source.IDLE_FUNDS: FundAdjustment.Kind.RECOVER,
}


def _adjustment_initial(request: HttpRequest) -> dict[str, Any]:
    """A link from a target's or a 事前评估's page names the project, its year and the stage (?project=&source=)."""
    initial: dict[str, Any] = {"fiscal_year": _year(request)}
    source = request.GET.get("source", "")
    if source in FundAdjustment.Source.values:
        initial["source"] = source
        initial["kind"] = TYPICAL_KIND.get(source, "")
    project_id = id_or_none(request.GET.get("project"))  # "²" is a digit to isdigit() but no int: it was a 500
    if project_id is not None:
        project = selectors.adjustable_project(request.user, project_id)
        if project is not None:
            initial["project"], initial["fiscal_year"] = project.pk, project.fiscal_year
    return initial


@capability_required("alerts.adjust")
def adjustment_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = AdjustmentForm(
        request.POST or None, user=user, initial=None if request.POST else _adjustment_initial(request)
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data

            def record() -> HttpResponse:
                adjustment = services.adjustment_record(
                    actor=user,
                    project=data["project"],
                    fiscal_year=data["fiscal_year"],
                    source=data["source"],
                    kind=data["kind"],
                    amount_yuan=data["amount_yuan"],
                    reason=data["reason"],
                )
                messages.success(
                    request,
                    f"已登记：{adjustment.project.name} {adjustment.get_source_display()}"
                    f"{adjustment.get_kind_display()}{format_wan(adjustment.amount_yuan)}万元",
                )
                return redirect(f"{reverse('alerts:adjustments')}?fiscal_year={adjustment.fiscal_year}")

            try:
                return once.run_once(request, record)  # a double click on 登记 records one adjustment
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
    return render(request, "alerts/adjustment_form.html", {"form": form}, status=status)


@require_POST
@capability_required("alerts.adjust")
def adjustment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """撤销登记 from the list's row: a refusal shows the list of the record's year again with the reason (4xx)."""
    adjustment = selectors.adjustment_get(request.user, pk)
    form = AdjustmentDeleteForm(request.POST)
    year = QueryDict(f"fiscal_year={adjustment.fiscal_year}")
    if not form.is_valid():
        messages.error(request, "请填写撤销理由（不超过500字）")
        return _adjustment_page(request, year, status=400)
    try:
        services.adjustment_delete(actor=request.user, adjustment=adjustment, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return _adjustment_page(request, year, status=exc.status_code)
    messages.success(request, f"已撤销预算调整登记：{adjustment.project.name}")
    return redirect(f"{reverse('alerts:adjustments')}?{year.urlencode()}")


# ---- tiers ------------------------------------------------------------------------------------------------------


@capability_required("alerts.view")
def tier_list(request: HttpRequest) -> HttpResponse:
    return _tiers_page(request)


def _tiers_page(request: HttpRequest, status: int = 200) -> HttpResponse:
    year = _year(request)
    rules = selectors.tier_rules_in_force(request.user.active_membership.region, year)  # type: ignore[union-attr]
    tiers = list(selectors.tiers_visible(request.user, year))
    opinions = selectors.opinions_by_project([t.project_id for t in tiers], year)
    for t in tiers:
        t.opinion = opinions.get(t.project_id)  # type: ignore[attr-defined]
    context = {
        "year": year,
        "tiers": tiers,
        "key_count": sum(1 for t in tiers if t.tier == Tier.KEY),
        "major_count": sum(1 for t in tiers if t.tier == Tier.MAJOR),
        "rules": rules,
        "rule_forms": _tier_rule_forms(request, rules, year),
    }
    return render(request, "alerts/tiers.html", context, status=status)


def _tier_rule_forms(request: HttpRequest, rules: list[Any], year: int) -> list[tuple[str, str, TierRuleForm]] | None:
    """The 筛选规则设置 forms (重点, 重大) of a user who configures. Each starts from the region's own row for the
    year (or for every year), switched off or not, else from the rule in force as a new row for every year; after a
    refused save, that tier's form as typed."""
    user: Any = request.user
    if not user.can("alerts.configure"):
        return None
    in_force = {rule.tier: rule for rule in rules}
    own = selectors.own_tier_rules(user.active_membership.region, year)
    posted = request.POST.get("tier") if request.method == "POST" else None
    forms_by_tier = []
    for tier in (Tier.KEY, Tier.MAJOR):
        rule = own.get(tier) or in_force.get(tier)
        initial: dict[str, Any] = {"fiscal_year": None, "enabled": True}
        if rule is not None:
            shown = ("name", "min_amount_wan", "checkpoint_month", "max_exec_rate_pct")
            initial |= {f: getattr(rule, f) for f in shown}
            initial["project_classes"] = list(rule.project_classes)
        if tier in own:
            initial |= {"fiscal_year": own[tier].fiscal_year, "enabled": own[tier].enabled}
        data = request.POST if posted == tier else None
        form = TierRuleForm(data, initial=initial, prefix=tier.lower())
        # The rows the form starts from (its posted token is kept after a refusal: a second press is refused again).
        add_lock_token(
            form, services.tier_rule_lock_rows(selectors.own_tier_rule_rows(user.active_membership.region, tier, year))
        )
        forms_by_tier.append((tier.value, str(tier.label), form))
    return forms_by_tier


@require_POST
@capability_required("alerts.configure")
def tier_rule_save(request: HttpRequest) -> HttpResponse:
    """保存本级的重大/重点筛选规则; a refusal shows the page with the form as typed and its status."""
    tier = request.POST.get("tier", "")
    if tier not in Tier.values:
        messages.error(request, "监控层级无效")
        return _tiers_page(request, status=400)
    form = TierRuleForm(request.POST, prefix=tier.lower())
    add_lock_token(form, [])  # the field; the posted value is the token of what the page showed
    if not form.is_valid():
        messages.error(request, _errors(form))
        return _tiers_page(request, status=400)
    data = dict(form.cleaned_data)
    year = data.pop("fiscal_year")
    token = data.pop("lock_token")
    data["project_classes"] = "".join(data["project_classes"])
    try:
        services.tier_rule_save(
            actor=request.user, tier=tier, fiscal_year=year, data=data, lock_token=token, shown_year=_year(request)
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _tiers_page(request, status=exc.status_code)
    messages.success(request, f"{Tier(tier).label}项目筛选规则已保存，请点“按规则筛选”重新筛选")
    shown = _year(request)  # the page's year (the form's hidden fiscal_year)
    own = selectors.own_tier_rules(request.user.active_membership.region, shown)  # type: ignore[union-attr]
    if year is None and tier in own and own[tier].fiscal_year == shown:
        messages.warning(request, f"本级另有{shown}年度的{Tier(tier).label}规则，{shown}年度仍按该年度规则筛选")
    return redirect(f"{reverse('alerts:tiers')}?fiscal_year={shown}")


@require_POST
@capability_required("alerts.decide")
def tier_select(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    user: Any = request.user
    try:
        selection = services.select_tiers(actor=user, region=user.active_membership.region, fiscal_year=year)
    except DomainError as exc:  # a clash with another press or a tier set by hand meanwhile (409): nothing changed
        messages.error(request, exc.message)
        return _tiers_page(request, status=exc.status_code)
    # A rule whose checkpoint month has not ended was not applied: said with the result, not left to be guessed.
    (messages.warning if selection.waiting else messages.success)(request, selection.message())
    return redirect(f"{reverse('alerts:tiers')}?fiscal_year={year}")


@capability_required("alerts.view")
def tier_edit(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = selectors.project_get(request.user, project_pk)
    user: Any = request.user
    info = selectors.project_alerts(project)
    # The 层级 starts at the project's current one: saving a new reason must not quietly put it back to 全面.
    tier_initial = {"tier": info["tier"].tier} if info["tier"] else None
    tier_form = TierForm(request.POST if request.POST.get("form") == "tier" else None, initial=tier_initial)
    opinion = info["opinion"]
    opinion_initial = (
        {"needs_rectify": opinion.needs_rectify, "advice": opinion.advice, "budget_action": opinion.budget_action}
        if opinion
        else None
    )
    opinion_form = OpinionForm(request.POST if request.POST.get("form") == "opinion" else None, initial=opinion_initial)
    add_lock_token(tier_form, services.tier_lock_rows(info["tier"]))
    add_lock_token(opinion_form, opinion)
    for prefix, shown_form in (("tier", tier_form), ("opinion", opinion_form)):
        shown_form.fields["lock_token"].widget.attrs["id"] = f"id_{prefix}_lock_token"  # two forms on one page
    status = 200
    if request.method == "POST":
        if not user.can("alerts.decide"):
            raise Http404
        form = tier_form if request.POST.get("form") == "tier" else opinion_form
        status = 400
        if form.is_valid():
            try:
                if form is tier_form:
                    services.tier_set(actor=user, project=project, **form.cleaned_data)
                else:
                    data = form.cleaned_data
                    services.opinion_save(actor=user, project=project, data=data, lock_token=data.get("lock_token"))
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                messages.success(request, "已保存")
                return redirect("alerts:tier_edit", project_pk=project.pk)
    context = {"project": project, "info": info, "tier_form": tier_form, "opinion_form": opinion_form}
    return render(request, "alerts/tier_edit.html", context, status=status)


# ---- rules, profile, sweep, calendar ---------------------------------------------------------------------------


@capability_required("alerts.configure")
def rule_list(request: HttpRequest) -> HttpResponse:
    return _rules_page(request)


def _rules_page(request: HttpRequest, *, profile_form: ProfileForm | None = None, status: int = 200) -> HttpResponse:
    """The rules page; after a refused 预警方案 save with the form as typed, the reason and the refusal's status."""
    user: Any = request.user
    year = _year(request)
    region = user.active_membership.region
    setting, in_force = selectors.rules_in_force(region, year)
    if profile_form is None:
        profile_form = ProfileForm(initial={field: getattr(setting, field) for field in services.SETTING_FIELDS})
        add_lock_token(profile_form, selectors.settings_visible(user))
    context = {
        "rules": selectors.rules_visible(user),
        "in_force": {r.pk for r in in_force},
        "setting": setting,
        "settings": selectors.settings_visible(user),
        "profile_form": profile_form,
        # Its own ids: the profile form beside it has a 年度 too (each label opens its own field).
        "sweep_form": SweepForm(initial={"fiscal_year": year, "as_of": timezone.localdate()}, auto_id="sweep_%s"),
        "year": year,
    }
    return render(request, "alerts/rules.html", context, status=status)


@capability_required("alerts.configure")
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    rule = selectors.rule_get(user, pk)
    form = RuleForm(request.POST or None, rule=rule)
    add_lock_token(form, services.rule_lock_rows(rule, user.active_membership.region, selectors.rules_visible(user)))
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        token = data.pop("lock_token")
        try:
            services.rule_update(actor=user, rule=rule, data=data, expected_version=version, lock_token=token)
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
        else:
            messages.success(request, "规则已保存")
            return redirect("alerts:rules")
    return render(request, "alerts/rule_form.html", {"form": form, "rule": rule}, status=status)


@require_POST
@capability_required("alerts.configure")
def profile_save(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = ProfileForm(request.POST)
    add_lock_token(form, selectors.settings_visible(user))  # the posted token is shown again with the form
    if not form.is_valid():
        messages.error(request, _errors(form))
        return _rules_page(request, profile_form=form, status=400)
    try:
        services.setting_save(
            actor=user,
            region=user.active_membership.region,
            fiscal_year=form.cleaned_data["fiscal_year"],
            profile=form.cleaned_data["profile"],
            reminder_feedback_days=form.cleaned_data["reminder_feedback_days"],
            idle_months=form.cleaned_data["idle_months"],
            slow_month=form.cleaned_data["slow_month"],
            slow_rate_pct=form.cleaned_data["slow_rate_pct"],
            lock_token=posted_lock_token(request.POST),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _rules_page(request, profile_form=form, status=exc.status_code)
    messages.success(request, "预警方案设置已保存，切换方案后请重新计算预警")
    return redirect("alerts:rules")


@require_POST
@capability_required("alerts.configure")
def sweep_now(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = SweepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("alerts:rules")
    data = form.cleaned_data
    region = user.active_membership.region
    job = job_start(
        user,
        "alerts.sweep",
        "jixiao.alerts.views.sweep_job",
        title=f"计算预警：{region.name}{data['fiscal_year']}年度（截至{data['as_of']:%Y-%m-%d}）",
        region_code=region.mof_div_code,
        fiscal_year=data["fiscal_year"],
        as_of=data["as_of"].isoformat(),
        membership_id=user.active_membership.pk,
    )
    return redirect(f"{reverse('core:job_detail', args=[job.pk])}?back={reverse('alerts:list')}")


def sweep_job(job: Job, *, fiscal_year: int, as_of: str, membership_id: int) -> None:
    """The background half of 立即计算: one region's full sweep (all rules, lights, cases), then its summary."""
    user = job_identity(job, membership_id)
    job_progress(job, 0, None, "正在计算预警…")
    result = services.sweep(
        actor=user,
        region=user.active_membership.region,
        fiscal_year=fiscal_year,
        as_of=date.fromisoformat(as_of),
        progress=lambda done, total: job_progress(job, done, total, f"已计算{done}/{total}个财政区划"),
    )
    job_summarize(
        job,
        f"已计算{result.projects}个项目：预警{result.warnings}条，其中红灯{result.red}条，新开处置{result.cases_opened}件",
        [("项目", result.projects), ("预警", result.warnings), ("红灯", result.red), ("新开处置", result.cases_opened)],
    )


@capability_required("alerts.configure")
def calendar_view(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = user.active_membership.region
    year = _year(request)
    form = CalendarForm(request.POST or None)
    add_lock_token(form, services.calendar_lock_rows(selectors.calendar_days(region, year)))
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # The token covers the year shown; a date of another year was not on the page, so nothing there is stale.
        shown = data["lock_token"] if data["date"].year == year else None
        try:
            services.calendar_day_save(
                actor=user,
                region=region,
                day=data["date"],
                is_working=data["is_working"],
                name=data["name"],
                lock_token=shown,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
        else:
            messages.success(request, "工作日历已保存")
            # Back on the saved day's year: next year's holidays (entered in December) are listed there.
            return redirect(f"{reverse('alerts:calendar')}?fiscal_year={data['date'].year}")
    return _calendar_page(request, form, status=status)


def _calendar_page(request: HttpRequest, form: CalendarForm | None = None, *, status: int = 200) -> HttpResponse:
    """The calendar of the year shown; also after a refused 删除, at the delete's address, with its status."""
    user: Any = request.user
    region = user.active_membership.region
    year = _year(request)
    days = list(selectors.calendar_days(region, year))
    if form is None:
        form = CalendarForm()
        add_lock_token(form, services.calendar_lock_rows(days))
    context = {"form": form, "days": days, "year": year, "region": region, "lock_token": form.initial["lock_token"]}
    return render(request, "alerts/calendar.html", context, status=status)


@require_POST
@capability_required("alerts.configure")
def calendar_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    try:
        services.calendar_day_delete(
            actor=user, region=user.active_membership.region, pk=pk, lock_token=posted_lock_token(request.POST)
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _calendar_page(request, status=exc.status_code)
    messages.success(request, "已删除")
    return redirect(f"{reverse('alerts:calendar')}?fiscal_year={_year(request)}")  # the year the row was listed in
