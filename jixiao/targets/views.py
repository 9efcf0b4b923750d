"""Target pages: list, start from a project, detail with review actions, the indicator grid editor,
batch approval with the budget and review statistics."""

from __future__ import annotations

from functools import partial
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jixiao.core import bulk, once
from jixiao.core.errors import DomainError
from jixiao.core.locking import posted_lock_token, step_refusal, still_offered, typed_opinion
from jixiao.core.numbers import id_or_none, year_or_none
from jixiao.core.views_helpers import capability_required, paginate
from jixiao.organizations.selectors import current_fiscal_year, department_regions, pick_region
from jixiao.targets import checks, review_scoring, selectors, services, similarity, snapshots, statistics
from jixiao.targets.filtersets import TargetFilterSet
from jixiao.targets.forms import (
    CommentForm,
    GoalsForm,
    PanelSubmitForm,
    StartForm,
    TransitionForm,
    indicator_grid,
)
from jixiao.targets.models import REVIEW_ASPECTS, PerformanceTarget
from jixiao.targets.workflow import BULK_ACTIONS, EDITABLE_STATES, GRADE_OF_ACTION, TARGET_WORKFLOW

# "seed": rows loaded as initial data (the demo county, a migration from the old system) rather than entered here.
ACTION_LABELS = {"create": "创建", "seed": "初始数据导入", **{t.action: t.label for t in TARGET_WORKFLOW.transitions}}
SEVERITY_LABELS = {"error": ("错误", "danger"), "warning": ("警告", "warning"), "info": ("提示", "info")}
# Statistics columns in display order; the function returns a subset (or aliases) of these keys.
STATISTICS_COLUMNS = [
    (("department__name", "department_name", "department"), "主管部门", "text"),
    (("total",), "目标数", "int"),
    (("submitted",), "已报送", "int"),
    (("returned",), "被退回", "int"),
    (("excellent", "grade_excellent"), "优", "int"),
    (("good", "grade_good"), "良", "int"),
    (("fair", "grade_fair"), "中", "int"),
    (("poor", "grade_poor"), "差", "int"),
    (("opinions", "opinion_count", "comments"), "修改意见数", "int"),
    (("rejected", "rejected_count"), "未通过数", "int"),
    (("rejected_amount_yuan", "rejected_yuan", "rejected_amount"), "未通过金额（万元）", "money"),
    (("scored",), "评分审核数", "int"),
    (("mean_score",), "平均审核得分", "score"),
]
HIDDEN_STATISTICS_KEYS = {"department__dept_code", "department_id", "department__id", "dept_code", "score_total"}


def _year(request: HttpRequest) -> int:
    year = year_or_none(request.GET.get("fiscal_year") or request.POST.get("fiscal_year"))
    if year is not None:
        return year
    current = current_fiscal_year()
    return current.year if current else 0


def _user(request: HttpRequest) -> Any:
    return request.user


# ---------------------------------------------------------------- list and start


@capability_required("target.view")
def target_list(request: HttpRequest) -> HttpResponse:
    return _list(request)


def _list(request: HttpRequest, *, status: int = 200, refused: bool = False) -> HttpResponse:
    """The list, filtered by the query string (also that of a refused 批量审核, shown again with its ticks and text)."""
    filterset = TargetFilterSet(
        request.GET or None, queryset=selectors.targets_visible(request.user), user=request.user
    )
    page = paginate(request, filterset.qs, bulk.per_page(request), by_ids=True)  # ids sorted, not wide rows
    panel = bulk.panel(
        request,
        workflow=TARGET_WORKFLOW,
        offered=BULK_ACTIONS,
        rows=page,
        url=reverse("targets:bulk"),
        list_url=reverse("targets:list"),
        refused=refused,
    )
    context = {"filter": filterset, "page": page, "bulk": panel}
    template = "targets/_table.html" if request.htmx else "targets/list.html"  # type: ignore[attr-defined]
    return render(request, template, context, status=status)


@require_POST
@capability_required("target.view")
def target_bulk(request: HttpRequest) -> HttpResponse:
    """批量通过 / 批量退回 of the ticked targets; a refusal shows the list again, ticks and typed opinion kept."""
    return bulk.answer(
        request,
        workflow=TARGET_WORKFLOW,
        transition=services.target_bulk_transition,
        show_list=_list,
        list_url=reverse("targets:list"),
    )


