"""联合审核 pages (`projects.joint_review`): the lead department's list and project page, the 绩效股's settings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.core.errors import ConflictError, DomainError
from jixiao.core.forms import valid_filters
from jixiao.core.locking import FIELD_NAME as LOCK_FIELD
from jixiao.core.locking import add_lock_token, lock_token
from jixiao.core.views_helpers import capability_required, paginate
from jixiao.projects import joint_review, selectors, services
from jixiao.projects.forms import JointFilterForm, JointOpinionForm, JointRuleForm
from jixiao.projects.models import FundTheme, JointReviewRule


@capability_required("project.joint_review")
def joint_list(request: HttpRequest) -> HttpResponse:
    """The fund-theme projects the user's department reviews jointly, waiting ones first by default."""
    data = request.GET.copy()
    data.setdefault("show", "waiting")  # the page and its pager links without a choice: 待联合审核
    form = JointFilterForm(data)
    params = valid_filters(form)
    rules = joint_review.reviewer_rules(request.user)
    projects = joint_review.joint_projects(request.user, rules)
    waiting = joint_review.waiting(projects).count() if rules else 0
    show = params.get("show", "")
    if show == "waiting":
        projects = joint_review.waiting(projects)
    elif show:
        projects = projects.filter(**{joint_review.VERDICT: show})
    if params.get("fiscal_year"):
        projects = projects.filter(fiscal_year=params["fiscal_year"])
    if params.get("q"):
        term = params["q"].strip()
        projects = projects.filter(Q(code__startswith=term) | Q(name__icontains=term))
    page = paginate(request, projects.order_by("-fiscal_year", "code"))
    context = {"form": form, "page": page, "rules": rules, "waiting": waiting}
    return render(request, "projects/joint_list.html", context)


@capability_required("project.joint_review")
def joint_review_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One project as the lead department sees it (read only), with its opinions and, at the joint step, the form."""
    project = _joint_project(request.user, pk)
    form = JointOpinionForm(request.POST or None, initial={"version": project.version})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.joint_review_opinion(
                    actor=request.user,
                    project_id=project.pk,
                    verdict=form.cleaned_data["verdict"],
                    comment=form.cleaned_data["comment"],
                    expected_version=form.cleaned_data["version"],
                )
            except DomainError as exc:
                status = exc.status_code
                project = _joint_project(request.user, pk)
                # The opinion as typed stays, on the project as it is now: sent again, it is about what is shown.
                data = request.POST.copy()
                data["version"] = str(project.version)
                form = JointOpinionForm(data)
                form.is_valid()
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"已提交对项目“{project.name}”的联合审核意见")
                return redirect("projects:joint_review", pk=project.pk)
        else:
            status = 400
    context = {
        "project": project,
        "form": form,
        "card": joint_review.card(project),
        "events": selectors.project_events(project)[:50],
        "at_step": project.status == project.Status.DEPT_APPROVED,
    }
    return render(request, "projects/joint_review.html", context, status=status)


def _joint_project(user: Any, pk: int) -> Any:
    """A project the user reviews jointly, or 404 (any other project does not exist on these pages)."""
    project = joint_review.joint_projects(user).filter(pk=pk).first()
    if project is None:
        raise Http404
    return project


@capability_required("project.configure")
def joint_settings(request: HttpRequest) -> HttpResponse:
    """联合审核设置 of the user's region: one form per fund theme."""
    region = request.user.active_membership.region  # type: ignore[union-attr]
    rules = {rule.theme: rule for rule in joint_review.region_rules(region.pk)}
    forms = [
        (theme, label, _rule_form(region, theme, rules.get(theme)), rules.get(theme))
        for theme, label in FundTheme.choices
    ]
    return render(request, "projects/joint_settings.html", {"forms": forms, "region": region})


def _rule_form(region: Any, theme: str, rule: JointReviewRule | None) -> JointRuleForm:
    """The settings form of one theme, starting from the region's rule (a new rule starts switched on), with the
    rule's lock token."""
    initial = {"theme": theme, "department": rule.department_id if rule else None, "is_active": True}
    if rule is not None:
        initial["is_active"] = rule.is_active
    form = JointRuleForm(region=region, initial=initial)
    add_lock_token(form, rule)
    return form


@require_POST
@capability_required("project.configure")
def joint_rule_save(request: HttpRequest) -> HttpResponse:
    region = request.user.active_membership.region  # type: ignore[union-attr]
    form = JointRuleForm(request.POST, region=region)
    add_lock_token(form, None)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            row = services.joint_rule_save(
                actor=request.user,
                theme=data["theme"],
                department_id=data["department"].pk,
                is_active=data["is_active"],
                lock_token=data[LOCK_FIELD] or None,
            )
        except DomainError as exc:
            status = exc.status_code
            if isinstance(exc, ConflictError):  # saved meanwhile: the choice stays, stamped with the rule as it is now
                current = next((r for r in joint_review.region_rules(region.pk) if r.theme == data["theme"]), None)
                posted = request.POST.copy()
                posted[LOCK_FIELD] = lock_token(current)
                form = JointRuleForm(posted, region=region)
                add_lock_token(form, current)
                form.is_valid()
            form.add_error(None, exc.message)
        else:
            state = "启用" if row.is_active else "停用"
            messages.success(request, f"{row.get_theme_display()}联合审核设置已保存（{row.department.name}，{state}）")
            return redirect("projects:joint_settings")
    theme = request.POST.get("theme", "")
    rules = {rule.theme: rule for rule in joint_review.region_rules(region.pk)}
    forms = [
        (t, label, form if t == theme else _rule_form(region, t, rules.get(t)), rules.get(t))
        for t, label in FundTheme.choices
    ]
    # A theme the page does not have (a stale or tampered page) has no form to show its error in.
    error = "" if theme in FundTheme.values else "资金类别无效，请刷新页面后重新设置"
    context = {"forms": forms, "region": region, "error": error}
    return render(request, "projects/joint_settings.html", context, status=status)
