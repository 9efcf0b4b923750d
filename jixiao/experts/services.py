"""Expert pool writes: save, audited contact view, all-or-nothing import, and panel draws."""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from jixiao.core import audit, uploads
from jixiao.core.errors import ConflictError, DomainError, NotFoundError, ServiceError
from jixiao.core.locking import save_versioned
from jixiao.core.models import AuditEvent
from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR
from jixiao.core.permissions import require
from jixiao.core.spreadsheets import CellError, ImportRejectedError
from jixiao.experts import selectors
from jixiao.experts.checks import quality_grade, quality_total
from jixiao.experts.columns import ExpertImportRow
from jixiao.experts.drawing import draw_panel, redraw
from jixiao.experts.models import (
    QUALITY_ASPECTS,
    Agency,
    AgencyQualityReview,
    Engagement,
    EngagementDeliverable,
    Expert,
    PanelDraw,
    QualityGrade,
    mask_middle,
)
from jixiao.organizations.models import Department, FiscalRegion
from jixiao.organizations.services import import_row_regions

SEED_LIMIT = 2**31
MAX_PANEL_SIZE = 50


class InvalidDataError(DomainError):
    """Validation failed; `field_errors` lets a form show each message next to its field."""

    def __init__(self, field_errors: dict[str, list[str]]) -> None:
        self.field_errors = field_errors
        super().__init__("；".join(m for messages in field_errors.values() for m in messages))


def _mask(phone: Any) -> Any:
    # The audit trail must not become a second copy of the personal data it protects.
    return Expert(phone=phone).phone_masked if isinstance(phone, str) else phone


def _clean(expert: Expert) -> None:
    try:
        expert.full_clean(exclude=["created_by", "updated_by", "user"])
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for name, messages in exc.message_dict.items():
            label = (
                "" if name == NON_FIELD_ERRORS else f"{getattr(Expert._meta.get_field(name), 'verbose_name', name)}："
            )
            errors.setdefault(name, []).extend(f"{label}{m}" for m in messages)
        raise InvalidDataError(errors) from exc


def _actor_region(actor: Any) -> FiscalRegion:
    region = selectors.actor_region(actor)
    if region is None:
        raise NotFoundError("您当前没有所属财政区划")
    return region


def _check_departments(actor: Any, data: dict[str, Any]) -> None:
    visible = Department.objects.visible_to(actor)
    departments = [d for d in [data.get("department"), *data.get("conflict_departments", [])] if d is not None]
    ids = {d.pk for d in departments}
    if len(ids) != visible.filter(pk__in=ids).count():
        raise InvalidDataError({"department": ["所选部门不存在或不在您的管理范围内"]})


def _write(
    actor: Any,
    expert: Expert | None,
    data: dict[str, Any],
    expected_version: int | None,
    *,
    region: FiscalRegion | None = None,
) -> Expert:
    """Create or update one expert inside the caller's transaction; returns the saved (or unchanged) row. A new
    expert goes to `region` (an import's row, checked by the caller) or the actor's own region."""
    data = dict(data)
    conflicts = data.pop("conflict_departments", None)
    creating = expert is None
    if expert is None:
        row = Expert(region=region or _actor_region(actor), created_by=actor)
        before: dict[str, Any] = {}
        conflicts_before: list[int] = []
    else:
        row = Expert.objects.select_for_update().get(pk=expert.pk)
        if expected_version is not None and row.version != expected_version:
            raise ConflictError("该记录已被他人修改，请刷新后重试")
        before = audit.snapshot(row, list(data))
        conflicts_before = sorted(row.conflict_departments.values_list("pk", flat=True))
    for key, value in data.items():
        setattr(row, key, value)
    changes = audit.diff(before, audit.snapshot(row, list(data)))
    conflicts_after = conflicts_before if conflicts is None else sorted(d.pk for d in conflicts)
    if conflicts_after != conflicts_before:
        changes["conflict_departments"] = [conflicts_before, conflicts_after]
    if not creating and not changes:
        return row
    if "phone" in changes:
        changes["phone"] = [_mask(v) for v in changes["phone"]]
    for name in ("id_number", "bank_account"):
        if name in changes:
            changes[name] = [mask_middle(v, keep_start=0, keep_end=4) if v else v for v in changes[name]]
    row.updated_by = actor
    _clean(row)
    if creating:
        row.save()
    else:
        row.version += 1
        fields = [k for k in changes if k != "conflict_departments"]
        row.save(update_fields=[*fields, "version", "updated_by", "updated_at"])
    if conflicts_after != conflicts_before:
        row.conflict_departments.set(conflicts_after)
    audit.record(actor=actor, event_type="expert.create" if creating else "expert.update", obj=row, changes=changes)
    return row


