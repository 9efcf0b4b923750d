"""制度办法 writes: keyword-only, capability and scope re-checked, one transaction, audited. A bureau keeps the rows
of its own region; those of the regions above (which it reads) and below are not its to change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from jixiao.core import registers, uploads
from jixiao.core.errors import DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR
from jixiao.core.permissions import require
from jixiao.regulations.models import Regulation, RegulationAction, RegulationCategory, RegulationFile
from jixiao.regulations.selectors import kept_by

FIELDS = ["title", "doc_no", "category", "action", "issuer", "issued_on", "is_current", "note"]
REQUIRED = {"title": "制度名称", "category": "类别", "action": "方式", "issuer": "发文单位", "issued_on": "印发日期"}


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: data[k] for k in FIELDS if k in data}
    for key in ("title", "doc_no", "issuer", "note"):
        if key in cleaned:
            cleaned[key] = (cleaned[key] or "").strip()
    missing = [label for key, label in REQUIRED.items() if not cleaned.get(key)]
    if missing:
        raise DomainError("请填写：" + "、".join(missing))
    if not isinstance(cleaned["issued_on"], dt.date):
        raise DomainError("印发日期格式不正确")
    if not FIRST_YEAR <= cleaned["issued_on"].year <= LAST_YEAR:
        raise DomainError(f"印发日期应在{FIRST_YEAR}年至{LAST_YEAR}年之间")
    if cleaned["category"] not in RegulationCategory.values:
        raise DomainError("请选择类别")
    if cleaned["action"] not in RegulationAction.values:
        raise DomainError("请选择方式（出台、转发或修订）")
    cleaned["is_current"] = bool(cleaned.get("is_current", True))
    return cleaned


def _own(actor: Any, regulation: Regulation) -> None:
    """Visible and of the actor's own region: a 404 for what the actor cannot see, a refusal for the rules of a
    region above or below, which the actor reads but did not issue."""
    if not Regulation.objects.visible_to(actor).filter(pk=regulation.pk).exists():
        raise NotFoundError("制度办法不存在")
    if not kept_by(actor, regulation):
        raise PermissionDeniedError("这是其他财政区划的制度办法，只能查看，不能修改")


def _year_of(row: Regulation) -> None:
    row.year = row.issued_on.year  # the year the rule counts for


def regulation_create(*, actor: Any, data: dict[str, Any]) -> Regulation:
    require(actor, "regulation.manage")
    cleaned = _clean(data)
    return registers.create_row(
        Regulation(region=actor.active_membership.region),
        actor=actor,
        cleaned=cleaned,
        audited=FIELDS,
        event_type="regulation.create",
        derive=_year_of,
    )


def regulation_update(
    *, actor: Any, regulation: Regulation, data: dict[str, Any], version: int | None = None
) -> Regulation:
    require(actor, "regulation.manage")
    _own(actor, regulation)

    return registers.update_row(
        Regulation,
        regulation.pk,
        actor=actor,
        cleaned=_clean(data),
        audited=FIELDS,
        event_type="regulation.update",
        version=version,
        conflict="制度办法已被他人修改，请刷新后重试",
        missing="制度办法不存在",
        derive=_year_of,
    )


def regulation_delete(*, actor: Any, regulation: Regulation) -> None:
    require(actor, "regulation.manage")
    _own(actor, regulation)
    registers.soft_delete(
        Regulation, regulation.pk, actor=actor, event_type="regulation.delete", missing="制度办法不存在"
    )


def file_add(*, actor: Any, regulation: Regulation, upload: Any, note: str = "") -> RegulationFile:
    """The document (正文, 附件), checked before it is stored (core.uploads: type, size, content), kept with its
    SHA-256 and 说明, and removed again if the write fails."""
    require(actor, "regulation.manage")
    _own(actor, regulation)
    [name] = uploads.check_uploads([upload], max_files=1)
    with uploads.removed_on_failure() as written, transaction.atomic():
        locked = Regulation.objects.select_for_update().get(pk=regulation.pk)
        stored = RegulationFile(regulation=locked, note=(note or "").strip()[:500])
        uploads.store_files(
            written, [(stored, upload, name)], actor=actor, event_type="regulation.file_add", obj=locked
        )
    return stored


def file_delete(*, actor: Any, stored: RegulationFile) -> None:
    require(actor, "regulation.manage")
    _own(actor, stored.regulation)
    with transaction.atomic():
        locked = Regulation.objects.select_for_update().get(pk=stored.regulation_id)
        current = RegulationFile.objects.filter(pk=stored.pk, regulation=locked).first()
        if current is None:
            raise NotFoundError("制度文件不存在")
        uploads.stored_file_delete(current, actor=actor, event_type="regulation.file_delete", obj=locked)


def file_opened(*, actor: Any, stored: RegulationFile) -> None:
    uploads.stored_file_opened(stored, actor=actor, event_type="regulation.file_download", obj=stored.regulation)
