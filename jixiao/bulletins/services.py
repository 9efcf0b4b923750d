"""通报 writes: generate from data, regenerate, edit the narrative, and issue as a numbered document."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from jixiao.bulletins import selectors
from jixiao.bulletins.documents import ALL_DEPARTMENTS, annex_tables
from jixiao.bulletins.models import KINDS_WITH_SOURCE, Bulletin, BulletinKind, BulletinStatus
from jixiao.bulletins.workflow import BULLETIN_WORKFLOW, ISSUE, REFRESH
from jixiao.core import audit
from jixiao.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.numbers import is_year
from jixiao.core.permissions import require
from jixiao.documents.rendering import check_template
from jixiao.documents.services import document_issue
from jixiao.organizations.models import Department, FiscalRegion

NARRATIVE_FIELDS = ["title", "narrative"]
STALE_MESSAGE = "通报已被他人修改，请刷新后重试"
OTHER_REGION = "该通报由下级财政部门编制和印发，上级只能查看"


def check_version(bulletin: Bulletin, version: int | None) -> None:
    """ConflictError when the page the action was pressed on showed another version of the bulletin (its text was
    saved or regenerated meanwhile); None (an old page, a script) skips the check."""
    if version is not None and version != bulletin.version:
        raise ConflictError(STALE_MESSAGE)


def _visible(actor: Any, bulletin: Bulletin) -> None:
    if not Bulletin.objects.visible_to(actor).filter(pk=bulletin.pk).exists():
        raise NotFoundError("通报不存在")


def _kept(actor: Any, bulletin: Bulletin) -> None:
    """Visible and made by the actor's own region: a region above reads a lower region's bulletin (403 on a change),
    which would otherwise be issued under that region's 文号 by someone outside its bureau."""
    _visible(actor, bulletin)
    if not selectors.kept_by(actor, bulletin):
        raise PermissionDeniedError(OTHER_REGION)


def _snapshot(actor: Any, kind: str, fiscal_year: int, source_id: str) -> tuple[str, dict[str, Any]]:
    try:
        return selectors.compute_snapshot(actor, kind, fiscal_year, source_id)
    except Http404 as exc:
        raise NotFoundError("通报的数据来源不存在或不在您的管理范围内") from exc


def bulletin_check_new(*, actor: Any, kind: str, fiscal_year: int, source_id: str = "") -> None:
    """ConflictError naming the region's bulletin of the same kind, year and source (batch or round) when there is
    one (draft or issued): a second one would be a second 通报 of the same figures. The existing draft is refreshed
    (按最新数据重新生成) instead."""
    existing = selectors.bulletin_existing(actor.active_membership.region, kind, fiscal_year, source_id)
    if existing is not None:
        state = "草稿，可在其中按最新数据重新生成" if existing.status == BulletinStatus.DRAFT else "已印发"
        raise ConflictError(f"本区划已有该通报“{existing.title}”（{state}），不再重复生成")


def bulletin_generate(*, actor: Any, kind: str, fiscal_year: int, source_id: str = "") -> Bulletin:
    """A draft bulletin with the figures computed now and a narrative made of the figure sentences."""
    require(actor, "bulletins.manage")
    if kind not in BulletinKind.values:
        raise DomainError("请选择通报类型")
    if not is_year(fiscal_year):
        raise DomainError("请填写有效的年度")
    source_id = str(source_id or "").strip()
    if kind in KINDS_WITH_SOURCE and not source_id:
        raise DomainError("请选择再评价批次或监控轮次")
    if kind not in KINDS_WITH_SOURCE:
        source_id = ""
    region = actor.active_membership.region
    bulletin_check_new(actor=actor, kind=kind, fiscal_year=fiscal_year, source_id=source_id)
    source_label, snapshot = _snapshot(actor, kind, fiscal_year, source_id)
    with transaction.atomic():
        # Two generators pressed together: the region's row orders them, the second finds the first's bulletin.
        FiscalRegion.objects.filter(pk=region.pk).lock()
        bulletin_check_new(actor=actor, kind=kind, fiscal_year=fiscal_year, source_id=source_id)
        bulletin = Bulletin.objects.create(
            kind=kind,
            region=region,
            fiscal_year=fiscal_year,
            source_id=source_id,
            source_label=source_label[:200],
            title=selectors.default_title(kind, fiscal_year, source_label)[:200],
            narrative=selectors.default_narrative(snapshot),
            snapshot=snapshot,
            generated_at=timezone.now(),
            created_by=actor,
            updated_by=actor,
        )
        audit.record(
            actor=actor,
            event_type="bulletins.generate",
            obj=bulletin,
            changes={"figures": snapshot.get("figures", {})},
            reason=source_label[:500],
        )
    return bulletin