def _check_user(actor: Any, expert: Expert | None, data: dict[str, Any]) -> None:
    login = data.get("user")
    if login is not None and not selectors.expert_user_choices(actor, expert).filter(pk=login.pk).exists():
        raise InvalidDataError({"user": ["所选账号不是本区划的评审专家账号，或已关联其他专家"]})


def expert_save(
    *, actor: Any, expert: Expert | None, data: dict[str, Any], expected_version: int | None = None
) -> Expert:
    require(actor, "expert.manage")
    if expert is not None and not Expert.objects.visible_to(actor).filter(pk=expert.pk).exists():
        raise NotFoundError("专家不存在或不在您的管理范围内")
    _check_departments(actor, data)
    with transaction.atomic():
        _check_user(actor, expert, data)
        return _write(actor, expert, data, expected_version)


def expert_contact_view(*, actor: Any, expert: Expert) -> str:
    """The full phone number (and on the page ID number and bank account), once; every view is audited
    (SECURITY.md G02, §1.4)."""
    require(actor, "expert.contact")
    if not Expert.objects.visible_to(actor).filter(pk=expert.pk).exists():
        raise NotFoundError("专家不存在或不在您的管理范围内")
    shown = [label for label, value in (("联系电话", expert.phone), ("身份证号", expert.id_number),
                                        ("银行账号", expert.bank_account)) if value]  # fmt: skip
    with transaction.atomic():
        audit.record(
            actor=actor,
            event_type="expert.contact_view",
            obj=expert,
            reason=f"查看专家完整{'、'.join(shown) or '联系电话'}",
        )
    return expert.phone


# ---------------------------------------------------------------- import


def _row_errors(
    row: ExpertImportRow,
    existing: dict[int, Expert],
    departments: dict[int, dict[str, Department]],
    by_name_phone: dict[tuple[int, str, str], Expert],
    region: FiscalRegion,
) -> list[CellError]:
    """The errors of a row whose 财政区划编码 was accepted: `region` is the region it names (or the importer's)."""
    errors: list[CellError] = []
    if row.expert_id is not None and row.expert_id not in existing:
        errors.append(CellError(row.row, "编号", str(row.expert_id), "编号不存在或不在您的管理范围内"))
    elif row.expert_id is not None:
        # An expert stays in its region: its codes are resolved there (department codes are unique per region only).
        own = existing[row.expert_id].region
        if row.region_code and row.region_code != own.mof_div_code:
            message = (
                f"该专家属于“{own.name}”（{own.mof_div_code}）：财政区划编码须与之相同，专家不能通过导入改到其他区划"
            )
            return [CellError(row.row, "财政区划编码", row.region_code, message)]
    codes = departments.get(region.pk, {})
    if row.dept_code and row.dept_code not in codes:
        errors.append(CellError(row.row, "所属部门编码", row.dept_code, f"{region.name}没有该主管部门"))
    unknown = [code for code in row.conflict_codes if code not in codes]
    if unknown:
        errors.append(
            CellError(
                row.row,
                "声明回避部门编码",
                "、".join(row.conflict_codes),
                f"{region.name}没有主管部门：{'、'.join(unknown)}",
            )
        )
    if row.expert_id is None:
        if row.phone_is_masked:
            errors.append(CellError(row.row, "联系电话", row.phone, "新增专家请填写完整联系电话"))
        twin = by_name_phone.get((region.pk, row.name, row.phone)) if row.phone else None
        if twin is not None:
            errors.append(CellError(row.row, "姓名", row.name, f"与已有专家（编号{twin.pk}）重复，请填写编号以更新"))
    return errors


