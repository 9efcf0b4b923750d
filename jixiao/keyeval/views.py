"""Key-evaluation pages: list, create/edit, detail with workflow, documents, scorers, score sheet, Word report,
framework templates and statistics."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jixiao.core import audit, once
from jixiao.core.errors import ConflictError, DomainError
from jixiao.core.forms import valid_filters
from jixiao.core.locking import lock_token, posted_lock_token
from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR, year_or_none
from jixiao.core.views_helpers import (
    capability_required,
    docx_response,
    filename_part,
    paginate,
    stored_file_response,
)
from jixiao.keyeval import documents, selectors, services
from jixiao.keyeval.checks import RULE_LABELS
from jixiao.keyeval.forms import DocumentForm, EvaluationForm, ExpertDrawForm, ListFilterForm, StaffScorerForm
from jixiao.keyeval.models import KeyEvalDocument, KeyEvalStatus, KeyEvaluation
from jixiao.keyeval.workflow import EDITABLE_STATES, KEYEVAL_WORKFLOW, SCORER_SETUP_STATES
from jixiao.organizations.selectors import current_fiscal_year


def _year(request: HttpRequest) -> int:
    year = year_or_none(request.GET.get("fiscal_year", ""))
    if year is not None:
        return year
    current = current_fiscal_year()
    return current.year if current else 0


@capability_required("keyeval.view")
def evaluation_list(request: HttpRequest) -> HttpResponse:
    form = ListFilterForm(request.GET or None)
    params = valid_filters(form)
    queryset = selectors.evaluations_filtered(request.user, params)
    context = {"form": form, "page": paginate(request, queryset), "can_manage": request.user.can("keyeval.organise")}  # type: ignore[union-attr]
    return render(request, "keyeval/list.html", context)


def _save_form(request: HttpRequest, evaluation: Any) -> HttpResponse:
    initial = None if evaluation else {"fiscal_year": _year(request) or None}
    form = EvaluationForm(request.POST or None, instance=evaluation, user=request.user, initial=initial)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        projects = list(form.cleaned_data.get("projects") or [])

        def save() -> HttpResponse:
            if evaluation is None:
                saved = services.evaluation_create(actor=request.user, data=form.service_data(), projects=projects)
            else:
                saved = services.evaluation_update(
                    actor=request.user,
                    evaluation=evaluation,
                    data=form.service_data(),
                    projects=projects,
                    expected_version=form.cleaned_data.get("expected_version"),
                )
            messages.success(request, "重点评价已保存")
            return redirect("keyeval:detail", pk=saved.pk)

        try:
            return once.run_once(request, save)  # a double click on a new evaluation's 保存 makes one row
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
    title = f"修改重点评价：{evaluation.title}" if evaluation else "新建重点绩效评价"
    return render(request, "keyeval/form.html", {"form": form, "title": title, "evaluation": evaluation}, status=status)


@capability_required("keyeval.organise")
def evaluation_create(request: HttpRequest) -> HttpResponse:
    return _save_form(request, None)


@capability_required("keyeval.organise")
def evaluation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = selectors.evaluation_get(request.user, pk)
    if not selectors.manages(request.user, evaluation):
        # The 绩效股 reads a department's own 部门评价; a department edits only its own.
        raise PermissionDenied("该重点评价不由您组织，只能查看")
    return _save_form(request, evaluation)


@capability_required("keyeval.view")
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.evaluation_get(request.user, pk))


def _detail(
    request: HttpRequest,
    ev: KeyEvaluation,
    *,
    status: int = 200,
    document_form: DocumentForm | None = None,
    document_error: str = "",
) -> HttpResponse:
    user: Any = request.user
    available = KEYEVAL_WORKFLOW.available(ev.status, selectors.acting_capabilities(user, ev))
    can_manage = selectors.manages(user, ev)
    # The scorer forms only while scorers may still be arranged (services refuse it once the report is drafted).
    can_arrange = can_manage and ev.status in SCORER_SETUP_STATES
    upload_kinds = selectors.uploadable_document_kinds(user, ev)
    context = {
        "evaluation": ev,
        "actions": available,
        "can_edit": can_manage and ev.status in EDITABLE_STATES,
        "can_manage": can_manage,
        "can_score": selectors.can_score(user, ev),
        "summary": selectors.score_summary(ev) if can_manage or ev.status == "issued" else None,
        "projects": selectors.evaluation_projects(ev),
        "documents": selectors.evaluation_documents(ev),
        "document_form": document_form or DocumentForm(kinds=upload_kinds),
        "can_upload": bool(upload_kinds) and ev.status != KeyEvalStatus.ISSUED,
        "can_download_report": selectors.report_available(user, ev),
        "document_error": document_error,
        "staff_form": StaffScorerForm(user=user) if can_arrange else None,
        # The expert pool is the finance bureau's: a department's own 部门评价 draws no experts.
        "draw_form": ExpertDrawForm() if can_arrange and ev.organiser_department_id is None else None,
        "scorers": selectors.scorers(ev),
        "events": ev.events.select_related("actor")[:100],
        "regulations": list(selectors.linked_regulations(ev, user)),
        # 结果应用: once the results are out, the 绩效股 records the rules issued or revised on them.
        "linkable": (
            list(selectors.linkable_regulations(user, ev)) if can_manage and ev.status == KeyEvalStatus.ISSUED else None
        ),
    }
    return render(request, "keyeval/detail.html", context, status=status)


@require_POST
@capability_required("keyeval.manage")
def regulations_link(request: HttpRequest, pk: int) -> HttpResponse:
    """据此出台或修订的制度办法: the ticked rules replace the ones linked; a refusal shows the page with its status."""
    ev = selectors.evaluation_get(request.user, pk)
    try:
        services.regulations_link(actor=request.user, evaluation=ev, regulation_ids=request.POST.getlist("regulations"))
    except DomainError as exc:
        messages.error(request, exc.message)
        return _detail(request, ev, status=exc.status_code)
    messages.success(request, "已保存据此出台或修订的制度办法")
    return redirect(f"{reverse('keyeval:detail', args=[ev.pk])}#regulations")


@require_POST
@capability_required("keyeval.view")
def evaluation_transition(request: HttpRequest, pk: int) -> HttpResponse:
    ev = selectors.evaluation_get(request.user, pk)
    shown_in = ev.status  # the state whose button was pressed
    try:
        services.evaluation_transition(
            actor=request.user,
            evaluation=ev,
            action=request.POST.get("action", ""),
            comment=request.POST.get("comment", ""),
        )
    except DomainError as exc:
        # Refused (a step taken meanwhile, a missing opinion): the page as it stands, the reason and its status.
        messages.error(request, exc.message)
        return _detail(request, selectors.evaluation_get(request.user, pk), status=exc.status_code)
    messages.success(request, f"操作成功：{KEYEVAL_WORKFLOW.action_label(request.POST.get('action', ''), shown_in)}")
    return redirect("keyeval:detail", pk=ev.pk)


@require_POST
@capability_required("keyeval.view")
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    ev = selectors.evaluation_get(request.user, pk)
    form = DocumentForm(request.POST, request.FILES, kinds=selectors.uploadable_document_kinds(request.user, ev))
    if not form.is_valid():
        if "file" in form.errors:
            error = "请选择要上传的文件"
        elif "kind" in form.errors:
            known = request.POST.get("kind") in KeyEvalDocument.Kind.values
            error = "您不能上传该类文件" if known else "请选择文件类型"
        else:
            error = "说明不能超过500字"
        return _detail(request, ev, status=400, document_form=form, document_error=error)
    try:
        services.document_add(
            actor=request.user,
            evaluation=ev,
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        return _detail(request, ev, status=exc.status_code, document_form=form, document_error=exc.message)
    messages.success(request, "文件已上传")
    return redirect("keyeval:detail", pk=ev.pk)


@capability_required("keyeval.view")
def document_download(request: HttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    doc = selectors.document_get(request.user, pk, doc_pk)
    return stored_file_response(
        doc.file, doc.original_name, opened=lambda: services.document_opened(actor=request.user, document=doc)
    )


@require_POST
@capability_required("keyeval.organise")
def scorer_add(request: HttpRequest, pk: int) -> HttpResponse:
    ev = selectors.evaluation_get(request.user, pk)
    how = request.POST.get("how", "")

    def add() -> HttpResponse:
        if how == "staff":
            form = StaffScorerForm(request.POST, user=request.user)
            if not form.is_valid():
                raise DomainError("请选择评分人员")
            services.scorer_add_staff(actor=request.user, evaluation=ev, user=form.cleaned_data["user"])
        elif how == "experts":
            draw = ExpertDrawForm(request.POST)
            if not draw.is_valid():
                if "seed" in draw.errors:
                    raise DomainError(f"随机种子须为0至{2**63 - 1}之间的整数")
                raise DomainError("请填写抽取人数（1至50名）")
            services.scorers_draw_experts(
                actor=request.user,
                evaluation=ev,
                field=draw.cleaned_data["field"],
                size=draw.cleaned_data["size"],
                seed=draw.cleaned_data["seed"],
            )
        elif how == "agency":
            services.scorers_from_engagement(actor=request.user, evaluation=ev)
        else:
            raise DomainError("请选择评分人来源")
        messages.success(request, "评分人已安排")
        return redirect("keyeval:detail", pk=ev.pk)

    try:
        return once.run_once(request, add)  # a double click on 随机抽取专家 draws once
    except DomainError as exc:
        # The evaluation's page again, as it stands now, with the reason and the refusal's status.
        messages.error(request, exc.message)
        return _detail(request, selectors.evaluation_get(request.user, pk), status=exc.status_code)


@capability_required("keyeval.score")
def my_scoring(request: HttpRequest) -> HttpResponse:
    to_score = request.GET.get("todo") == "score"  # the 待办 line: exactly the evaluations it counts
    rows = selectors.my_pending_assignments(request.user) if to_score else selectors.my_assignments(request.user)
    return render(request, "keyeval/my_scoring.html", {"page": paginate(request, rows), "to_score": to_score})


def _decimal(raw: str, what: str) -> Decimal | None:
    """The number typed in one box of a sheet; a refusal names the box (`what`: “资金到位率”得分), as the range
    check does."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise DomainError(f"{what}应为数字") from exc
    if not value.is_finite():
        raise DomainError(f"{what}应为数字")
    return value


