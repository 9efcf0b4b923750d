"""执业质量核查设置: the performance section saves its region's own weights and grade bands for a year.

The national default (region and year empty, shipped by migration 0005) is never changed here: the first save of a
region's page for a year copies what applied into the region's own row for that year (copy-on-write), and later
saves change that row (one row per region and year, `uniq_qr_setting_region_year`)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction

from jixiao.core import audit
from jixiao.core.errors import DomainError
from jixiao.core.locking import check_lock_token, duplicate_is_conflict
from jixiao.core.numbers import is_year
from jixiao.core.permissions import require
from jixiao.experts import selectors
from jixiao.experts.checks import BANDS, number_or_none, setting_errors
from jixiao.experts.models import QUALITY_ASPECTS, QualityReviewSetting
from jixiao.experts.services import InvalidDataError

FIELDS = ["weights", *(name for name, _label in BANDS), "suspend_on_fail"]


def _stored(value: Decimal) -> int | float:
    # JSON has no decimal: a whole weight is stored as the default's are (1), another as its shortest float, which
    # Decimal(str(...)) reads back exactly for two decimals.
    return int(value) if value == value.to_integral_value() else float(value)


def quality_setting_save(
    *,
    actor: Any,
    fiscal_year: int,
    weights: Mapping[str, Any],
    bands: Mapping[str, Any],
    suspend_on_fail: bool,
    lock_token: str | None = None,
) -> QualityReviewSetting:
    """Save the actor's region's own quality-review setting for the year: the six aspect weights (0–100, two
    decimals, relative: their sum need not be 100), the grade bands (合格 ≤ 良好 ≤ 优秀) and whether 不合格
    suspends the agency. `lock_token` is that of the rows that applied to the region and year when the page was
    shown (`selectors.quality_setting_rows`): a row saved or added since is a conflict (409)."""
    require(actor, "engagement.manage")
    region = actor.active_membership.region
    if not is_year(fiscal_year):
        raise DomainError("请填写正确的年度")
    errors = setting_errors(weights, bands)
    if errors:
        raise InvalidDataError(errors)
    values: dict[str, Any] = {
        "weights": {code: _stored(number_or_none(weights[code]) or Decimal(0)) for code, _label in QUALITY_ASPECTS},
        **{name: number_or_none(bands[name]) for name, _label in BANDS},
        "suspend_on_fail": bool(suspend_on_fail),
    }
    with transaction.atomic():
        own = QualityReviewSetting.objects.select_for_update().filter(region=region, fiscal_year=fiscal_year)
        row = own.first()
        check_lock_token(selectors.quality_setting_rows(region, fiscal_year), lock_token)
        creating = row is None
        if row is None:
            row = QualityReviewSetting(region=region, fiscal_year=fiscal_year)
        before = {} if creating else audit.snapshot(row, FIELDS)
        for name, value in values.items():
            setattr(row, name, value)
        # Another user's first save of the year may have come in between.
        with duplicate_is_conflict(f"{region.name}{fiscal_year}年度的执业质量核查设置刚由他人保存，请刷新后重试"):
            if creating:
                row.save()
            else:
                row.save(update_fields=[*FIELDS, "updated_at"])
        audit.record(
            actor=actor,
            event_type="agency.quality_settings",
            obj=row,
            changes=audit.diff(before, audit.snapshot(row, ["region", "fiscal_year", *FIELDS])),
        )
    return row