def _row_region(row: ExpertImportRow, existing: dict[int, Expert], named: FiscalRegion) -> FiscalRegion:
    """The region a row is saved in: an existing expert's own, a new one's the 财政区划编码 names."""
    current = existing.get(row.expert_id) if row.expert_id is not None else None
    return current.region if current is not None else named


def _import_data(row: ExpertImportRow, departments: dict[str, Department]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": row.name,
        "kind": row.kind,
        "field": row.field,
        "title": row.title,
        "affiliation": row.affiliation,
        "department": departments[row.dept_code] if row.dept_code else None,
        "conflict_departments": [departments[c] for c in row.conflict_codes],
    }
    if not row.phone_is_masked:
        data["phone"] = row.phone
    if row.is_active is not None:
        data["is_active"] = row.is_active
    return data


def _record_import_failure(actor: Any, errors: list[CellError]) -> None:
    audit.record(
        actor=actor,
        event_type="expert.import",
        object_type="experts.expert",
        outcome=AuditEvent.Outcome.FAILURE,
        reason=f"导入专家未完成：发现{len(errors)}处错误，所有数据均未导入",
    )


ImportPlan = tuple[
    list[tuple[ExpertImportRow, FiscalRegion]], dict[int, Expert], dict[int, dict[str, Department]], list[CellError]
]


def _import_plan(actor: Any, rows: list[ExpertImportRow]) -> ImportPlan:
    """Each accepted row with its region, the visible experts by 编号, the regions' departments by code, and every
    error. Regions and departments are read once for the file (a city's file names its twenty counties)."""
    require(actor, "expert.manage")
    region = _actor_region(actor)
    named, errors = import_row_regions(actor, region, {r.row: r.region_code for r in rows}, "专家")
    existing = selectors.experts_by_id(actor)
    placed = [(row, _row_region(row, existing, named[row.row])) for row in rows if row.row in named]
    departments = selectors.departments_by_region(actor, sorted({r.pk for _row, r in placed}))
    by_name_phone = {(e.region_id, e.name, e.phone): e for e in existing.values() if e.phone}
    for row, target in placed:
        errors += _row_errors(row, existing, departments, by_name_phone, target)
    return placed, existing, departments, sorted(errors, key=lambda e: e.row)


def experts_import_errors(*, actor: Any, rows: list[ExpertImportRow]) -> list[CellError]:
    """The rows' errors that need the database (an unknown 编号 or department, a region outside the importer's, a
    twin), without writing: reported together with the parser's errors, so a file is not corrected in two rounds."""
    return _import_plan(actor, rows)[3]


def experts_import(*, actor: Any, rows: list[ExpertImportRow]) -> dict[str, int]:
    """Create or update experts (by 编号), all-or-nothing: a new expert in the region its 财政区划编码 names (empty:
    the actor's own), the actor's region or one under it; an existing one in its own region. Raises
    ImportRejectedError with per-cell errors."""
    placed, existing, departments, errors = _import_plan(actor, rows)
    if errors:
        _record_import_failure(actor, errors)
        raise ImportRejectedError(errors)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    by_region: dict[str, dict[str, Any]] = {}
    try:
        with transaction.atomic():
            for row, target in placed:
                current = existing.get(row.expert_id) if row.expert_id is not None else None
                try:
                    saved = _write(actor, current, _import_data(row, departments[target.pk]), None, region=target)
                except ServiceError as exc:
                    raise ImportRejectedError([CellError(row.row, "", row.name, exc.message)]) from exc
                changed = current is not None and saved.version != current.version
                key = "created" if current is None else ("updated" if changed else "unchanged")
                counts[key] += 1
                tally = by_region.setdefault(target.mof_div_code, {"name": target.name, **dict.fromkeys(counts, 0)})
                tally[key] += 1
            names = "、".join(f"{v['name']}（{code}）" for code, v in sorted(by_region.items()))
            audit.record(
                actor=actor,
                event_type="expert.import",
                object_type="experts.expert",
                changes={"regions": by_region},
                reason=f"导入专家：新增{counts['created']}名，更新{counts['updated']}名，未变化{counts['unchanged']}名；"
                f"财政区划：{names}",
            )
    except ImportRejectedError as exc:
        _record_import_failure(actor, exc.errors)
        raise
    return counts


