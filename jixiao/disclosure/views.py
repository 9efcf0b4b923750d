"""Internal 信息公开 pages: the item list (with the review queue as a filter), an item, statistics, generation."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jixiao.core.errors import DomainError
from jixiao.core.forms import valid_filters
from jixiao.core.locking import add_lock_token, lock_token, step_refusal, still_offered
from jixiao.core.numbers import year_or_none
from jixiao.core.views_helpers import capability_required, paginate, stored_file_response
from jixiao.disclosure import selectors, services
from jixiao.disclosure.forms import GenerateForm, ListFilterForm, SettingsForm, TransitionForm
from jixiao.disclosure.models import Disclosure, Exemption
from jixiao.disclosure.workflow import PROPOSE_EXEMPT
from jixiao.organizations.selectors import current_fiscal_year


def _year(request: HttpRequest) -> int:
    year = year_or_none(request.GET.get("fiscal_year", ""))
    if year is not None:
        return year
    current = current_fiscal_year()
    return current.year if current else 0


@capability_required("disclosure.view")
def disclosure_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


def _list_page(request: HttpRequest, *, status: int = 200, generate_form: GenerateForm | None = None) -> HttpResponse:
    """The list as filtered by the address; after a refused 生成 or 批量提交 with the reason and its status."""
    form = ListFilterForm(request.GET or None, user=request.user)
    params = valid_filters(form)
    queryset = selectors.disclosures_filtered(request.user, params)
    page = paginate(request, queryset)
    # 批量提交 only above a page with an item to tick (待提交): it showed on every page, to tick nothing.
    can_propose = request.user.can("disclosure.propose")  # type: ignore[union-attr]
    context = {
        "form": form,
        "page": page,
        "generate_form": generate_form or GenerateForm(initial={"fiscal_year": _year(request)}),
        "page_base": reverse("disclosure:list"),  # its filter and pager, also when shown at a refused POST's address
        "title": "信息公开事项",
        "can_bulk_propose": can_propose and any(item.status == Disclosure.Status.PENDING for item in page),
    }
    return render(request, "disclosure/list.html", context, status=status)


@capability_required("disclosure.review")
def review_queue(request: HttpRequest) -> HttpResponse:
    return _queue_page(request)


def _queue_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    params = {"status": Disclosure.Status.REVIEW}
    form = ListFilterForm(params, user=request.user)
    form.is_valid()
    queryset = selectors.disclosures_filtered(request.user, params)
    context = {
        "form": form,
        "page": paginate(request, queryset),
        "title": "公开审核",
        "is_queue": True,
        "can_bulk_publish": True,
        "page_base": reverse("disclosure:review"),
    }
    return render(request, "disclosure/list.html", context, status=status)


def _detail_context(request: HttpRequest, item: Disclosure) -> dict[str, Any]:
    actions = selectors.available_actions(request.user, item)
    # A refused action shows the page again with what was typed: the reason in the form it came from, the type.
    posted = request.POST if request.method == "POST" else {}
    return {
        "posted_action": posted.get("action", ""),
        "posted_comment": posted.get("comment", ""),
        "posted_exemption": posted.get("exemption", ""),
        "item": item,
        "actions": [t for t in actions if t.action != PROPOSE_EXEMPT],
        "can_propose_exempt": any(t.action == PROPOSE_EXEMPT for t in actions),
        "exemptions": Exemption.choices,
        "events": selectors.disclosure_events(item)[:100],
        "preview": selectors.snapshot_preview(item),
        "version_now": selectors.target_version_now(item),
        "pending_update": selectors.pending_update(item),
        "lock_token": lock_token(item),
    }


@capability_required("disclosure.view")
def disclosure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.disclosure_get(request.user, pk)
    return render(request, "disclosure/detail.html", _detail_context(request, item))


@require_POST
@capability_required("disclosure.view")
def disclosure_transition(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.disclosure_get(request.user, pk)
    shown = (item.status, item.version)  # what the page showed, as far as the row tells
    form = TransitionForm(request.POST)
    add_lock_token(form, item)
    if not form.is_valid():
        messages.error(request, "操作无效")
        return render(request, "disclosure/detail.html", _detail_context(request, item), status=400)
    data = form.cleaned_data
    try:
        services.disclosure_transition(
            actor=request.user,
            item=item,
            action=data["action"],
            comment=data["comment"],
            exemption=data["exemption"],
            lock_token=data.get("lock_token"),
        )
    except DomainError as exc:
        # As on the other review pages: a colleague's step meanwhile is named, and a reason typed for a step no
        # longer offered is shown apart to copy (core.locking).
        item = selectors.disclosure_get(request.user, pk)
        message = step_refusal(
            exc,
            moved=(item.status, item.version) != shown,
            last_event=lambda: selectors.disclosure_events(item).first(),
            label_of=lambda e: e.action_label,
        )
        messages.error(request, message)
        context = _detail_context(request, item)
        if data["comment"] and not still_offered(data["action"], selectors.available_actions(request.user, item)):
            context.update(posted_comment="", unsent_comment=data["comment"])
        return render(request, "disclosure/detail.html", context, status=exc.status_code)
    messages.success(request, "操作成功")
    return redirect("disclosure:detail", pk=pk)


@require_POST
@capability_required("disclosure.generate")
def disclosure_generate(request: HttpRequest) -> HttpResponse:
    form = GenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请输入正确的年度")
        return _list_page(request, status=400, generate_form=form)  # the year as typed, with its error
    year = form.cleaned_data["fiscal_year"]
    try:
        result = services.disclosure_generate(
            actor=request.user, region=selectors.user_region(request.user), fiscal_year=year
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _list_page(request, status=exc.status_code, generate_form=form)
    messages.success(
        request, f"已生成{result['created']}个{year}年度公开事项，其中{result['exempt_secret']}个涉密默认不予公开"
    )
    return redirect(f"{reverse('disclosure:list')}?fiscal_year={year}")


@capability_required("disclosure.view")
def snapshot_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The frozen file of a published (or withdrawn) item, for internal readers."""
    item = selectors.disclosure_get(request.user, pk)
    return stored_file_response(
        item.snapshot_file,
        item.snapshot_file_name or "report",
        opened=lambda: services.disclosure_file_opened(actor=request.user, item=item),
    )


