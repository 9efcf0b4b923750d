"""Pages for scoring templates, panel drawing, online expert scoring and the panel summary."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from jixiao.core import once
from jixiao.core.errors import ConflictError, DomainError
from jixiao.core.forms import bootstrapify
from jixiao.core.locking import lock_token, posted_lock_token
from jixiao.core.numbers import year_or_none
from jixiao.core.views_helpers import capability_required
from jixiao.experts.models import Agency
from jixiao.experts.selectors import expert_fields
from jixiao.organizations.selectors import current_fiscal_year
from jixiao.preassessment import panels, selectors
from jixiao.preassessment.forms import AgencyReviewForm
from jixiao.preassessment.views import detail_page


class DrawForm(forms.Form):
    field = forms.CharField(label="专业领域", max_length=50, required=False, help_text="留空表示不限领域")
    size = forms.IntegerField(label="抽取人数", min_value=1, max_value=15, initial=3)
    deadline = forms.DateField(label="评分截止日期", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)  # the page writes its own boxes; this keeps the deadline to 2000–2100 like every date box


class AgencyForm(forms.Form):
    agency = forms.ModelChoiceField(label="第三方机构", queryset=Agency.objects.none(), empty_label="（请选择）")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["agency"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = panels.agency_choices(user)
        field.label_from_instance = lambda obj: f"{obj.name}（{obj.credit_code}）"  # type: ignore[method-assign]
        field.widget.attrs["class"] = "form-select form-select-sm"


def _decimal(raw: str) -> Decimal | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


@capability_required("preassessment.configure")
def scoring_templates(request: HttpRequest) -> HttpResponse:
    context = {"templates": panels.templates_visible(request.user)}
    return render(request, "preassessment/scoring_templates.html", context)


def _template_rows(tree: list[panels.Dimension], posted: Any) -> list[dict[str, Any]]:
    """The page's rows; with `posted` (a refused save) the names and points the user typed."""
    rows = []
    for item in panels.template_rows(tree):
        name, points = item.name, item.points
        if posted is not None:
            name = posted.get(f"name-{item.pk}", name)
            points = posted.get(f"points-{item.pk}", points)
        rows.append({"item": item, "is_dimension": item.parent_id is None, "name": name, "points": points})
    return rows


@capability_required("preassessment.configure")
def scoring_template(request: HttpRequest, pk: int) -> HttpResponse:
    template = panels.template_get(request.user, pk)
    tree = panels.template_tree(template)
    error = ""
    stale = False
    status = 200
    if request.method == "POST":
        names: dict[int, str] = {}
        points: dict[int, Decimal] = {}
        for item in panels.template_rows(tree):
            names[item.pk] = request.POST.get(f"name-{item.pk}", item.name)
            value = _decimal(request.POST.get(f"points-{item.pk}", ""))
            if value is None:
                error, status = f"“{item.name}”的分值无效", 400
                break
            points[item.pk] = value
        year_raw = request.POST.get("fiscal_year", "")
        if not error:
            try:
                saved = panels.template_update(
                    actor=request.user,
                    template=template,
                    names=names,
                    points=points,
                    fiscal_year=year_or_none(year_raw),
                    lock_token=posted_lock_token(request.POST),
                )
            except DomainError as exc:
                error, status = exc.message, exc.status_code
                stale = status == ConflictError.status_code
            else:
                messages.success(request, "评分模板已保存")
                return redirect("preassessment:scoring_template", pk=saved.pk)
    current = current_fiscal_year()
    # A refused save shows what the user typed with the token the page was opened with, so saving it again is still
    # checked against that state; a conflict shows the stored items with the current token.
    shown_input = bool(error) and not stale
    token = (posted_lock_token(request.POST) if shown_input else None) or lock_token(
        panels.template_lock_rows(request.user, template)
    )
    context = {
        "template": template,
        "rows": _template_rows(tree, request.POST if shown_input else None),
        "error": error,
        "lock_token": token,
        "year": request.POST.get("fiscal_year", "") if shown_input else (current.year if current else ""),
        "is_national": template.region_id is None,
    }
    return render(request, "preassessment/scoring_template.html", context, status=status)


@capability_required("preassessment.conclude")
def panel(request: HttpRequest, pk: int) -> HttpResponse:
    return _panel_page(request, selectors.assessment_get(request.user, pk))


def _panel_page(request: HttpRequest, pa: Any, *, draw_form: DrawForm | None = None, status: int = 200) -> HttpResponse:
    """The panel page; a refused draw shows it again with the 领域, 人数 and 截止日期 as typed."""
    deadline = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    context: dict[str, Any] = {
        "assessment": pa,
        "summary": panels.panel_summary(pa),
        "past_rounds": panels.past_rounds(pa),
        "draw_form": draw_form or DrawForm(initial={"size": 3, "deadline": deadline}),
        "agency_form": AgencyForm(initial={"agency": pa.agency_id}, user=request.user),
        "fields": expert_fields(request.user),
    }
    return render(request, "preassessment/panel.html", context, status=status)


