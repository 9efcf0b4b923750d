"""批量办理: the one shape of every bulk transition (信息公开's 批量提交 / 批量公开; 批量审核 of 绩效目标, 监控表 and
单位自评).

A batch is all or nothing. It runs in one transaction; the ticked rows are re-read under a row lock through the
actor's scope, and an id the actor cannot see fails the whole batch as not found (404, as for one row); every row
must still be in the state the button was shown for (409 otherwise); a batch holds at most MAX_BATCH rows. Review
lists then put each row through the app's own single-item transition (`run`), so events, 待办, audit records and
downstream effects are those of doing the rows one by one; the batch adds one audit record listing its rows.

Only the actions an app lists are offered in bulk: an approval whose single-item form asks for nothing but an optional
opinion, and a return with one reason shared by every row (the transition's `needs_comment`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect

from jixiao.core import audit
from jixiao.core.errors import ConflictError, DomainError, NotFoundError
from jixiao.core.numbers import is_digits
from jixiao.core.permissions import require
from jixiao.core.workflow import Transition, Workflow

M = TypeVar("M", bound=models.Model)

MAX_BATCH = 200
PAGE_SIZES = (20, 50, 100, 200)  # a review list may show up to one full batch per page
MAX_COMMENT = 2000


# ---- services ------------------------------------------------------------------------------------------------------


def transition_of(workflow: Workflow, offered: Collection[str], action: str) -> Transition:
    """The transition of a bulk action. Bulk actions leave from one state only: that state is the one the button
    was shown for, and every ticked row must still be in it."""
    found = [t for t in workflow.transitions if t.action == action] if action in offered else []
    if len(found) != 1:
        raise DomainError("该操作不能批量办理")
    return found[0]


def clean_ids(ids: Iterable[Any], *, noun: str, limit: int = MAX_BATCH) -> list[int]:
    """The ticked ids, each once and sorted (rows are locked in id order, so two batches cannot deadlock)."""
    try:
        numbers = sorted({int(value) for value in ids})
    except (TypeError, ValueError) as exc:
        raise NotFoundError(f"{noun}不存在") from exc
    if not numbers:
        raise DomainError(f"请先勾选要办理的{noun}")
    if len(numbers) > limit:
        raise DomainError(f"一次最多批量办理{limit}项，所选{len(numbers)}项，请分批办理")
    return numbers


def lock_batch(
    visible: models.QuerySet[M], ids: list[int], *, state: str, noun: str, related: Iterable[str] = ()
) -> list[M]:
    """The rows of `ids` that `visible` (the actor's scope) holds, locked for update in id order; inside the caller's
    transaction. Any id missing or out of scope: NotFoundError; any row no longer in `state`: ConflictError."""
    manager = visible.model._default_manager
    in_scope = visible.filter(pk__in=ids).values("pk")
    rows = list(manager.select_for_update(of=("self",)).select_related(*related).filter(pk__in=in_scope).order_by("pk"))
    if len(rows) != len(ids):
        raise NotFoundError(f"{noun}不存在")
    if any(row.status != state for row in rows):  # type: ignore[attr-defined]
        raise ConflictError(f"所选{noun}中有状态已变化的，请刷新后重试")
    return rows


def run(
    *,
    actor: Any,
    workflow: Workflow,
    offered: Collection[str],
    action: str,
    ids: Iterable[Any],
    comment: str,
    visible: models.QuerySet[M],
    noun: str,
    event_prefix: str,
    apply: Callable[[M, str], Any],
) -> int:
    """批量审核: `apply(row, comment)` is the app's single-item transition, called for each ticked row in one
    transaction; returns the number of rows moved. Nothing is written unless every row moves."""
    transition = transition_of(workflow, offered, action)
    require(actor, transition.capability)
    comment = (comment or "").strip()
    if transition.needs_comment and not comment:
        raise DomainError("请填写退回原因（同一原因记入所选每一项）")
    if len(comment) > MAX_COMMENT:
        raise DomainError(f"意见不能超过{MAX_COMMENT}字")
    numbers = clean_ids(ids, noun=noun)
    with transaction.atomic():
        rows = lock_batch(visible, numbers, state=transition.source, noun=noun)
        for row in rows:
            try:
                apply(row, comment)
            except DomainError as exc:
                # Which row refused, in the refusal's own kind (409 stays 409, 403 stays 403).
                exc.message = f"{noun}“{row}”：{exc.message}"
                exc.args = (exc.message,)
                raise
        audit.record(
            actor=actor,
            event_type=f"{event_prefix}.bulk_{action}",
            object_type=visible.model._meta.label_lower,
            object_repr=f"{len(rows)}个{noun}",
            reason=comment[:500],
            changes={"ids": [row.pk for row in rows], "status": [transition.source, transition.target]},
        )
    return len(rows)


def done_message(workflow: Workflow, action: str, count: int) -> str:
    transition = next(t for t in workflow.transitions if t.action == action)
    verb = "退回" if transition.needs_comment else "通过"
    return f"已批量{verb} {count} 项（{transition.label}）"


# ---- pages ---------------------------------------------------------------------------------------------------------


class BulkForm(forms.Form):
    """The bulk bar's fields; the ticked ids are read with `request.POST.getlist("ids")`."""

    action = forms.CharField(max_length=40)
    comment = forms.CharField(max_length=MAX_COMMENT, required=False)

    def refusal(self) -> str:
        """The Chinese message of an invalid form."""
        return f"意见不能超过{MAX_COMMENT}字" if "comment" in self.errors else "操作无效，请刷新后重试"


@dataclass
class Panel:
    """What a list page needs for 批量审核: the two buttons of the state shown (None when nothing can be done in bulk
    here), the rows that may be ticked, and the states to filter by where the user could."""

    approve: Transition | None = None
    reject: Transition | None = None
    state_label: str = ""
    url: str = ""
    list_url: str = ""
    eligible: set[int] = field(default_factory=set)
    checked: set[int] = field(default_factory=set)
    comment: str = ""
    states: list[tuple[str, str]] = field(default_factory=list)  # (label, list url filtered to it)
    per_page: int = PAGE_SIZES[0]
    page_sizes: tuple[int, ...] = PAGE_SIZES

    @property
    def active(self) -> bool:
        return bool(self.eligible) and (self.approve is not None or self.reject is not None)

    @property
    def max_batch(self) -> int:
        return MAX_BATCH

    @property
    def max_comment(self) -> int:
        return MAX_COMMENT


def answer(
    request: HttpRequest,
    *,
    workflow: Workflow,
    transition: Callable[..., int],
    show_list: Callable[..., HttpResponse],
    list_url: str,
) -> HttpResponse:
    """The bulk view of a review list: `transition(actor=, ids=, action=, comment=)` is the app's bulk service and
    `show_list(request, status=, refused=)` its list view. Done: back to the list as filtered, with 已批量通过 n 项. A
    refusal shows the same list again with the refusal's status, the ticks and the typed opinion kept; an id out of
    scope is the service's NotFoundError, a 404 (core.middleware.NotFoundMiddleware)."""
    form = BulkForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.refusal())
        return show_list(request, status=400, refused=True)
    action = form.cleaned_data["action"]
    try:
        count = transition(
            actor=request.user, ids=request.POST.getlist("ids"), action=action, comment=form.cleaned_data["comment"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return show_list(request, status=exc.status_code, refused=True)
    messages.success(request, done_message(workflow, action, count))
    return redirect(f"{list_url}?{request.GET.urlencode()}")


def per_page(request: HttpRequest) -> int:
    """The page size a review list was asked for (每页 20/50/100/200 条); 20 otherwise."""
    value = request.GET.get("per_page", "")
    return int(value) if value.isdigit() and int(value) in PAGE_SIZES else PAGE_SIZES[0]


def _with(query: QueryDict, **values: str) -> str:
    query = query.copy()
    query.pop("page", None)
    for key, value in values.items():
        query[key] = value
    return query.urlencode()


def panel(
    request: HttpRequest,
    *,
    workflow: Workflow,
    offered: Collection[str],
    rows: Iterable[Any],
    url: str,
    list_url: str,
    can_tick: Callable[[Any], bool] = lambda row: True,
    refused: bool = False,
) -> Panel:
    """The 批量审核 bar of a list filtered (by `?status=`) to a state where the user has bulk actions. `url` is the
    bulk view; the list's query string goes with it, so a refusal shows the same list again (`refused`: with the
    ticks and the typed text of the batch sent)."""
    user: Any = request.user
    membership = getattr(user, "active_membership", None)
    capabilities = set(membership.capabilities) if membership is not None else set()
    mine = [t for t in workflow.transitions if t.action in offered and t.capability in capabilities]
    state = request.GET.get("status", "")
    here = [t for t in mine if t.source == state]
    result = Panel(per_page=per_page(request), list_url=list_url)
    if not here:
        sources = list(dict.fromkeys(t.source for t in mine))
        result.states = [(workflow.labels.get(s, s), f"{list_url}?{_with(request.GET, status=s)}") for s in sources]
        return result
    result.approve = next((t for t in here if not t.needs_comment), None)
    result.reject = next((t for t in here if t.needs_comment), None)
    result.state_label = workflow.labels.get(state, state)
    result.url = f"{url}?{request.GET.urlencode()}" if request.GET else url
    result.eligible = {row.pk for row in rows if getattr(row, "status", None) == state and can_tick(row)}
    if refused:
        result.checked = {int(v) for v in request.POST.getlist("ids") if is_digits(v)} & result.eligible
        result.comment = request.POST.get("comment", "")[:MAX_COMMENT]
    return result
