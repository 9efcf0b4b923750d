"""文书 reads. Every user-facing query starts from `OfficialDocument.objects.visible_to(user)`; a miss is a 404."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet
from django.http import Http404
from django.urls import reverse

from jixiao.core.locking import lock_token
from jixiao.core.models import AuditEvent
from jixiao.core.scoping import ScopeLevel
from jixiao.core.todos import TodoItem, countdown
from jixiao.documents.models import (
    ISSUED_ANY,
    ISSUED_STATES,
    DocType,
    DocumentEvent,
    DocumentRecipient,
    DocumentSeries,
    DocumentStatus,
    DocumentTemplate,
    OfficialDocument,
)
from jixiao.documents.rendering import placeholders_in

OBJECT_TYPE = "documents.officialdocument"

# ---- templates and series ------------------------------------------------------------------------------------------


def pick_template(templates: Iterable[DocumentTemplate], region: Any, doc_type: str) -> DocumentTemplate | None:
    """The most specific active template for `doc_type`: the nearest region's copy, the national default last."""
    best: int | None = None
    chosen: DocumentTemplate | None = None
    for template in templates:
        if not template.is_active or template.doc_type != doc_type:
            continue
        if template.region_id is not None and not region.path.startswith(template.region.path):  # type: ignore[union-attr]
            continue
        rank = len(template.region.path) if template.region_id else -1  # type: ignore[union-attr]
        if best is None or rank > best:
            best, chosen = rank, template
    return chosen


def template_for(region: Any, doc_type: str) -> DocumentTemplate | None:
    return pick_template(DocumentTemplate.objects.select_related("region").filter(doc_type=doc_type), region, doc_type)


def templates_for_region(region: Any) -> list[dict[str, Any]]:
    """Per document type: the template in force for `region` and whether it is the region's own copy."""
    templates = list(DocumentTemplate.objects.select_related("region"))
    rows = []
    for value, label in DocType.choices:
        chosen = pick_template(templates, region, value)
        rows.append(
            {
                "doc_type": value,
                "label": label,
                "template": chosen,
                "is_own": chosen is not None and chosen.region_id == region.pk,
            }
        )
    return rows


def placeholders_by_type(region: Any) -> dict[str, list[str]]:
    """Per document type, the placeholders the template in force for `region` uses (title and body)."""
    result: dict[str, list[str]] = {}
    for row in templates_for_region(region):
        template = row["template"]
        text = f"{template.title_pattern}\n{template.body}" if template else "{content}"
        result[row["doc_type"]] = placeholders_in(text)
    return result


def template_rows(region: Any, doc_type: str) -> list[DocumentTemplate | None]:
    """What the template page of `doc_type` shows and saves over: the template in force and the region's own copy
    (the same row, or None, or an inactive copy). Their lock token (`core.locking`) tells a stale page."""
    own = DocumentTemplate.objects.filter(doc_type=doc_type, region=region).first()
    return [template_for(region, doc_type), own]


def series_list(region: Any) -> QuerySet[DocumentSeries]:
    return DocumentSeries.objects.filter(region=region).order_by("doc_type")


def series_token(region: Any) -> str:
    """The lock token of the region's series as the 发文字号 page shows them (one form creates or changes any)."""
    return lock_token(series_list(region))


def series_for(region: Any, doc_type: str) -> DocumentSeries | None:
    """The region's series for `doc_type`, else its shared series."""
    rows = {s.doc_type: s for s in DocumentSeries.objects.filter(region=region, doc_type__in=[doc_type, ""])}
    return rows.get(doc_type) or rows.get("")


def default_abbrev(region: Any) -> str:
    """渠县 → 渠财绩: the first character of the region and 财绩 (the performance section's series)."""
    return f"{(region.name or '财')[0]}财绩"


def default_issuer(region: Any) -> str:
    return f"{region.name}财政局"


# ---- documents -----------------------------------------------------------------------------------------------------


def documents_visible(user: Any) -> QuerySet[OfficialDocument]:
    return OfficialDocument.objects.visible_to(user).select_related("region")


def documents_filtered(user: Any, params: dict[str, Any]) -> QuerySet[OfficialDocument]:
    qs = documents_visible(user)
    if params.get("doc_type"):
        qs = qs.filter(doc_type=params["doc_type"])
    if params.get("status") == ISSUED_ANY:  # 已印发 and every later state, issued here: what the 驾驶舱 counts
        qs = issued_here(qs, user)
    elif params.get("status"):
        qs = qs.filter(status=params["status"])
    if params.get("fiscal_year"):
        qs = qs.filter(fiscal_year=params["fiscal_year"])
    if params.get("q"):
        qs = qs.filter(Q(title__icontains=params["q"]) | Q(doc_no__icontains=params["q"]))
    return qs.annotate(
        recipient_count=Count("recipients", distinct=True),
        read_count=Count("recipients", filter=Q(recipients__read_at__isnull=False), distinct=True),
        feedback_count=Count("recipients", filter=Q(recipients__feedback_at__isnull=False), distinct=True),
    ).order_by(F("issued_at").desc(nulls_first=True), "-id")


