"""信息公开 writes: generating the year's items, proposing, reviewing (publish / exempt / return), withdrawing.

Every function re-checks the capability and the row scope, runs in one transaction, writes an event row and an
audit record. Publishing freezes what the public may see (snapshots.build); the public site reads only that copy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from jixiao.core import audit, bulk
from jixiao.core.errors import ConflictError, DomainError, NotFoundError
from jixiao.core.locking import check_lock_token, duplicate_is_conflict
from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR
from jixiao.core.permissions import require
from jixiao.disclosure import selectors, snapshots
from jixiao.disclosure.models import (
    Disclosure,
    DisclosureEvent,
    DisclosureSettings,
    DisclosureStatus,
    Exemption,
    ItemType,
)
from jixiao.disclosure.workflow import DISCLOSURE_WORKFLOW as WORKFLOW
from jixiao.disclosure.workflow import EXEMPT_ACTIONS, PROPOSE, PROPOSE_EXEMPT, PUBLISH, REPUBLISH, WITHDRAW
from jixiao.evaluation.models import SelfEvalStatus, SelfEvaluation
from jixiao.keyeval.models import KeyEvalStatus, KeyEvaluation
from jixiao.monitoring.models import MonitoringTask, TaskStatus
from jixiao.organizations.models import FiscalRegion
from jixiao.organizations.selectors import current_fiscal_year
from jixiao.targets.models import PerformanceTarget, TargetStatus

GENERATE_CLASH = "其他人正在生成本区划或上下级区划该年度的公开事项，本次未生成任何事项，请稍后刷新列表后再试"
CLASSIFIED_SOURCE_REASON = "来源部门或单位标记为涉密，默认不予公开"
TRACKED = ["status", "requested_exemption", "exempt_reason", "withdraw_reason", "published_at"]
SNAPSHOT_FIELDS = ["snapshot", "snapshot_file", "snapshot_file_name", "search_text", "source_version", "published_by"]


def _event(actor: Any, item: Disclosure, action: str, label: str, source: str, comment: str = "") -> None:
    DisclosureEvent.log(
        actor, action=action, label=label, comment=comment, disclosure=item, from_status=source, to_status=item.status
    )


# ---- generation ---------------------------------------------------------------------------------------------------


def _due(moment: dt.datetime | None, days: int) -> dt.date | None:
    return timezone.localdate(moment) + dt.timedelta(days=days) if moment is not None else None


def _not_yet(qs: models.QuerySet[Any], item_type: str, content_type: ContentType) -> models.QuerySet[Any]:
    existing = Disclosure.objects.filter(item_type=item_type, subject_type=content_type, subject_id=OuterRef("pk"))
    return qs.filter(~Exists(existing))


def _target_items(region: FiscalRegion, year: int, days: int) -> list[Disclosure]:
    ct = ContentType.objects.get_for_model(PerformanceTarget)
    base = PerformanceTarget.objects.filter(
        is_deleted=False,
        fiscal_year=year,
        region__path__startswith=region.path,
        status__in=(TargetStatus.APPROVED, TargetStatus.ADJUSTING),
    ).select_related("department", "unit")
    items: list[Disclosure] = []
    for item_type, subject in (
        (ItemType.TARGET_TABLE, PerformanceTarget.Subject.PROJECT),
        (ItemType.DEPT_OVERALL_TARGET, PerformanceTarget.Subject.DEPT_OVERALL),
    ):
        for t in _not_yet(base.filter(subject_type=subject), item_type, ct):
            items.append(_item(item_type, t, ct, t.name, t.department, t.unit, _due(t.approved_at, days)))
    return items


def _self_eval_items(region: FiscalRegion, year: int, days: int) -> list[Disclosure]:
    ct = ContentType.objects.get_for_model(SelfEvaluation)
    qs = SelfEvaluation.objects.filter(is_deleted=False, fiscal_year=year, region__path__startswith=region.path)
    qs = qs.exclude(status__in=(SelfEvalStatus.FILLING, SelfEvalStatus.RETURNED)).select_related("department", "unit")
    return [
        _item(ItemType.SELF_EVAL_REPORT, r, ct, r.name, r.department, r.unit, _due(r.submitted_at, days))
        for r in _not_yet(qs, ItemType.SELF_EVAL_REPORT, ct)
    ]


def _key_eval_items(region: FiscalRegion, year: int, days: int) -> list[Disclosure]:
    ct = ContentType.objects.get_for_model(KeyEvaluation)
    qs = KeyEvaluation.objects.filter(
        is_deleted=False, fiscal_year=year, region__path__startswith=region.path, status=KeyEvalStatus.ISSUED
    ).select_related("department")
    return [
        _item(ItemType.KEY_EVAL_REPORT, ev, ct, ev.title, ev.department, None, _due(ev.issued_at, days))
        for ev in _not_yet(qs, ItemType.KEY_EVAL_REPORT, ct)
    ]


def _monitor_items(region: FiscalRegion, year: int, days: int) -> list[Disclosure]:
    ct = ContentType.objects.get_for_model(MonitoringTask)
    qs = MonitoringTask.objects.filter(
        is_deleted=False, fiscal_year=year, region__path__startswith=region.path, status=TaskStatus.CLOSED
    ).select_related("department")
    return [
        _item(ItemType.MONITOR_SUMMARY, t, ct, t.title, t.department, None, _due(t.updated_at, days))
        for t in _not_yet(qs, ItemType.MONITOR_SUMMARY, ct)
    ]


def _agri_fund_items(region: FiscalRegion, year: int) -> list[Disclosure]:
    """One 涉农整合资金项目公告 per region of the subtree with such projects in its 项目库 (a region-level item, no
    deadline)."""
    with_projects = snapshots.agri_fund_projects(year).filter(region__path__startswith=region.path).values("region_id")
    existing = Disclosure.objects.filter(item_type=ItemType.AGRI_FUND_NOTICE, fiscal_year=year, region=OuterRef("pk"))
    regions = FiscalRegion.objects.filter(pk__in=with_projects).filter(~Exists(existing)).order_by("path")
    return [
        Disclosure(
            item_type=ItemType.AGRI_FUND_NOTICE,
            fiscal_year=year,
            region=r,
            title=f"{r.name}{year}年度统筹整合财政涉农资金项目公告",
        )
        for r in regions
    ]


def _item(
    item_type: str, source: Any, ct: ContentType | None, title: str, department: Any, unit: Any, due: dt.date | None
) -> Disclosure:
    return Disclosure(
        item_type=item_type,
        fiscal_year=source.fiscal_year,
        region_id=source.region_id,
        department=department,
        unit=unit,
        subject_type=ct,
        subject_id=source.pk,
        title=title[:200],
        due_date=due,
    )


def _is_secret(item: Disclosure) -> bool:
    department = item.department
    unit = item.unit
    return bool((department is not None and department.is_secret) or (unit is not None and unit.is_secret))


def disclosure_generate(*, actor: Any, region: FiscalRegion, fiscal_year: int) -> dict[str, int]:
    """Create the pending items of a region and year from approved targets, submitted or finalised
    self-evaluations, issued key evaluations, closed monitoring rounds, the indicator library and the 涉农整合资金项目
    公告 of each region with such projects in its 项目库 (idempotent).
    Items of 涉密 departments or units start as exempt (涉密) with a reason."""
    require(actor, "disclosure.generate")
    if not actor.active_membership.region.path or not region.path.startswith(actor.active_membership.region.path):
        raise NotFoundError("财政区划不存在")
    if not FIRST_YEAR <= fiscal_year <= LAST_YEAR:
        raise DomainError("请输入正确的年度")
    # Nothing of a year after the next budget year exists to publish: such a year is a typo (2062 for 2026) that
    # would leave a 指标体系 item pending for good.
    current = current_fiscal_year()
    if current is not None and fiscal_year > current.year + 1:
        raise DomainError(f"年度不能晚于{current.year + 1}年（当前财政年度{current.year}年的下一预算年度）")
    days = selectors.days_after_approval(region, fiscal_year)
    with transaction.atomic():
        FiscalRegion.objects.filter(pk=region.pk).lock()  # one generator per region at a time
        items = [
            *_target_items(region, fiscal_year, days),
            *_self_eval_items(region, fiscal_year, days),
            *_key_eval_items(region, fiscal_year, days),
            *_monitor_items(region, fiscal_year, days),
            *_agri_fund_items(region, fiscal_year),
        ]
        has_library = Disclosure.objects.filter(
            item_type=ItemType.INDICATOR_LIBRARY, region=region, fiscal_year=fiscal_year, subject_id__isnull=True
        ).exists()
        if not has_library:
            items.append(
                Disclosure(
                    item_type=ItemType.INDICATOR_LIBRARY,
                    fiscal_year=fiscal_year,
                    region=region,
                    title=f"{region.name}{fiscal_year}年度绩效指标体系",
                )
            )
        secret = 0
        for item in items:
            item.created_by = actor
            item.updated_by = actor
            if _is_secret(item):
                item.status = DisclosureStatus.EXEMPT_SECRET
                item.exempt_reason = CLASSIFIED_SOURCE_REASON
                secret += 1
        # The row lock above serialises generators of this region only: a city and one of its counties generating
        # the same year at once both insert the county's items, and the second insert hits the unique constraints.
        with duplicate_is_conflict(GENERATE_CLASH):
            created = Disclosure.objects.bulk_create(items)
        DisclosureEvent.objects.bulk_create(
            DisclosureEvent(
                disclosure=item,
                actor=actor,
                actor_role=actor.active_membership.role,
                action="generate",
                action_label="生成公开事项",
                to_status=item.status,
                comment=item.exempt_reason,
            )
            for item in created
        )
        counts: dict[str, int] = {}
        for item in created:
            counts[item.item_type] = counts.get(item.item_type, 0) + 1
        # The counts by type in Chinese for the audit console (its change rows show the stored codes as they are).
        by_type = "、".join(f"{ItemType(t).label}{n}个" for t, n in counts.items())
        audit.record(
            actor=actor,
            event_type="disclosure.generate",
            object_type="disclosure.disclosure",
            object_repr=f"{region.name} {fiscal_year}年度",
            reason=f"生成{len(created)}个公开事项{f'（{by_type}）' if by_type else ''}，其中{secret}个涉密默认不予公开",
            changes={"created": counts, "exempt_secret": secret},
        )
    return {"created": len(created), "exempt_secret": secret, **counts}


# ---- transitions --------------------------------------------------------------------------------------------------


SOURCE_MISSING = (
    PerformanceTarget.DoesNotExist,
    SelfEvaluation.DoesNotExist,
    KeyEvaluation.DoesNotExist,
    MonitoringTask.DoesNotExist,
)


def _publish(actor: Any, item: Disclosure, snap: snapshots.Snapshot | None = None) -> None:
    if _is_secret(item):
        # Flagged 涉密 after the item was generated (generation files such items as exempt): not to the public.
        raise DomainError(f"“{item.title}”的来源部门或单位已标记为涉密，请按涉密不予公开办理，或先取消涉密标记")
    if snap is None:
        try:
            snap = snapshots.build(item)
        except SOURCE_MISSING as exc:
            raise DomainError("公开内容的来源已不存在，不能公开") from exc
    item.snapshot = snap.data
    item.source_version = snap.source_version
    item.search_text = snapshots.search_text(snap.data)
    if snap.file_bytes is not None:
        item.snapshot_file.save(snap.file_name, ContentFile(snap.file_bytes), save=False)
        item.snapshot_file_name = snap.file_name[:200]
    else:
        item.snapshot_file = ""  # type: ignore[assignment]
        item.snapshot_file_name = ""
    item.published_at = timezone.now()
    item.published_by = actor
    item.withdraw_reason = ""


def _apply(actor: Any, item: Disclosure, action: str, comment: str, exemption: str) -> None:
    if action == PROPOSE:
        item.requested_exemption = ""
    elif action == PROPOSE_EXEMPT:
        if exemption not in Exemption.values:
            raise DomainError("请选择不予公开的类型（涉密、敏感或其他原因）")
        item.requested_exemption = exemption
        item.exempt_reason = comment[:1000]
    elif action in (PUBLISH, REPUBLISH):
        _publish(actor, item)
    elif action in EXEMPT_ACTIONS:
        item.exempt_reason = comment[:1000]
    elif action == WITHDRAW:
        item.withdraw_reason = comment[:1000]


def disclosure_transition(
    *,
    actor: Any,
    item: Disclosure,
    action: str,
    comment: str = "",
    exemption: str = "",
    lock_token: str | None = None,
) -> Disclosure:
    transition = WORKFLOW.get(item.status, action)
    require(actor, transition.capability)
    if not Disclosure.objects.visible_to(actor).filter(pk=item.pk).exists():
        raise NotFoundError("公开事项不存在")
    comment = comment.strip()
    if transition.needs_comment and not comment:
        raise DomainError("请填写理由或意见")
    with transaction.atomic():
        locked = (
            Disclosure.objects.select_for_update(of=("self",))
            .select_related("region", "department", "unit")
            .get(pk=item.pk)
        )
        # The page's token first: an item withdrawn and proposed again is back in the same state.
        check_lock_token(locked, lock_token)
        if locked.status != transition.source:
            raise ConflictError("公开事项状态已变化，请刷新后重试")
        before = audit.snapshot(locked, TRACKED)
        _apply(actor, locked, action, comment, exemption)
        locked.status = transition.target
        locked.version += 1
        locked.updated_by = actor
        locked.save(update_fields=[*TRACKED, *SNAPSHOT_FIELDS, "version", "updated_by", "updated_at"])
        _event(actor, locked, action, transition.label, transition.source, comment)
        audit.record(
            actor=actor,
            event_type=f"disclosure.{action}",
            obj=locked,
            reason=comment[:500],
            changes=audit.diff(before, audit.snapshot(locked, TRACKED)),
        )
    return locked


BULK_ACTIONS = (PROPOSE, PUBLISH)
BULK_NAMED = 5  # the items a refused batch names; more are counted


def _refuse_requested_exemptions(items: list[Disclosure]) -> None:
    """A unit that asked to withhold an item (涉密, 敏感, other) is answered item by item: 审核通过并公开 in bulk would
    publish it without anyone reading the request. The batch is refused (all or nothing) naming those items."""
    asked = [item for item in items if item.requested_exemption]
    if not asked:
        return
    names = "、".join(
        f"“{item.title}”（申请不予公开：{item.get_requested_exemption_display()}）" for item in asked[:BULK_NAMED]
    )
    more = f"等{len(asked)}项" if len(asked) > BULK_NAMED else ""
    raise DomainError(f"{names}{more}已申请不予公开，不能批量公开，请逐项审核决定；其余事项未办理，请取消勾选后重试")


def disclosure_bulk_transition(*, actor: Any, ids: Iterable[int | str], action: str) -> int:
    """批量提交 / 批量公开: one transaction, an event per item and one audit record listing them. Only the actions
    that need no reason; an item in another state or outside the actor's scope fails the whole batch (core.bulk).
    Unlike the review lists' batches the items are moved by set-based writes here: publishing snapshots them all at
    once (snapshots.build_many)."""
    transition = bulk.transition_of(WORKFLOW, BULK_ACTIONS, action)
    require(actor, transition.capability)
    ids = bulk.clean_ids(ids, noun="公开事项")
    with transaction.atomic():
        items = bulk.lock_batch(
            Disclosure.objects.visible_to(actor),
            ids,
            state=transition.source,
            noun="公开事项",
            related=("region", "department", "unit"),
        )
        if action == PUBLISH:
            _refuse_requested_exemptions(items)
        try:
            snaps = snapshots.build_many(items) if action == PUBLISH else {}
        except SOURCE_MISSING as exc:
            raise DomainError("所选事项中有来源已不存在的，不能公开") from exc
        now = timezone.now()
        common: dict[str, Any] = {"status": transition.target, "updated_by": actor, "updated_at": now}
        if action == PUBLISH:
            common.update(published_at=now, published_by=actor, withdraw_reason="")
            for item in items:
                _publish(actor, item, snaps[item.pk])
                # Each item's own snapshot; the fields all items share are set in one UPDATE below.
                item.save(
                    update_fields=["snapshot", "snapshot_file", "snapshot_file_name", "search_text", "source_version"]
                )
        else:
            common.update(requested_exemption="")
        Disclosure.objects.filter(pk__in=ids).update(version=F("version") + 1, **common)
        for item in items:
            item.status = transition.target
        DisclosureEvent.objects.bulk_create(
            DisclosureEvent(
                disclosure=item,
                actor=actor,
                actor_role=actor.active_membership.role,
                action=action,
                action_label=f"{transition.label}（批量）",
                from_status=transition.source,
                to_status=item.status,
            )
            for item in items
        )
        audit.record(
            actor=actor,
            event_type=f"disclosure.bulk_{action}",
            object_type="disclosure.disclosure",
            object_repr=f"{len(items)}个公开事项",
            changes={"ids": [item.pk for item in items], "status": [transition.source, transition.target]},
        )
    return len(items)


def disclosure_file_opened(*, actor: Any, item: Disclosure) -> None:
    """An internal download of an item's frozen file (SECURITY.md §1.4: file downloads are audited). The public
    site's anonymous downloads of published files are not recorded: they carry no user."""
    audit.record(
        actor=actor,
        event_type="disclosure.report_download",
        obj=item,
        reason=(item.snapshot_file_name or item.title)[:500],
    )