@capability_required("target.edit")
def target_start(request: HttpRequest) -> HttpResponse:
    """为项目填报绩效目标: the user's projects of the current year without a target; POST starts one."""
    year = _year(request)
    status = 200
    if request.method == "POST":
        # A refusal shows the same year's list again with the reason and its status (400, or 409 when a target was
        # started meanwhile), not a redirect.
        form = StartForm(request.POST)
        if not form.is_valid():
            messages.error(request, "请选择项目")
            status = 400
        else:
            project = selectors.project_for_target(request.user, form.cleaned_data["project"])

            def start() -> HttpResponse:
                target = services.target_create_for_project(actor=request.user, project=project)
                messages.success(request, f"已为项目“{project.name}”创建绩效目标，请填写绩效指标")
                return redirect("targets:edit", pk=target.pk)

            try:
                return once.run_once(request, start)  # a double click opens the target the first click started
            except DomainError as exc:
                messages.error(request, exc.message)
                status = exc.status_code
    projects = selectors.projects_without_target(request.user, year)
    context = {"page": paginate(request, projects), "year": year, "year_open": selectors.year_open(year)}
    return render(request, "targets/start.html", context, status=status)


# ---------------------------------------------------------------- detail and review actions


def _indicator_groups(target: PerformanceTarget) -> list[dict[str, Any]]:
    rows = list(selectors.target_indicators(target))
    return [
        {"lv1": lv1, "lv2": lv2, "rows": list(items)}
        for (lv1, lv2), items in groupby(rows, key=lambda r: (r.lv1.name, r.lv2.name))
    ]


def _findings(target: PerformanceTarget) -> list[dict[str, Any]]:
    names = dict(target.indicators.values_list("id", "name"))
    result = []
    for finding in checks.run_checks(target):
        label, css = SEVERITY_LABELS.get(finding.severity, (finding.severity, "secondary"))
        result.append(
            {
                "finding": finding,
                "label": label,
                "css": css,
                "indicator": names.get(finding.indicator_id) if finding.indicator_id else "",
            }
        )
    return result


def _versions(target: PerformanceTarget) -> list[dict[str, Any]]:
    """Each version with the changes from the one before; while adjusting, the pending changes too."""
    versions = list(selectors.target_versions(target))
    result: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for version in versions:
        changes = snapshots.diff(previous, version.snapshot) if previous is not None else []
        result.append({"version": version, "changes": changes, "pending": False})
        previous = version.snapshot
    if target.status == PerformanceTarget.Status.ADJUSTING and previous is not None:
        changes = snapshots.diff(previous, snapshots.snapshot(target))
        result.append({"version": None, "changes": changes, "pending": True})
    return result


def _events(target: PerformanceTarget) -> list[dict[str, Any]]:
    events = selectors.target_events(target)[:100]
    return [{"event": e, "label": ACTION_LABELS.get(e.action, "其他操作")} for e in events]


def _comment_box(actions: list[Any]) -> tuple[str, str]:
    """Label and hint of the opinion box for the user's own buttons: a unit's own steps take a 说明 (a reason for
    申请调整), a reviewer's an 审核意见, required for the buttons named."""
    reviewing = any(t.capability != "target.submit" for t in actions)
    label = "审核意见" if reviewing else "说明"
    needed = [t for t in actions if t.needs_comment]
    if not needed:
        return label, "选填"
    if any(t.action in GRADE_OF_ACTION for t in needed):
        return label, "退回、评级时必须填写意见"
    names = "、".join(dict.fromkeys(t.label for t in needed))
    return label, f"{names}时必须填写{'意见' if reviewing else '理由'}"