def document_get(user: Any, pk: Any) -> OfficialDocument:
    return OfficialDocument.objects.select_related("region").get_visible_or_404(user, pk=pk)


def document_recipients(document: OfficialDocument) -> list[DocumentRecipient]:
    return list(document.recipients.select_related("read_by", "feedback_by", "department", "unit", "region"))


def document_events(document: OfficialDocument) -> QuerySet[DocumentEvent]:
    return document.events.select_related("actor")


def document_audit_trail(document: OfficialDocument) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(object_type=OBJECT_TYPE, object_id=str(document.pk)).order_by("-seq")


def related_link(document: OfficialDocument) -> dict[str, str] | None:
    """The related object's label and page, when it has one (a deleted object keeps its label)."""
    if not document.related_type_id:
        return None
    url = ""
    try:
        related = document.related
    except Exception:
        related = None
    if related is not None and hasattr(related, "get_absolute_url"):
        try:
            url = related.get_absolute_url()
        except Exception:
            url = ""
    return {"label": document.related_repr or str(related or ""), "url": url}


def documents_for(related: Any) -> QuerySet[OfficialDocument]:
    """Documents linked to a model instance (for other apps' pages; callers scope with `visible_to`)."""
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(type(related))
    return OfficialDocument.objects.filter(related_type=ct, related_id=str(related.pk), is_deleted=False)


# ---- the receiving side --------------------------------------------------------------------------------------------


def recipient_filter(membership: Any) -> Q | None:
    """The recipient rows that stand for the viewer's own organisation (whose receipt the viewer signs)."""
    if membership is None:
        return None
    level = membership.scope_level
    if level == ScopeLevel.UNIT and membership.unit_id:
        return Q(unit_id=membership.unit_id)
    if level == ScopeLevel.DEPARTMENT and membership.department_id:
        return Q(department_id=membership.department_id)
    if level in (ScopeLevel.REGION, ScopeLevel.SECTION):
        # A lower region's bureau receives documents of the region above; the issuing region never "receives".
        return Q(region_id=membership.region_id) & ~Q(document__region_id=membership.region_id)
    return None


def inbox(user: Any) -> QuerySet[DocumentRecipient]:
    """我收到的文书: recipient rows of the viewer's organisation (and, for a department, of its units)."""
    membership = getattr(user, "active_membership", None)
    own = recipient_filter(membership)
    if own is None:
        return DocumentRecipient.objects.none()
    if membership is not None and membership.scope_level == ScopeLevel.DEPARTMENT:
        own = own | Q(unit__department_id=membership.department_id)
    visible = documents_visible(user).filter(status__in=ISSUED_STATES).values("pk")
    return (
        DocumentRecipient.objects.filter(own, document__in=visible)
        .select_related("document", "unit", "department", "region")
        .order_by("read_at", "-document__issued_at", "-id")
    )


def inbox_own(user: Any) -> QuerySet[DocumentRecipient]:
    """The inbox rows the viewer itself signs and answers: a department's own, not its units' (which the units sign
    and answer themselves). What the 待办 counts and the 未签收 / 待反馈 tabs list."""
    own = recipient_filter(getattr(user, "active_membership", None))
    return inbox(user).filter(own) if own is not None else DocumentRecipient.objects.none()


def my_recipient_row(user: Any, document: OfficialDocument) -> DocumentRecipient | None:
    own = recipient_filter(getattr(user, "active_membership", None))
    if own is None or not document.is_issued:
        return None
    return document.recipients.filter(own).first()


def issued_here(qs: QuerySet[OfficialDocument], user: Any) -> QuerySet[OfficialDocument]:
    """The issued documents of `qs` sent by the user's own region or one below it: not those a region above sent to
    it (a county's 印发 does not count the city's documents it received)."""
    membership = getattr(user, "active_membership", None)
    if membership is None:
        return qs.none()
    return qs.filter(status__in=ISSUED_STATES, region__path__startswith=membership.region.path)


def document_counts(user: Any, fiscal_year: int) -> dict[str, dict[str, int]]:
    """Per doc_type, of the documents of `fiscal_year` the user sees and its region (or one below) issued: issued,
    read by every addressee, answered by every addressee (DOMAIN.md §2.9 DOC-1)."""
    qs = (
        issued_here(documents_visible(user), user)
        .filter(fiscal_year=fiscal_year)
        .annotate(
            unread=Count("recipients", filter=Q(recipients__read_at__isnull=True)),
            unanswered=Count("recipients", filter=Q(recipients__feedback_at__isnull=True)),
        )
        .values("doc_type", "unread", "unanswered")
    )
    counts = {value: {"issued": 0, "read": 0, "feedback_done": 0} for value in DocType.values}
    for row in qs:
        entry = counts.setdefault(row["doc_type"], {"issued": 0, "read": 0, "feedback_done": 0})
        entry["issued"] += 1
        entry["read"] += 1 if row["unread"] == 0 else 0
        entry["feedback_done"] += 1 if row["unanswered"] == 0 else 0
    return counts


