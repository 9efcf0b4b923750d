"""培训管理 writes: keyword-only, capability and scope re-checked, one transaction, audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from jixiao.core import registers, uploads
from jixiao.core.errors import DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR
from jixiao.core.permissions import require
from jixiao.organizations.models import BudgetUnit
from jixiao.training.models import Audience, TrainerType, TrainingKind, TrainingMaterial, TrainingSession
from jixiao.training.selectors import kept_by

FIELDS = [
    "held_on",
    "topic",
    "organiser",
    "trainer_type",
    "trainer",
    "audience",
    "kind",
    "session_count",
    "attendance",
    "note",
]
REQUIRED = {"held_on": "日期", "topic": "主题", "organiser": "组织单位", "trainer_type": "授课人类型"}


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: data[k] for k in FIELDS if k in data}
    for key in ("topic", "organiser", "trainer", "note"):
        if key in cleaned:
            cleaned[key] = (cleaned[key] or "").strip()
    missing = [label for key, label in REQUIRED.items() if not cleaned.get(key)]
    if missing:
        raise DomainError("请填写：" + "、".join(missing))
    if not isinstance(cleaned["held_on"], dt.date):
        raise DomainError("日期格式不正确")
    if not FIRST_YEAR <= cleaned["held_on"].year <= LAST_YEAR:
        # The list and totals filter by year (2000 to 2100): a record outside them could never be found again.
        raise DomainError(f"日期应在{FIRST_YEAR}年至{LAST_YEAR}年之间")
    if cleaned["trainer_type"] not in TrainerType.values:
        raise DomainError("请选择授课人类型")
    if cleaned.get("kind", TrainingKind.TRAINING) not in TrainingKind.values:
        raise DomainError("请选择培训形式")
    audience = list(dict.fromkeys(cleaned.get("audience") or []))
    if any(code not in Audience.values for code in audience):
        raise DomainError("培训对象不正确")
    cleaned["audience"] = audience
    sessions = cleaned.get("session_count", 1)
    if sessions is None or not 1 <= int(sessions) <= 999:
        raise DomainError("期数应为1到999之间的整数")
    attendance = cleaned.get("attendance", 0)
    if attendance is None or not 0 <= int(attendance) <= 1_000_000:
        raise DomainError("参训人次应为不小于0的整数")
    return cleaned


def _check_units(actor: Any, units: list[BudgetUnit] | None) -> list[BudgetUnit] | None:
    if units is None:
        return None
    region_path = actor.active_membership.region.path
    for unit in units:
        if not unit.region.path.startswith(region_path):
            raise NotFoundError("参训单位不存在或不在本区划内")
    return units


OTHER_REGION = "这是其他财政区划的培训记录，只能查看，不能修改"


def _own(actor: Any, session_pk: int) -> None:
    """Visible and of the actor's own region: a 404 for what the actor cannot see, a refusal for a record of a region
    below (a city reads its counties' training, which the counties keep)."""
    session = TrainingSession.objects.visible_to(actor).filter(pk=session_pk).first()
    if session is None:
        raise NotFoundError("培训记录不存在")
    if not kept_by(actor, session):
        raise PermissionDeniedError(OTHER_REGION)


def _year_of(row: TrainingSession) -> None:
    row.year = row.held_on.year


def training_create(
    *, actor: Any, data: dict[str, Any], participant_units: list[BudgetUnit] | None = None
) -> TrainingSession:
    require(actor, "training.manage")
    cleaned = _clean(data)
    units = _check_units(actor, participant_units)

    def after(row: TrainingSession) -> None:
        if units:
            row.participant_units.set(units)

    return registers.create_row(
        TrainingSession(region=actor.active_membership.region),
        actor=actor,
        cleaned=cleaned,
        audited=FIELDS,
        event_type="training.create",
        derive=_year_of,
        after=after,
    )


def training_update(
    *,
    actor: Any,
    session: TrainingSession,
    data: dict[str, Any],
    participant_units: list[BudgetUnit] | None = None,
    version: int | None = None,
) -> TrainingSession:
    require(actor, "training.manage")
    _own(actor, session.pk)
    cleaned = _clean(data)
    units = _check_units(actor, participant_units)

    def after(row: TrainingSession) -> None:
        if units is not None:
            row.participant_units.set(units)

    return registers.update_row(
        TrainingSession,
        session.pk,
        actor=actor,
        cleaned=cleaned,
        audited=FIELDS,
        event_type="training.update",
        version=version,
        conflict="培训记录已被他人修改，请刷新后重试",
        missing="培训记录不存在",
        derive=_year_of,
        after=after,
    )


def training_delete(*, actor: Any, session: TrainingSession) -> None:
    require(actor, "training.manage")
    _own(actor, session.pk)
    registers.soft_delete(
        TrainingSession, session.pk, actor=actor, event_type="training.delete", missing="培训记录不存在"
    )


def material_add(*, actor: Any, session: TrainingSession, upload: Any, note: str = "") -> TrainingMaterial:
    """A 培训材料 of the session, checked before it is stored (core.uploads: type, size, content), kept with its
    SHA-256 and 说明, and removed again if the write fails."""
    require(actor, "training.manage")
    _own(actor, session.pk)
    [name] = uploads.check_uploads([upload], max_files=1)
    with uploads.removed_on_failure() as written, transaction.atomic():
        locked = TrainingSession.objects.select_for_update().get(pk=session.pk)
        material = TrainingMaterial(session=locked, note=(note or "").strip()[:500])
        uploads.store_files(
            written, [(material, upload, name)], actor=actor, event_type="training.material_add", obj=locked
        )
    return material


def material_delete(*, actor: Any, material: TrainingMaterial) -> None:
    require(actor, "training.manage")
    _own(actor, material.session_id)
    with transaction.atomic():
        locked = TrainingSession.objects.select_for_update().get(pk=material.session_id)
        current = TrainingMaterial.objects.filter(pk=material.pk, session=locked).first()
        if current is None:
            raise NotFoundError("培训材料不存在")
        uploads.stored_file_delete(current, actor=actor, event_type="training.material_delete", obj=locked)


def material_opened(*, actor: Any, material: TrainingMaterial) -> None:
    uploads.stored_file_opened(material, actor=actor, event_type="training.material_download", obj=material.session)