def _detail(
    request: HttpRequest,
    target: PerformanceTarget,
    status: int = 200,
    typed_comment: str = "",
    pressed: str | None = None,
    **forms: Any,
) -> HttpResponse:
    """The target page; `typed_comment` is an opinion a refused step (`pressed`) did not record: back in its box when
    the step is still offered, else shown apart to copy (`core.locking.typed_opinion`)."""
    user = _user(request)
    membership = user.active_membership
    actions = TARGET_WORKFLOW.available(target.status, membership.capabilities)
    can_comment = user.can("target.comment") and target.status in services.STAGE_OF_STATE
    comment_label, comment_hint = _comment_box(actions)
    posted = forms.get("transition_form")
    has_grade_actions = any(t.action in GRADE_OF_ACTION for t in actions)
    scoring = review_scoring.scoring_of(target)
    review = scoring if has_grade_actions else None
    panel = review_scoring.panel_scores(target.panel.all()) if scoring else None
    if review is not None and panel is not None and posted is None:  # the 复审 boxes start from the panel's means
        initial = {f"score_{i}": panel.aspects[name] for i, name in enumerate(REVIEW_ASPECTS, start=1)}
    else:
        initial = {}
    context = {
        "comment_label": comment_label,
        "comment_hint": comment_hint,
        "target": target,
        "actions": actions,
        "has_grade_actions": has_grade_actions,
        "review": review,
        # A posted form (opinion, aspect grades or scores) comes back with its errors; after a refused step only
        # while that step is offered, never in the box of another.
        "transition_form": posted
        if posted is not None and (pressed is None or still_offered(pressed, actions))
        else TransitionForm(review=review, initial=initial),
        "scoring": scoring,
        "panel_scores": panel,
        # A panel member's own seat on this page (targets/_panel.html) takes their conclusion and scores.
        "submit_form": PanelSubmitForm(review=scoring) if user.can("target.panel_review") else None,
        "comment_form": forms.get("comment_form") or (CommentForm(target=target) if can_comment else None),
        "can_comment": can_comment,
        "can_edit": user.can("target.edit") and target.status in EDITABLE_STATES,
        "groups": _indicator_groups(target),
        "findings": _findings(target),
        "similar": similarity.similar_targets(user, target),
        "comments": selectors.target_comments(target, request.user),
        "events": _events(target),
        "versions": _versions(target),
        "aspects": [(name, target.review_aspects.get(name, "")) for name in REVIEW_ASPECTS],
        "aspect_scores": [(name, target.review_scores.get(name, "")) for name in REVIEW_ASPECTS],
        "unsent_comment": typed_opinion(typed_comment, pressed, actions)["unsent_comment"],
    }
    return render(request, "targets/detail.html", context, status=status)


@capability_required("target.view")
def target_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.target_get(request.user, pk))