def _fail(request: HttpRequest, pk: int, exc: DomainError) -> HttpResponse:
    messages.error(request, exc.message)
    return redirect("preassessment:panel", pk=pk)


@require_POST
@capability_required("preassessment.conclude")
def panel_draw(request: HttpRequest, pk: int) -> HttpResponse:
    pa = selectors.assessment_get(request.user, pk)
    form = DrawForm(request.POST)
    if not form.is_valid():
        problems = [f"{form.fields[name].label}：{e}" for name, errors in form.errors.items() for e in errors]
        messages.error(request, "；".join(problems))
        return _panel_page(request, pa, draw_form=form, status=400)
    data = form.cleaned_data

    def draw() -> HttpResponse:
        members = panels.panel_create(
            actor=request.user, assessment=pa, field=data["field"], size=data["size"], deadline=data["deadline"]
        )
        messages.success(request, f"已抽取{len(members)}名评审专家")
        return redirect("preassessment:panel", pk=pk)

    try:
        return once.run_once(request, draw)  # a double click on 抽取 is sent to the panel, not to a 409
    except DomainError as exc:
        messages.error(request, exc.message)
        return _panel_page(request, selectors.assessment_get(request.user, pk), draw_form=form, status=exc.status_code)


@require_POST
@capability_required("preassessment.conclude")
def panel_agency(request: HttpRequest, pk: int) -> HttpResponse:
    pa = selectors.assessment_get(request.user, pk)
    form = AgencyForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, "请选择第三方机构")
        return redirect("preassessment:panel", pk=pk)
    try:
        panels.agency_assign(actor=request.user, assessment=pa, agency=form.cleaned_data["agency"])
    except DomainError as exc:
        return _fail(request, pk, exc)
    messages.success(request, "已委托第三方机构，机构账号可查看该评估并提交评审意见")
    return redirect("preassessment:panel", pk=pk)


@require_POST
@capability_required("preassessment.agency_review")
def agency_review(request: HttpRequest, pk: int) -> HttpResponse:
    """机构评审意见 (and the agency's report) from the commissioned agency's staff."""
    pa = selectors.assessment_get(request.user, pk)
    form = AgencyReviewForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = "；".join(str(e) for errs in form.errors.values() for e in errs)
        return detail_page(request, pa, status=400, agency_form=form, agency_error=errors or "请填写机构评审得分和意见")
    data = form.cleaned_data
    try:
        panels.agency_review_submit(
            actor=request.user, assessment=pa, score=data["score"], opinion=data["opinion"], report=data["report"]
        )
    except DomainError as exc:
        return detail_page(request, pa, status=exc.status_code, agency_form=form, agency_error=exc.message)
    messages.success(request, "机构评审意见已提交，待绩效股确认")
    return redirect("preassessment:detail", pk=pk)


@require_POST
@capability_required("preassessment.conclude")
def panel_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    pa = selectors.assessment_get(request.user, pk)
    try:
        panels.panel_confirm(actor=request.user, assessment=pa, lock_token=posted_lock_token(request.POST))
    except DomainError as exc:
        # The panel page again with the scores as they are now, the reason and its status (409: scored meanwhile).
        messages.error(request, exc.message)
        return _panel_page(request, selectors.assessment_get(request.user, pk), status=exc.status_code)
    messages.success(request, "已确认专家评分，评审总分已写入评估")
    return redirect("preassessment:detail", pk=pk)


@capability_required("preassessment.score")
def my_reviews(request: HttpRequest) -> HttpResponse:
    rows = [(member, panels.task_state(member)) for member in panels.my_assignments(request.user)]
    return render(request, "preassessment/my_reviews.html", {"rows": rows})


@capability_required("preassessment.score")
def score_sheet(request: HttpRequest, member_pk: int) -> HttpResponse:
    member = panels.assignment_get(request.user, member_pk)
    tree = panels.sheet_items(member)
    existing = panels.member_scores(member)
    values = {pk: str(s.points) for pk, s in existing.items()}
    comment = member.comment
    error, status = "", 200
    if request.method == "POST":
        points: dict[int, Decimal | None] = {}
        for child in [c for d in tree for c in d.children]:
            raw = request.POST.get(f"points-{child.pk}", "")
            values[child.pk] = raw
            points[child.pk] = _decimal(raw)
        comment = request.POST.get("comment", "")
        try:
            panels.score_submit(actor=request.user, member=member, points=points, comment=comment)
        except DomainError as exc:
            error, status = exc.message, exc.status_code
        else:
            messages.success(request, "评分已提交")
            return redirect("preassessment:my_reviews")
    rows = [(d, [(c, values.get(c.pk, "")) for c in d.children]) for d in tree]
    context = {
        "member": member,
        "assessment": member.assessment,
        "rows": rows,
        "comment": comment,
        "error": error,
        "closed": panels.closed_reason(member),
        "draft": selectors.draft_target(member.assessment),
    }
    return render(request, "preassessment/score_sheet.html", context, status=status)