# ---------------------------------------------------------------- panel draws


def panel_draw(
    *,
    actor: Any,
    purpose: str,
    object_type: str = "",
    object_id: str = "",
    field: str | None,
    size: int,
    avoid_department: Department | None,
    seed: int | None = None,
) -> PanelDraw:
    """Draw `size` experts of `field` from the actor's visible pool, avoiding `avoid_department`; store and audit it.

    Raises DomainError (NotEnoughExpertsError) when too few experts are eligible.
    """
    require(actor, "expert.manage")
    if not 1 <= size <= MAX_PANEL_SIZE:
        raise DomainError(f"抽取人数应在1至{MAX_PANEL_SIZE}名之间")
    if (
        avoid_department is not None
        and not Department.objects.visible_to(actor).filter(pk=avoid_department.pk).exists()
    ):
        raise NotFoundError("回避部门不存在或不在您的管理范围内")
    region = _actor_region(actor)
    if seed is None:
        seed = secrets.randbelow(SEED_LIMIT)
    with transaction.atomic():
        result = draw_panel(
            selectors.candidates(actor),
            field=field or None,
            size=size,
            seed=seed,
            avoid_department_id=avoid_department.pk if avoid_department is not None else None,
        )
        draw = PanelDraw.objects.create(
            region=region,
            purpose=purpose[:200],
            object_type=object_type[:60],
            object_id=str(object_id)[:64],
            field=field or "",
            size=size,
            seed=seed,
            avoid_department=avoid_department,
            eligible_ids=list(result.eligible_ids),
            drawn_ids=list(result.drawn_ids),
            excluded=[[expert_id, reason] for expert_id, reason in result.excluded],
            drawn_by=actor,
        )
        audit.record(
            actor=actor,
            event_type="expert.panel_draw",
            obj=draw,
            changes={"seed": seed, "eligible_ids": draw.eligible_ids, "drawn_ids": draw.drawn_ids},
            reason=f"{purpose}：从{len(result.eligible_ids)}名候选专家中抽取{size}名"[:500],
        )
    return draw


def panel_draw_verify(draw: PanelDraw) -> bool:
    """Re-run the stored draw from its eligible set and seed; False when the stored result does not match."""
    try:
        expected = redraw(draw.eligible_ids, size=draw.size, seed=draw.seed)
    except (DomainError, TypeError, ValueError):
        return False
    return list(expected) == list(draw.drawn_ids) and len(draw.eligible_ids) == len(set(draw.eligible_ids))


# ---------------------------------------------------------------- third-party agencies

AGENCY_FIELDS = ["name", "credit_code", "qualification", "contact_person", "phone", "is_active"]


def _clean_agency(agency: Agency) -> None:
    try:
        agency.full_clean(exclude=["created_by", "updated_by", "region"], validate_unique=False)
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for name, messages in exc.message_dict.items():
            label = (
                "" if name == NON_FIELD_ERRORS else f"{getattr(Agency._meta.get_field(name), 'verbose_name', name)}："
            )
            errors.setdefault(name, []).extend(f"{label}{m}" for m in messages)
        raise InvalidDataError(errors) from exc


def _credit_code_taken(row: Agency) -> bool:
    return Agency.objects.filter(region=row.region, credit_code=row.credit_code).exclude(pk=row.pk).exists()