@capability_required("disclosure.view")
def statistics(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    # The year shown is always in the select (a year with no items yet, e.g. a new current year, or one typed in the
    # address): otherwise the select showed another year than the figures and 查看 jumped to it.
    years = sorted({*selectors.year_choices(request.user), *([year] if year else [])}, reverse=True)
    context = {
        "year": year,
        "years": years,
        "rows": selectors.statistics_rows(request.user, year),
        "summary": selectors.disclosure_summary(request.user, year),
    }
    return render(request, "disclosure/statistics.html", context)


@capability_required("disclosure.generate")
def settings_page(request: HttpRequest) -> HttpResponse:
    region = selectors.user_region(request.user)
    form = SettingsForm(request.POST or None)
    # The form creates or updates one of the region's rows: the token covers all of them (a row added counts too).
    add_lock_token(form, selectors.settings_of_region(region))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.disclosure_settings_save(
                    actor=request.user,
                    region=region,
                    fiscal_year=form.cleaned_data["fiscal_year"],
                    days_after_approval=form.cleaned_data["days_after_approval"],
                    lock_token=form.cleaned_data.get("lock_token"),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                messages.success(request, "公开期限已保存，对此后生成的公开事项生效")
                return redirect("disclosure:settings")
    context = {"form": form, "rows": selectors.settings_rows(region), "region": region}
    return render(request, "disclosure/settings.html", context, status=status)


@require_POST
@capability_required("disclosure.view")
def disclosure_bulk(request: HttpRequest) -> HttpResponse:
    """批量提交 (list page) / 批量公开 (review queue) of the ticked items."""
    # The ticked ids as posted: the service (core.bulk.clean_ids) answers 404 for one that is not a number.
    ids = request.POST.getlist("ids")
    action = request.POST.get("action", "")
    # Back to the list as it was: its filters and page travel in the form's address (the 待提交 list stays filtered).
    query = request.GET.urlencode()
    back = reverse("disclosure:review" if action == "publish" else "disclosure:list") + (f"?{query}" if query else "")
    try:
        count = services.disclosure_bulk_transition(actor=request.user, ids=ids, action=action)
    except DomainError as exc:
        # The list as it was (its filters travel in this address) with the reason and its status, not a redirect.
        messages.error(request, exc.message)
        if action == "publish" and request.user.can("disclosure.review"):  # type: ignore[union-attr]
            return _queue_page(request, status=exc.status_code)
        return _list_page(request, status=exc.status_code)
    messages.success(request, f"已办理{count}个公开事项")
    return redirect(back)
