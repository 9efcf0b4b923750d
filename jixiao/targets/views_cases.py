"""指标案例库: the performance section files approved targets as worked examples; everyone on staff reads them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.core.forms import valid_filters
from jixiao.core.views_helpers import capability_required, form_page, paginate
from jixiao.targets import selectors, selectors_cases, services_cases
from jixiao.targets.forms_cases import CaseFilterForm, CaseForm
from jixiao.targets.models import TargetCase, TargetStatus


@capability_required("target.view")
def case_list(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None)
    params = valid_filters(form)
    queryset = selectors_cases.cases_filtered(request.user, params)
    return render(request, "targets/case_list.html", {"form": form, "page": paginate(request, queryset)})


@capability_required("target.view")
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors_cases.case_get(request.user, pk)
    indicators = case.snapshot.get("indicators") or []
    context = {
        "case": case,
        "s": case.snapshot,
        "has_midterm": any(row.get("midterm_value") for row in indicators),
        "can_manage": selectors_cases.kept_by(request.user, case),
    }
    return render(request, "targets/case_detail.html", context)


@capability_required("target.case_manage")
def case_create(request: HttpRequest, target_pk: int) -> HttpResponse:
    """设为指标案例 from an approved target's page: 行业领域 (suggested from its library indicators), name, note."""
    target = selectors.target_get(request.user, target_pk)
    existing = selectors_cases.case_of(target)
    if existing is not None:
        messages.info(request, "本目标已是指标案例")
        return redirect("targets:case_detail", pk=existing.pk)
    if target.status != TargetStatus.APPROVED:
        messages.error(request, f"只有已批复的绩效目标可以设为案例，本目标当前为“{target.get_status_display()}”")
        return redirect("targets:detail", pk=target.pk)
    initial = {"title": target.name, "category": selectors_cases.suggested_category(target)}
    return form_page(
        request,
        CaseForm(request.POST or None, initial=initial),
        lambda data, _version: services_cases.case_create(actor=request.user, target=target, data=data),
        template="targets/case_form.html",
        context={"target": target, "title": f"设为指标案例：{target.name}"},
        success="已设为指标案例",
        done=lambda case: redirect("targets:case_detail", pk=case.pk),
    )


def _own(request: HttpRequest, pk: int) -> TargetCase:
    case = selectors_cases.case_get(request.user, pk)
    if not selectors_cases.kept_by(request.user, case):
        raise PermissionDenied("这是其他财政区划的指标案例，只能查看，不能修改")
    return case


@capability_required("target.case_manage")
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = _own(request, pk)
    initial = {"category": case.category, "title": case.title, "note": case.note, "version": case.version}
    return form_page(
        request,
        CaseForm(request.POST or None, initial=initial),
        lambda data, version: services_cases.case_update(actor=request.user, case=case, data=data, version=version),
        template="targets/case_form.html",
        context={"case": case, "title": f"修改指标案例：{case.title}"},
        success="修改已保存",
        done=lambda _row: redirect("targets:case_detail", pk=case.pk),
    )


@require_POST
@capability_required("target.case_manage")
def case_delete(request: HttpRequest, pk: int) -> HttpResponse:
    case = _own(request, pk)
    services_cases.case_delete(actor=request.user, case=case)
    messages.success(request, "已移出指标案例库")
    return redirect("targets:case_list")