def bulletin_refresh(
    *, actor: Any, bulletin: Bulletin, keep_narrative: bool = False, version: int | None = None
) -> Bulletin:
    """Recompute the figures of a draft (the narrative is regenerated unless kept). `version`: the one the page
    showed; a text saved since is not overwritten unseen (409)."""
    transition = BULLETIN_WORKFLOW.get(bulletin.status, REFRESH)
    require(actor, transition.capability)
    _kept(actor, bulletin)
    source_label, snapshot = _snapshot(actor, bulletin.kind, bulletin.fiscal_year, bulletin.source_id)
    with transaction.atomic():
        locked = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
        if locked.status != BulletinStatus.DRAFT:
            raise ConflictError("通报已印发，不能重新生成")
        check_version(locked, version)
        locked.snapshot, locked.source_label = snapshot, source_label[:200]
        if not keep_narrative:
            locked.narrative = selectors.default_narrative(snapshot)
        locked.generated_at = timezone.now()
        locked.version += 1
        locked.updated_by = actor
        locked.save()
        audit.record(
            actor=actor, event_type="bulletins.refresh", obj=locked, changes={"figures": snapshot.get("figures", {})}
        )
    return locked


def bulletin_update(
    *, actor: Any, bulletin: Bulletin, title: str, narrative: str, version: int | None = None
) -> Bulletin:
    require(actor, "bulletins.manage")
    _kept(actor, bulletin)
    title, narrative = (title or "").strip(), (narrative or "").strip()
    if not title or not narrative:
        raise DomainError("标题和正文不能为空")
    if "{" in narrative or "}" in narrative:
        raise DomainError("通报正文不能包含花括号占位符")
    # The title is filled like the template's title at issue: `{项目名称}`, a lone brace or an unknown placeholder
    # would print as typed in the numbered 通报.
    check_template(title, what="标题")
    with transaction.atomic():
        locked = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
        if locked.status != BulletinStatus.DRAFT:
            raise ConflictError("通报已印发，不能修改")
        check_version(locked, version)
        before = audit.snapshot(locked, NARRATIVE_FIELDS)
        locked.title, locked.narrative = title[:200], narrative[:20000]
        locked.version += 1
        locked.updated_by = actor
        locked.save(update_fields=[*NARRATIVE_FIELDS, "version", "updated_by", "updated_at"])
        audit.record(
            actor=actor,
            event_type="bulletins.update",
            obj=locked,
            changes=audit.diff(before, audit.snapshot(locked, NARRATIVE_FIELDS)),
        )
    return locked


def _default_recipients(actor: Any, bulletin: Bulletin) -> list[Department]:
    return list(
        Department.objects.visible_to(actor).filter(region=bulletin.region_id, is_active=True).order_by("dept_code")
    )


def bulletin_issue(
    *, actor: Any, bulletin: Bulletin, recipients: Iterable[Any] | None = None, version: int | None = None
) -> Bulletin:
    """Issue the bulletin as its CIRCULAR_* document (next 文号), addressed to the region's departments by default.
    `version`: the one the page showed; a text changed since is not numbered and sent out unseen (409)."""
    transition = BULLETIN_WORKFLOW.get(bulletin.status, ISSUE)
    require(actor, transition.capability)
    _kept(actor, bulletin)
    with transaction.atomic():
        locked = Bulletin.objects.select_for_update(of=("self",)).select_related("region").get(pk=bulletin.pk)
        if locked.status != transition.source:
            raise ConflictError("通报状态已变化，请刷新后重试")
        check_version(locked, version)
        if locked.snapshot.get("empty"):
            raise DomainError(f"{locked.snapshot['empty']}，不能印发通报")
        addressees = list(recipients) if recipients is not None else _default_recipients(actor, locked)
        if not addressees:
            raise DomainError("本区划没有可主送的主管部门")
        context = {"content": locked.narrative, "year": str(locked.fiscal_year)}
        if recipients is None:
            # Addressed to every department: the 称谓 says so, instead of listing a hundred names.
            context["recipient"] = ALL_DEPARTMENTS
        document = document_issue(
            actor=actor,
            doc_type=locked.doc_type,
            region=locked.region,
            recipients=addressees,
            context=context,
            title=locked.title,
            related=locked,
            fiscal_year=locked.fiscal_year,
            tables=annex_tables(locked),  # the departments receive the lists with the text
            refuse_unfilled=True,  # a 【待填写：…】 left by the title or the region's template is not sent out
        )
        locked.document = document
        locked.status = transition.target
        locked.issued_at = document.issued_at
        locked.version += 1
        locked.updated_by = actor
        locked.save()
        audit.record(
            actor=actor,
            event_type="bulletins.issue",
            obj=locked,
            changes={"status": [transition.source, transition.target], "doc_no": ["", document.doc_no]},
            reason=document.doc_no,
        )
    return locked