@capability_required("keyeval.score")
def score_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    scorer = selectors.assignment_get(request.user, pk)  # 404 unless assigned
    ev = scorer.evaluation
    leaves = selectors.all_leaves(ev)
    existing = selectors.scorer_scores(scorer)
    error, status = "", 200
    if request.method == "POST":
        try:
            scores: dict[int, Decimal] = {}
            evidence: dict[int, str] = {}
            for leaf in leaves:
                value = _decimal(request.POST.get(f"score_{leaf.row.pk}", ""), f"“{leaf.row.name}”得分")
                if value is not None:
                    scores[leaf.row.pk] = value
                evidence[leaf.row.pk] = request.POST.get(f"evidence_{leaf.row.pk}", "")
            services.score_submit(
                actor=request.user,
                evaluation=ev,
                scores=scores,
                evidence=evidence,
                comment=request.POST.get("comment", ""),
            )
        except DomainError as exc:
            error, status = exc.message, exc.status_code
        else:
            messages.success(request, "评分已提交")
            return redirect("keyeval:my_scoring")
    rows = [
        {
            "node": leaf.row,
            "score": request.POST.get(f"score_{leaf.row.pk}")
            if request.method == "POST"
            else (existing[leaf.row.pk].score if leaf.row.pk in existing else ""),
            "evidence": request.POST.get(f"evidence_{leaf.row.pk}")
            if request.method == "POST"
            else (existing[leaf.row.pk].evidence if leaf.row.pk in existing else ""),
        }
        for leaf in leaves
    ]
    context = {
        "scorer": scorer,
        "evaluation": ev,
        "rows": rows,
        "comment": request.POST.get("comment", "") if request.method == "POST" else scorer.comment,
        "error": error,
        "can_submit": selectors.can_score(request.user, ev),
    }
    return render(request, "keyeval/score_sheet.html", context, status=status)