@require_POST
@login_required
def target_transition(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.target_get(request.user, pk)
    shown_in = target.status  # the state whose button was pressed
    form = TransitionForm(request.POST, review=review_scoring.scoring_of(target))
    if not form.is_valid():
        comment_errors = [f"意见：{e}" for e in form.errors.get("comment", [])]
        messages.error(request, "；".join([*form.score_errors(), *comment_errors]) or "操作无效")
        return _detail(request, target, status=400, transition_form=form)
    action = form.cleaned_data["action"]
    grading = action in GRADE_OF_ACTION
    try:
        services.target_transition(
            actor=request.user,
            target=target,
            action=action,
            comment=form.cleaned_data["comment"],
            aspects=form.aspects() if grading else None,
            scores=form.scores() if grading else None,
            expected_version=form.cleaned_data["version"],
        )
    except DomainError as exc:
        target = selectors.target_get(request.user, pk)
        message = step_refusal(
            exc,
            moved=target.status != shown_in,
            last_event=lambda: selectors.target_events(target).first(),
            label_of=lambda e: ACTION_LABELS.get(e.action, ""),
        )
        messages.error(request, message)
        return _detail(
            request,
            target,
            status=exc.status_code,
            typed_comment=form.cleaned_data["comment"],
            pressed=action,
            transition_form=form,
        )
    messages.success(request, f"操作成功：{TARGET_WORKFLOW.action_label(action, shown_in)}")
    return redirect("targets:detail", pk=pk)


@require_POST
@capability_required("target.comment")
def target_comment(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.target_get(request.user, pk)
    form = CommentForm(request.POST, target=target)
    if not form.is_valid():
        messages.error(request, "请填写意见内容")
        return _detail(request, target, status=400, comment_form=form)
    try:
        services.target_comment(
            actor=request.user, target=target, text=form.cleaned_data["text"], indicator=form.cleaned_data["indicator"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _detail(request, target, status=exc.status_code, comment_form=form)
    messages.success(request, "修改意见已记录")
    return redirect("targets:detail", pk=pk)


# ---------------------------------------------------------------- the goals form and the indicator grid


def _edit_forms(request: HttpRequest, target: PerformanceTarget) -> tuple[GoalsForm, Any]:
    nodes = list(selectors.framework_nodes(target))
    data = request.POST if request.method == "POST" else None
    goals = GoalsForm(data, target=target)
    stored = partial(selectors.target_indicators_in_order, target)
    grid = indicator_grid(data, target=target, nodes=nodes, user=request.user, stored=stored)
    return goals, grid


def _save(request: HttpRequest, target: PerformanceTarget, goals: GoalsForm, grid: Any) -> DomainError | None:
    """Goals and grid in one transaction: an error in either leaves both unchanged. Returns the service's refusal."""
    try:
        services.target_save(
            actor=request.user,
            target=target,
            goals=goals.cleaned_data,
            rows=grid.rows(),
            expected_version=goals.cleaned_data.get("version"),
        )
    except DomainError as exc:
        return exc
    return None


@capability_required("target.edit")
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.target_get(request.user, pk)
    if target.subject_type == PerformanceTarget.Subject.DEPT_OVERALL:
        return redirect("targets:dept_edit", pk=pk)
    if target.status not in EDITABLE_STATES:
        messages.error(request, f"绩效目标当前状态为“{target.get_status_display()}”，不能修改")
        return redirect("targets:detail", pk=pk)
    goals, grid = _edit_forms(request, target)
    status, error = 200, ""
    if request.method == "POST":
        status, error = 400, "填写有误，请按提示修改后再保存"
        if goals.is_valid() and grid.is_valid():
            refused = _save(request, target, goals, grid)
            if refused is None:
                messages.success(request, "绩效目标已保存，请查看右侧智能审核结果")
                return redirect("targets:edit", pk=pk)
            status, error = refused.status_code, refused.message
    context = {
        "target": target,
        "goals": goals,
        "grid": grid,
        "error": error,
        "findings": _findings(target),
        "opinions": list(selectors.target_comments(target, request.user)),
        "framework_code": target.framework.code,
    }
    return render(request, "targets/edit.html", context, status=status)


# ---------------------------------------------------------------- batch approval and statistics


@capability_required("target.approve")
def target_approve_batch(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    if request.method == "POST":
        department_id = id_or_none(request.POST.get("department"))
        if department_id is None:
            messages.error(request, "请选择主管部门")
            return redirect(f"{request.path}?fiscal_year={year}")
        try:
            count = services.targets_approve_batch(
                actor=request.user,
                department_id=department_id,
                fiscal_year=year,
                lock_token=posted_lock_token(request.POST),
            )
        except DomainError as exc:
            # Refused (a department outside the scope, a set changed since the page was shown): the page again with
            # the reason and status.
            messages.error(request, exc.message)
            rows = selectors.targets_ready_by_department(request.user, year)
            return render(request, "targets/approve_batch.html", {"rows": rows, "year": year}, status=exc.status_code)
        if count:
            messages.success(request, f"已随预算批复{count}个绩效目标")
        else:
            messages.warning(request, "该部门没有待批复的绩效目标")
        return redirect(f"{request.path}?fiscal_year={year}")
    rows = selectors.targets_ready_by_department(request.user, year)
    return render(request, "targets/approve_batch.html", {"rows": rows, "year": year})


def statistics_table(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[tuple[str, Any]]]]:
    """Headers and cells (kind, value) for whatever columns the statistics function returned."""
    present = set().union(*(row.keys() for row in rows)) if rows else set()
    columns: list[tuple[str | None, str, str]] = []
    known: set[str] = set(HIDDEN_STATISTICS_KEYS)
    for aliases, label, kind in STATISTICS_COLUMNS:
        key = next((a for a in aliases if a in present), None)
        known.update(aliases)
        columns.append((key, label, kind))
    for extra in sorted(present - known):
        columns.append((extra, extra, "money" if extra.endswith("_yuan") else "text"))
    headers = [label for _, label, _ in columns]
    body = [[(kind, row.get(key) if key else None) for key, _, kind in columns] for row in rows]
    return headers, body


def statistics_total(body: list[list[tuple[str, Any]]], rows: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """The 合计 row: each count and amount column added up over the departments, the mean score over every scored
    target (`rows`, the departments' figures); text columns stay empty."""
    if not body:
        return []
    total: list[tuple[str, Any]] = [("text", "合计")]
    for index, (kind, _value) in enumerate(body[0][1:], start=1):
        values = [row[index][1] for row in body if row[index][1] is not None]
        if kind == "score":
            scored = sum(row.get("scored", 0) for row in rows)
            total.append((kind, review_scoring.mean_score(sum(row.get("score_total", 0) for row in rows), scored)))
            continue
        total.append((kind, sum(values) if kind in ("int", "money") and values else None))
    return total


@capability_required("target.view")
def target_statistics(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    regions = department_regions(request.user)
    region = pick_region(regions, request.GET.get("region", ""))  # a province has 20,000 departments
    rows = statistics.target_statistics(request.user, year, region)
    headers, body = statistics_table(rows)
    context = {
        "headers": headers,
        "body": body,
        "total": statistics_total(body, rows),
        "year": year,
        "regions": regions if region else [],
        "region": region,
    }
    return render(request, "targets/statistics.html", context)