# ---- settings -----------------------------------------------------------------------------------------------------


def disclosure_settings_save(
    *,
    actor: Any,
    region: FiscalRegion,
    fiscal_year: int | None,
    days_after_approval: int,
    lock_token: str | None = None,
) -> DisclosureSettings:
    """Set the region's disclosure deadline (for one year, or every year when `fiscal_year` is None). It applies to
    items generated afterwards; existing items keep their due date. `lock_token` is that of the region's rows the
    page showed: a row saved or added since is a conflict."""
    require(actor, "disclosure.generate")
    if not region.path.startswith(actor.active_membership.region.path):
        raise NotFoundError("财政区划不存在")
    if not 1 <= days_after_approval <= 365:
        raise DomainError("公开期限应在1至365日之间")
    with transaction.atomic():
        check_lock_token(DisclosureSettings.objects.select_for_update().filter(region=region), lock_token)
        row, created = DisclosureSettings.objects.select_for_update().get_or_create(
            region=region, fiscal_year=fiscal_year, defaults={"days_after_approval": days_after_approval}
        )
        before = {} if created else audit.snapshot(row, ["days_after_approval"])
        if not created:
            row.days_after_approval = days_after_approval
            row.save(update_fields=["days_after_approval", "updated_at"])
        audit.record(
            actor=actor,
            event_type="disclosure.settings",
            obj=row,
            changes=audit.diff(before, audit.snapshot(row, ["region", "fiscal_year", "days_after_approval"])),
        )
    return row