def document_todos(user: Any) -> list[TodoItem]:
    membership = getattr(user, "active_membership", None)
    if membership is None or not membership.can("documents.view"):
        return []
    items: list[TodoItem] = []
    if membership.can("documents.receive"):
        rows = inbox_own(user)
        inbox_url = reverse("documents:inbox")
        unread = rows.filter(read_at__isnull=True).count()
        due = rows.filter(
            feedback_at__isnull=True,
            document__feedback_deadline__isnull=False,
            document__status__in=[DocumentStatus.ISSUED, DocumentStatus.READ],
        ).aggregate(n=Count("*"), first=Min("document__feedback_deadline"))
        first = due["first"]
        hint = f"最近反馈期限{first:%Y-%m-%d}，{countdown(first)[1]}" if first else "请在反馈期限内提交反馈"
        items.append(TodoItem("文书", "收到的文书未签收", unread, f"{inbox_url}?unread=1", "打开文书即签收"))
        items.append(TodoItem("文书", "文书待反馈", due["n"], f"{inbox_url}?feedback=1", hint))
    if membership.can("documents.issue"):
        drafts = documents_visible(user).filter(status=DocumentStatus.DRAFT, region=membership.region_id).count()
        url = reverse("documents:list")
        items.append(TodoItem("文书", "文书草稿待印发", drafts, f"{url}?status=draft", "核对文书内容后编号印发"))
    return items


def is_issuer_side(user: Any, document: OfficialDocument) -> bool:
    """Finance staff of the issuing region (or above) see every addressee's receipt and answer."""
    membership = getattr(user, "active_membership", None)
    if membership is None or membership.scope_level not in (ScopeLevel.REGION, ScopeLevel.SECTION):
        return False
    return bool(document.region.path.startswith(membership.region.path))


def recipients_shown(user: Any, document: OfficialDocument) -> list[DocumentRecipient]:
    """Every addressee for the issuer's side; a receiver sees its own rows (a department also its units')."""
    rows = document_recipients(document)
    if is_issuer_side(user, document):
        return rows
    own = {r.pk for r in inbox(user).filter(document=document)}
    return [r for r in rows if r.pk in own]


def recipient_get(user: Any, document: OfficialDocument, pk: Any) -> DocumentRecipient:
    for row in recipients_shown(user, document):
        if str(row.pk) == str(pk):
            return row
    raise Http404


def recipient_choices(user: Any) -> dict[str, Any]:
    """Who a document may be addressed to: the departments and units the user sees, and lower regions."""
    from jixiao.organizations.models import BudgetUnit, Department, FiscalRegion

    membership = user.active_membership
    return {
        "departments": Department.objects.visible_to(user).filter(is_active=True).order_by("dept_code"),
        "units": BudgetUnit.objects.visible_to(user).filter(is_active=True).order_by("agency_code"),
        "regions": FiscalRegion.objects.filter(path__startswith=membership.region.path)
        .exclude(pk=membership.region_id)
        .order_by("path"),
    }


def recipients_out_of_reach(user: Any, rows: Iterable[DocumentRecipient]) -> list[DocumentRecipient]:
    """The addressee rows the user cannot choose on 修改 (`recipient_choices`): a 主管部门 or 预算单位 the user does not
    see (a business section sees its 对口 departments only) or one deactivated since drafting. The edit form cannot
    show them, so the save keeps them (`services.document_update`)."""
    rows = list(rows)
    if user is None:
        return []
    choices = recipient_choices(user)
    reach = {
        "department": set(
            choices["departments"]
            .filter(pk__in=[r.department_id for r in rows if r.department_id])
            .values_list("pk", flat=True)
        ),
        "unit": set(
            choices["units"].filter(pk__in=[r.unit_id for r in rows if r.unit_id]).values_list("pk", flat=True)
        ),
        "region": set(
            choices["regions"].filter(pk__in=[r.region_id for r in rows if r.region_id]).values_list("pk", flat=True)
        ),
    }
    return [row for row in rows if recipient_key(row)[1] not in reach[recipient_key(row)[0]]]


def recipient_key(row: DocumentRecipient) -> tuple[str, int]:
    """("department" | "unit" | "region", id) of an addressee row."""
    if row.department_id:
        return "department", row.department_id
    if row.unit_id:
        return "unit", row.unit_id
    return "region", row.region_id  # type: ignore[return-value]