@capability_required("keyeval.view")
def report_docx(request: HttpRequest, pk: int) -> HttpResponse:
    ev = selectors.evaluation_get(request.user, pk)
    if not selectors.report_available(request.user, ev):
        # Before the draft report the report's score table is the running mean of the scores submitted so far.
        raise PermissionDenied("形成报告初稿后才能下载评价报告")
    title = documents.report_title(ev)
    filename = (filename_part(title, 80) or str(ev.pk)) + ".docx"
    content = documents.evaluation_report_docx(ev)
    audit.record(actor=request.user, event_type="keyeval.report_download", obj=ev, reason=filename)
    return docx_response(content, filename)


@capability_required("keyeval.view")
def statistics(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    context = {
        "year": year,
        "years": selectors.year_choices(request.user),
        "stats": selectors.statistics(request.user, year),
    }
    return render(request, "keyeval/statistics.html", context)


@capability_required("keyeval.manage")
def template_list(request: HttpRequest) -> HttpResponse:
    templates = [(t, selectors.node_count(t)) for t in selectors.templates_visible(request.user)]
    return render(request, "keyeval/templates.html", {"templates": templates})


def _flatten(node: Any, depth: int) -> list[tuple[Any, int]]:
    out = [(node, depth)]
    for child in node.children:
        out.extend(_flatten(child, depth + 1))
    return out


def _template_rows(template: Any, posted: Any) -> list[dict[str, Any]]:
    """The page's rows in tree order; with `posted` (a refused save) the names and weights the user typed."""
    rows = []
    for root in selectors.template_tree(template):
        for node, depth in _flatten(root, 0):
            row = node.row
            name, weight = row.name, row.weight
            if posted is not None:
                name = posted.get(f"name_{row.pk}", name)
                weight = posted.get(f"weight_{row.pk}", weight)
            rows.append({"node": row, "depth": depth, "name": name, "weight": weight})
    return rows


@capability_required("keyeval.manage")
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.template_get(request.user, pk)
    error = ""
    stale = False
    status = 200
    if request.method == "POST":
        try:
            weights: dict[int, Decimal] = {}
            names: dict[int, str] = {}
            for node in template.nodes.all():
                value = _decimal(request.POST.get(f"weight_{node.pk}", ""), f"“{node.name}”分值")
                if value is not None:
                    weights[node.pk] = value
                if f"name_{node.pk}" in request.POST:
                    names[node.pk] = request.POST[f"name_{node.pk}"]
            rules: dict[str, Decimal] = {}
            for key, label in RULE_LABELS.items():
                value = _decimal(request.POST.get(key, ""), label)
                if value is not None:
                    rules[key] = value
            raw_year = request.POST.get("fiscal_year", "").strip()
            year = year_or_none(raw_year)
            if raw_year and year is None:
                raise DomainError(f"适用年度应在{FIRST_YEAR}至{LAST_YEAR}之间")
            saved = services.template_update(
                actor=request.user,
                template=template,
                weights=weights,
                names=names,
                fiscal_year=year,
                lock_token=posted_lock_token(request.POST),
                rules=rules,
            )
        except DomainError as exc:
            error, status = exc.message, exc.status_code
            stale = status == ConflictError.status_code
        else:
            messages.success(request, f"已保存：{saved.name}")
            return redirect("keyeval:template_edit", pk=saved.pk)
    # A refused save shows what the user typed with the token the page was opened with, so saving it again is still
    # checked against that state; a conflict shows the stored nodes with the current token.
    shown_input = bool(error) and not stale
    token = (posted_lock_token(request.POST) if shown_input else None) or lock_token(
        selectors.template_lock_rows(request.user, template)
    )
    context = {
        "template": template,
        "rows": _template_rows(template, request.POST if shown_input else None),
        "error": error,
        "region": request.user.active_membership.region,  # type: ignore[union-attr]
        "lock_token": token,
        "fiscal_year": request.POST.get("fiscal_year", "") if shown_input else template.fiscal_year or "",
        "rules": [
            (key, label, request.POST.get(key, "") if shown_input else getattr(template, key))
            for key, label in RULE_LABELS.items()
            if key != "output_benefit_min" or template.is_project
        ],
    }
    return render(request, "keyeval/template_edit.html", context, status=status)
