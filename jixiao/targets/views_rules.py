"""智能审核规则: the performance section sees every rule as it applies in its region and overrides it there.

Each parameter is a field typed like its national default (a number, a word, a list of words, a yes/no), posted
as `param-<key>`; a field left empty keeps the value from above (services_rules.parse_params)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.core.errors import ConflictError, DomainError
from jixiao.core.locking import add_lock_token, posted_lock_token
from jixiao.core.views_helpers import capability_required
from jixiao.organizations.selectors import current_fiscal_year
from jixiao.targets import review_scoring, services_rules
from jixiao.targets.forms import ReviewSettingsForm
from jixiao.targets.models import CheckSeverity, TargetReviewSettings
from jixiao.targets.selectors import check_rules_overview

PARAM_PREFIX = "param-"


@capability_required("target.configure")
def rule_list(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _fields(code: str, values: dict[str, str], error_key: str = "") -> list[dict[str, Any]]:
    """A rule's parameter inputs: the typed text (or the region's own value), the default as the placeholder."""
    return [
        {
            "key": f.key,
            "name": PARAM_PREFIX + f.key,
            "label": f.label,
            "kind": f.kind,
            "value": values.get(f.key, ""),
            "default": f.default_text,
            "invalid": f.key == error_key,
        }
        for f in services_rules.param_fields(code)
    ]


def _page(request: HttpRequest, status: int = 200, posted: dict[str, Any] | None = None) -> HttpResponse:
    """The rules and their forms; `posted` is a refused row's input, shown again in its form with the reason."""
    user: Any = request.user
    year = current_fiscal_year()
    rows = check_rules_overview(user.active_membership.region, year.year if year else None)
    for row in rows:
        row["params_text"] = services_rules.params_text(row["params"])
        row["default_params_text"] = services_rules.params_text(row["default_params"])
        own = {key: services_rules.param_text(value) for key, value in row["params"].items()}
        row["form"] = {
            "severity": row["severity"],
            "is_enabled": row["is_enabled"],
            "fields": _fields(row["code"], own),
        }
        row["form"]["lock_token"] = row["lock_token"]
        if posted is not None and posted["code"] == row["code"]:
            token = row["lock_token"] if posted.get("fresh_token") else posted["lock_token"]
            fields = _fields(row["code"], posted["params"], posted.get("error_key", ""))
            row["form"] = {**posted, "fields": fields, "lock_token": token}
    return render(
        request,
        "targets/rules.html",
        {
            "rows": rows,
            "severities": CheckSeverity.choices,
            "region": user.active_membership.region,
            "yes_no": services_rules.YES_NO,
            "number_kind": services_rules.NUMBER,
        },
        status=status,
    )


@require_POST
@capability_required("target.configure")
def rule_save(request: HttpRequest, code: str) -> HttpResponse:
    posted: dict[str, Any] = {
        "code": code,
        "severity": request.POST.get("severity", ""),
        "is_enabled": request.POST.get("is_enabled") == "on",
        "params": {f.key: request.POST.get(PARAM_PREFIX + f.key, "") for f in services_rules.param_fields(code)},
        "lock_token": posted_lock_token(request.POST) or "",
    }
    try:
        services_rules.check_rule_set(
            actor=request.user,
            code=code,
            severity=posted["severity"],
            is_enabled=posted["is_enabled"],
            params=services_rules.parse_params(code, posted["params"]),
            lock_token=posted["lock_token"] or None,
        )
    except DomainError as exc:
        # The page again with what was typed in that row and the reason, the refused field marked. Refused as saved
        # by someone else since (409), the row's form takes the rule as it now is: a second press saves on purpose.
        messages.error(request, f"{code}：{exc.message}")
        posted["error"] = exc.message
        posted["error_key"] = getattr(exc, "key", "")
        posted["fresh_token"] = isinstance(exc, ConflictError)
        return _page(request, status=exc.status_code if isinstance(exc, ConflictError) else 400, posted=posted)
    messages.success(request, f"已保存规则 {code} 在本区划的设置")
    return redirect("targets:rules")


@capability_required("target.configure")
def review_settings(request: HttpRequest) -> HttpResponse:
    """目标审核评分设置: the rows that apply in the region (national, its ancestors', its own) and a form for its own
    row, which starts from the setting that applies now."""
    region: Any = request.user.active_membership.region  # type: ignore[union-attr]
    year = current_fiscal_year()
    now = review_scoring.review_settings(region, year.year) if year else TargetReviewSettings()
    initial = {name: getattr(now, name) for name in TargetReviewSettings.VALUE_FIELDS}
    initial["panel_classes"] = list(now.panel_classes)
    form = ReviewSettingsForm(request.POST or None, initial=initial)
    # The form creates or updates one of the region's rows: the token covers all of them (a row added counts too).
    add_lock_token(form, review_scoring.own_rows(region))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services_rules.review_settings_save(
                    actor=request.user,
                    fiscal_year=form.cleaned_data["fiscal_year"],
                    values=form.values(),
                    lock_token=form.cleaned_data.get("lock_token"),
                    panel_classes=form.panel_classes(),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                messages.success(request, "目标审核评分设置已保存，对此后的绩效股复审生效")
                return redirect("targets:review_settings")
    context = {"form": form, "rows": review_scoring.applicable_rows(region), "region": region, "now": now, "year": year}
    return render(request, "targets/review_settings.html", context, status=status)
