"""存量资金清理 pages: the year's idle funds on a date (`idle_funds`), their Excel export, and 收回 of the ticked
projects' balances (`services.idle_funds_recover`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jixiao.alerts import idle_funds, services
from jixiao.alerts.exports import IDLE_HEADERS, idle_rows
from jixiao.alerts.forms import IdleFundFilterForm, IdleFundRecoverForm
from jixiao.core.errors import DomainError
from jixiao.core.forms import valid_filters
from jixiao.core.list_exports import ListExport, Selection, export_list
from jixiao.core.money import format_wan
from jixiao.core.numbers import is_digits
from jixiao.core.views_helpers import capability_required, paginate
from jixiao.organizations.selectors import current_fiscal_year


def _default_year() -> int:
    current = current_fiscal_year()
    return current.year if current else timezone.localdate().year


def _query(user: Any, query: QueryDict) -> tuple[IdleFundFilterForm, idle_funds.Criteria, Any]:
    """The filter form, the clean-up's criteria (year and date, the user's region's settings) and the candidates."""
    # The year and the date the list is read for show in their boxes (and go with its export) even when not asked.
    data = query.copy()
    if not data.get("fiscal_year"):
        data["fiscal_year"] = str(_default_year())
    if not data.get("as_of"):
        data["as_of"] = timezone.localdate().isoformat()
    form = IdleFundFilterForm(data, user=user)
    params = valid_filters(form)
    year = params.get("fiscal_year") or _default_year()
    as_of: date = params.get("as_of") or timezone.localdate()
    criteria = idle_funds.criteria_for(user.active_membership.region, year, as_of)
    return form, criteria, idle_funds.idle_candidates(user, criteria, params)


@capability_required("alerts.view")
def idle_fund_list(request: HttpRequest) -> HttpResponse:
    return _page(request, request.GET)


def _page(
    request: HttpRequest, query: QueryDict, *, status: int = 200, recover_form: IdleFundRecoverForm | None = None
) -> HttpResponse:
    """存量资金清理: the year's in-library projects holding idle funds on the date, with the rule each meets, the
    filtered total, what this clean-up has recovered so far, and (for the 绩效股 and 预算股) 收回 of the ticked ones."""
    user: Any = request.user
    form, criteria, candidates = _query(user, query)
    totals = candidates.totals()
    page = paginate(request, candidates, count=totals["count"])
    for project in page:
        project.rate = idle_funds.rate(project)
        project.last_paid = idle_funds.last_paid_text(project)
    can_recover = user.can("alerts.adjust")
    if recover_form is None:
        recover_form = IdleFundRecoverForm(initial={"fiscal_year": criteria.fiscal_year, "as_of": criteria.as_of})
    context = {
        "form": form,
        "criteria": criteria,
        "rules": criteria.sentences(),
        "page": page,
        "totals": totals,
        "recovered": idle_funds.recovered_totals(user, criteria.fiscal_year),
        "query": form.data.urlencode(),  # type: ignore[attr-defined]  # with the year and date shown, so the export reads the same list
        "can_recover": can_recover,
        "recover_form": recover_form,
        "checked": {int(v) for v in request.POST.getlist("ids") if is_digits(v)},
        "own_region_id": user.active_membership.region_id,  # 收回 is for the projects of the user's own region
        "as_of_is_today": criteria.as_of == timezone.localdate(),
    }
    return render(request, "alerts/idle_funds.html", context, status=status)


def _idle_selection(user: Any, query: QueryDict) -> Selection:
    form, _criteria, candidates = _query(user, query)
    return Selection(rows=lambda: idle_rows(candidates, candidates.count()), count=candidates.count, form=form)


IDLE_EXPORT = ListExport(
    kind="alerts.idle_funds_export",
    title="存量资金清理表",
    header=IDLE_HEADERS,
    capability="alerts.view",
    select=_idle_selection,
    path="jixiao.alerts.views_idle.IDLE_EXPORT",
    noun="个项目",
)


@capability_required(IDLE_EXPORT.capability)
def idle_fund_export(request: HttpRequest) -> HttpResponse:
    """Every listed project (it stopped silently at 200,000): streamed when short or as CSV, else a job."""
    return export_list(request, IDLE_EXPORT, back=reverse("alerts:idle_funds"))


@require_POST
@capability_required("alerts.adjust")
def idle_fund_recover(request: HttpRequest) -> HttpResponse:
    """收回 of the ticked projects' idle balances. The list's query string comes along: a refusal shows the same list
    again with the reason, the ticks and the typed text (4xx); success goes back to it."""
    form = IdleFundRecoverForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写收回依据及统筹用途（不超过1000字），并确认预算年度和认定日期")
        return _page(request, request.GET, status=400, recover_form=form)
    data = form.cleaned_data
    try:
        count, amount = services.idle_funds_recover(
            actor=request.user,
            fiscal_year=data["fiscal_year"],
            as_of=data["as_of"],
            project_ids=request.POST.getlist("ids"),
            reason=data["reason"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _page(request, request.GET, status=exc.status_code, recover_form=form)
    messages.success(request, f"已收回{count}个项目的存量资金{format_wan(amount)}万元，已登记到预算调整登记")
    return redirect(f"{reverse('alerts:idle_funds')}?{request.GET.urlencode()}")