def agency_save(
    *, actor: Any, agency: Agency | None, data: dict[str, Any], expected_version: int | None = None
) -> Agency:
    """Create or edit an agency of the actor's region; `users` must be 第三方机构 logins of that region."""
    require(actor, "expert.manage")
    if agency is not None and not Agency.objects.visible_to(actor).filter(pk=agency.pk).exists():
        raise NotFoundError("第三方机构不存在或不在您的管理范围内")
    data = dict(data)
    users = data.pop("users", None)
    if users is not None:
        allowed = set(selectors.agency_user_choices(actor).values_list("pk", flat=True))
        if any(u.pk not in allowed for u in users):
            raise InvalidDataError({"users": ["所选账号不是本区划的第三方机构账号"]})
    if "credit_code" in data:
        data["credit_code"] = str(data["credit_code"]).strip().upper()
    with transaction.atomic():
        creating = agency is None
        if agency is None:
            row = Agency(region=_actor_region(actor), created_by=actor)
            before: dict[str, Any] = {}
            users_before: list[int] = []
        else:
            row = Agency.objects.select_for_update().get(pk=agency.pk)
            if expected_version is not None and row.version != expected_version:
                raise ConflictError("该记录已被他人修改，请刷新后重试")
            before = audit.snapshot(row, AGENCY_FIELDS)
            users_before = sorted(row.users.values_list("pk", flat=True))
        fields = [f for f in AGENCY_FIELDS if f in data]
        for field in fields:
            setattr(row, field, data[field])
        _clean_agency(row)
        if _credit_code_taken(row):
            raise InvalidDataError({"credit_code": ["统一社会信用代码：本区划已有该机构"]})
        changes = audit.diff(before, audit.snapshot(row, AGENCY_FIELDS))
        users_after = users_before if users is None else sorted(u.pk for u in users)
        if users_after != users_before:
            changes["users"] = [users_before, users_after]
        if not creating and not changes:
            return row
        if "phone" in changes:
            changes["phone"] = [_mask(v) for v in changes["phone"]]
        row.updated_by = actor
        save_versioned(
            row,
            creating=creating,
            fields=fields,
            duplicate_message="编码已存在：本区划刚有他人以该统一社会信用代码登记机构，请刷新后重试",
        )
        if users_after != users_before:
            row.users.set(users_after)
        audit.record(actor=actor, event_type="agency.create" if creating else "agency.update", obj=row, changes=changes)
    return row


# ---------------------------------------------------------------- engagements (委托) and quality reviews (执业质量核查)

ENGAGEMENT_FIELDS = [
    "agency",
    "scope",
    "fiscal_year",
    "title",
    "commissioner",
    "contract_no",
    "fee_yuan",
    "team",
    "start_date",
    "end_date",
    "deadline",
]


def _check_engagement_editable(row: Engagement, agency: Agency | None) -> None:
    """A closed engagement (验收 or 终止) is history: it is not edited. One with deliverables stays with its agency:
    the agency's logins read the engagement's files, so moving it would hand one agency's work to another."""
    if row.status in (Engagement.Status.ACCEPTED, Engagement.Status.TERMINATED):
        raise ConflictError(f"委托{row.get_status_display()}，不能再修改")
    if agency is not None and agency.pk != row.agency_id and row.deliverables.exists():
        raise ConflictError(
            f"机构“{row.agency.name}”已提交委托成果，不能改派给其他机构；如需另行委托，请终止本委托后新增委托"
        )


