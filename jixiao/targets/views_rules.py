"""智能审核规则: the performance section sees every rule as it applies in its region and overrides it there."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.core.errors import DomainError
from jixiao.core.views_helpers import capability_required
from jixiao.organizations.selectors import current_fiscal_year
from jixiao.targets import services_rules
from jixiao.targets.models import CheckSeverity
from jixiao.targets.selectors import check_rules_overview


@capability_required("target.configure")
def rule_list(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _page(request: HttpRequest, status: int = 200, posted: dict[str, Any] | None = None) -> HttpResponse:
    """The rules and their forms; `posted` is a refused row's input, shown again in its form with the reason."""
    user: Any = request.user
    year = current_fiscal_year()
    rows = check_rules_overview(user.active_membership.region, year.year if year else None)
    for row in rows:
        row["params_text"] = json.dumps(row["params"], ensure_ascii=False)
        row["default_params_text"] = json.dumps(row["default_params"], ensure_ascii=False)
        row["form"] = {
            "severity": row["severity"],
            "is_enabled": row["is_enabled"],
            "params": row["params_text"] if row["has_override"] else "",
        }
        if posted is not None and posted["code"] == row["code"]:
            row["form"] = posted
    return render(
        request,
        "targets/rules.html",
        {"rows": rows, "severities": CheckSeverity.choices, "region": user.active_membership.region},
        status=status,
    )


@require_POST
@capability_required("target.configure")
def rule_save(request: HttpRequest, code: str) -> HttpResponse:
    posted: dict[str, Any] = {
        "code": code,
        "severity": request.POST.get("severity", ""),
        "is_enabled": request.POST.get("is_enabled") == "on",
        "params": request.POST.get("params", ""),
    }
    try:
        services_rules.check_rule_set(
            actor=request.user,
            code=code,
            severity=posted["severity"],
            is_enabled=posted["is_enabled"],
            params=services_rules.parse_params(posted["params"]),
        )
    except DomainError as exc:
        # The page again with what was typed in that row (a JSON typo must not lose the text) and the reason.
        messages.error(request, f"{code}：{exc.message}")
        posted["error"] = exc.message
        return _page(request, status=400, posted=posted)
    messages.success(request, f"已保存规则 {code} 在本区划的设置")
    return redirect("targets:rules")