def engagement_save(
    *, actor: Any, engagement: Engagement | None, data: dict[str, Any], expected_version: int | None = None
) -> Engagement:
    """Create or edit a commission of an agency of the actor's region. A 主管部门 commissions for itself: its
    engagements carry its department (and name it as 委托方 when none is typed), and it edits only those."""
    require(actor, "engagement.commission")
    if engagement is not None and not Engagement.objects.visible_to(actor).filter(pk=engagement.pk).exists():
        raise NotFoundError("委托不存在或不在您的管理范围内")
    data = dict(data)
    data.pop("department", None)  # never from the form: the commissioning department is the actor's own
    team_users = data.pop("team_users", None)
    agency = data.get("agency")
    if agency is not None and not selectors.commission_agencies(actor).filter(pk=agency.pk).exists():
        raise NotFoundError("第三方机构不存在或不在您的管理范围内")
    # A suspended agency gets no new commission, whether created here or moved to it from another agency; an
    # existing commission of an agency suspended later stays editable. The stored agency is read from the database:
    # an edit form has already written the new choice onto the instance.
    stored_agency_id = (
        None
        if engagement is None
        else Engagement.objects.filter(pk=engagement.pk).values_list("agency_id", flat=True).first()
    )
    moved = engagement is None or (agency is not None and agency.pk != stored_agency_id)
    if agency is not None and moved and not agency.is_active:
        raise DomainError("该第三方机构已出库或被暂停委托，不能新增委托")
    if data.get("scope") is not None and data["scope"] not in Engagement.Scope.values:
        raise DomainError("请选择委托事项")
    fee = data.get("fee_yuan")
    if fee is not None and fee < 0:
        raise DomainError("委托费用不能为负数")
    start, end = data.get("start_date"), data.get("end_date")
    if start and end and end < start:
        raise DomainError("结束日期不能早于开始日期")
    with transaction.atomic():
        creating = engagement is None
        if engagement is None:
            row = Engagement(region=_actor_region(actor), created_by=actor)
            department = selectors.commissioning_department(actor)
            if department is not None:
                row.department = department
                data["commissioner"] = (data.get("commissioner") or "").strip() or department.name
            before: dict[str, Any] = {}
        else:
            row = Engagement.objects.select_for_update().get(pk=engagement.pk)
            if expected_version is not None and row.version != expected_version:
                raise ConflictError("该委托已被他人修改，请刷新后重试")
            _check_engagement_editable(row, agency)
            before = audit.snapshot(row, ENGAGEMENT_FIELDS)
        for field in ENGAGEMENT_FIELDS:
            if field in data:
                setattr(row, field, data[field])
        if not row.title.strip():
            raise DomainError("请填写委托名称")
        row.updated_by = actor
        if not creating:
            row.version += 1
        row.save()
        if team_users is not None:
            allowed = set(Agency.objects.get(pk=row.agency_id).users.values_list("pk", flat=True))
            if any(u.pk not in allowed for u in team_users):
                raise DomainError("项目组登录账号须为该机构的登录账号")
            row.team_users.set(team_users)
        audit.record(
            actor=actor,
            event_type="engagement.create" if creating else "engagement.update",
            obj=row,
            changes=audit.diff(before, audit.snapshot(row, ENGAGEMENT_FIELDS)),
        )
    return row


def engagement_set_status(*, actor: Any, engagement: Engagement, status: str) -> Engagement:
    """The commissioner (the performance section, or the 主管部门 of its own engagement) accepts (验收) the
    deliverables or terminates the engagement; an accepted or terminated engagement is closed (409), as its
    deliverables are."""
    require(actor, "engagement.commission")
    if not Engagement.objects.visible_to(actor).filter(pk=engagement.pk).exists():
        raise NotFoundError("委托不存在或不在您的管理范围内")
    if status not in (Engagement.Status.ACCEPTED, Engagement.Status.TERMINATED, Engagement.Status.ACTIVE):
        raise DomainError("无效的委托状态")
    with transaction.atomic():
        row = Engagement.objects.select_for_update().get(pk=engagement.pk)
        if status == Engagement.Status.ACCEPTED and not row.deliverables.exists():
            raise DomainError("机构尚未提交委托成果，不能验收")
        if row.status in (Engagement.Status.ACCEPTED, Engagement.Status.TERMINATED):
            # Closed: a second click or a page opened before another user closed it must not reopen or flip it.
            raise ConflictError(f"委托{row.get_status_display()}，不能再变更状态")
        before = row.status
        row.status = status
        row.version += 1
        row.updated_by = actor
        row.save(update_fields=["status", "version", "updated_by", "updated_at"])
        audit.record(actor=actor, event_type="engagement.status", obj=row, changes={"status": [before, status]})
    return row


def deliverable_add(*, actor: Any, engagement: Engagement, upload: Any, note: str = "") -> EngagementDeliverable:
    """The agency (or the performance section) uploads a deliverable of an engagement still in progress. Checked
    before it is stored (core.uploads: type, size, content), kept with its SHA-256 and 说明, and removed again if the
    write fails."""
    if not Engagement.objects.visible_to(actor).filter(pk=engagement.pk).exists():
        raise NotFoundError("委托不存在")
    is_member = selectors.is_engagement_member(actor, engagement)
    if not (actor.can("engagement.commission") or (actor.can("engagement.deliver") and is_member)):
        raise NotFoundError("委托不存在")
    [name] = uploads.check_uploads([upload], max_files=1)
    with uploads.removed_on_failure() as written, transaction.atomic():
        row = Engagement.objects.select_for_update().get(pk=engagement.pk)
        if row.status not in (Engagement.Status.ACTIVE, Engagement.Status.DELIVERED):
            raise ConflictError("该委托已验收或终止，不能再上传成果")
        item = EngagementDeliverable(engagement=row, note=(note or "").strip()[:500])
        uploads.store_files(
            written, [(item, upload, name)], actor=actor, event_type="engagement.deliverable_add", obj=row
        )
        before = row.status
        row.status = Engagement.Status.DELIVERED
        row.delivered_at = row.delivered_at or timezone.now()
        row.save(update_fields=["status", "delivered_at", "updated_at"])
        if before != row.status:
            changes = {"status": [before, row.status]}
            audit.record(actor=actor, event_type="engagement.status", obj=row, changes=changes, reason="提交委托成果")
    return item


def deliverable_opened(*, actor: Any, item: EngagementDeliverable) -> None:
    """A download, audited with the SHA-256 of the file handed out."""
    uploads.stored_file_opened(item, actor=actor, event_type="engagement.deliverable_download", obj=item.engagement)


def quality_review_save(
    *,
    actor: Any,
    agency: Agency,
    fiscal_year: int,
    scores: dict[str, Decimal],
    note: str = "",
    engagements: list[Engagement] | None = None,
    shown_at: datetime | None = None,
) -> AgencyQualityReview:
    """Record (or revise) the year's 执业质量核查 of an agency; 不合格 suspends it (no new commissions). `shown_at`
    (when the form was shown): a review of that year saved since then is not replaced unseen (409)."""
    require(actor, "engagement.manage")
    if not Agency.objects.visible_to(actor).filter(pk=agency.pk).exists():
        raise NotFoundError("第三方机构不存在或不在您的管理范围内")
    if not FIRST_YEAR <= int(fiscal_year) <= LAST_YEAR:
        raise DomainError("请填写正确的年度")
    setting = selectors.quality_setting(agency.region, fiscal_year)
    total = quality_total(scores, setting.weights or {})
    grade = quality_grade(total, setting.excellent_min, setting.good_min, setting.pass_min)
    if engagements and any(e.agency_id != agency.pk for e in engagements):
        raise DomainError("所选委托不属于该机构")
    with transaction.atomic():
        locked = Agency.objects.select_for_update().get(pk=agency.pk)
        review = AgencyQualityReview.objects.filter(agency=locked, fiscal_year=fiscal_year).first()
        if review is not None and shown_at is not None and review.reviewed_at > shown_at:
            who = (review.reviewer.display_name or review.reviewer.username) if review.reviewer else "他人"
            raise ConflictError(
                f"{fiscal_year}年度的执业质量核查在本页面打开后已由{who}保存（{review.total}分，"
                f"{review.get_grade_display()}）；请核对后再次保存，将覆盖该记录"
            )
        creating = review is None
        if review is None:
            review = AgencyQualityReview(agency=locked, fiscal_year=fiscal_year)
        for code, _label in QUALITY_ASPECTS:
            setattr(review, code, scores[code])
        review.total, review.grade = total, grade
        review.note = note.strip()[:4000]
        review.reviewer = actor
        review.reviewed_at = timezone.now()
        review.save()
        if engagements is not None:
            review.engagements.set(engagements)
        audit.record(
            actor=actor,
            event_type="agency.quality_review",
            obj=locked,
            changes={"fiscal_year": fiscal_year, "total": str(total), "grade": grade, "created": creating},
        )
        if grade == QualityGrade.FAIL and setting.suspend_on_fail and locked.is_active:
            locked.is_active = False
            locked.suspended_reason = f"{fiscal_year}年度执业质量核查不合格（{total}分）"[:200]
            locked.version += 1
            locked.updated_by = actor
            locked.save(update_fields=["is_active", "suspended_reason", "version", "updated_by", "updated_at"])
            audit.record(actor=actor, event_type="agency.suspend", obj=locked, reason=locked.suspended_reason)
    return review
