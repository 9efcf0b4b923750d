"""执业质量核查设置: the performance section sees, by year, the weights and grade bands that apply in its region (the
national default, a higher region's or its own) and saves its region's own row for the year."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from jixiao.core.errors import ConflictError, DomainError
from jixiao.core.locking import FIELD_NAME, add_lock_token, lock_token
from jixiao.core.numbers import year_or_none
from jixiao.core.views_helpers import capability_required
from jixiao.experts import selectors
from jixiao.experts.checks import BANDS, WEIGHT_PREFIX, shown_weights, stored_weights
from jixiao.experts.forms import QualitySettingForm
from jixiao.experts.models import QUALITY_ASPECTS, QualityReviewSetting
from jixiao.experts.services import InvalidDataError
from jixiao.experts.services_settings import quality_setting_save
from jixiao.organizations.selectors import current_fiscal_year


def _year(request: HttpRequest) -> int:
    """The year the page shows: the one posted or asked for (`?year=`), else the current fiscal year."""
    raw = request.POST.get("fiscal_year") if request.method == "POST" else request.GET.get("year")
    current = current_fiscal_year()
    return year_or_none(raw) or (current.year if current else timezone.localdate().year)


def _initial(effective: QualityReviewSetting, year: int) -> dict[str, Any]:
    """The form starts from the setting that applies (a weight stored wrongly is left empty, to be typed)."""
    initial: dict[str, Any] = {"fiscal_year": year, "suspend_on_fail": effective.suspend_on_fail}
    initial.update({name: getattr(effective, name) for name, _label in BANDS})
    for (code, _label), weight in zip(QUALITY_ASPECTS, shown_weights(effective.weights), strict=True):
        initial[WEIGHT_PREFIX + code] = weight
    return initial


def _shown(row: QualityReviewSetting, effective: QualityReviewSetting) -> dict[str, Any]:
    """A row for the page: its weights read defensively (None for one stored wrongly), whether it applies."""
    weights = shown_weights(row.weights)
    pairs = [(label, weight) for (_code, label), weight in zip(QUALITY_ASPECTS, weights, strict=True)]
    return {"row": row, "weights": weights, "pairs": pairs, "applies": row.pk == effective.pk}


def _save(request: HttpRequest, form: QualitySettingForm, rows: list[QualityReviewSetting]) -> int | None:
    """Save the posted form; None when saved, else the refusal's status (its reasons put on the form)."""
    if not form.is_valid():
        return 400
    try:
        quality_setting_save(
            actor=request.user,
            fiscal_year=form.cleaned_data["fiscal_year"],
            weights=form.weights(),
            bands=form.bands(),
            suspend_on_fail=form.cleaned_data["suspend_on_fail"],
            lock_token=form.cleaned_data.get(FIELD_NAME),
        )
    except InvalidDataError as exc:
        for name, reasons in exc.field_errors.items():
            for reason in reasons:
                form.add_error(name if name in form.fields else None, reason)
        return exc.status_code
    except DomainError as exc:
        if isinstance(exc, ConflictError):
            # The page now shows the rows as saved by the other user; a second press replaces them on purpose.
            form.add_error(None, f"{exc.message}（下表已是最新的设置；核对后再次保存将以本页填写的为准）")
            form.data = {**form.data.dict(), FIELD_NAME: lock_token(rows)}  # type: ignore[attr-defined]
        else:
            form.add_error(None, exc.message)
        return exc.status_code
    return None


@capability_required("engagement.manage")
def quality_settings(request: HttpRequest) -> HttpResponse:
    region: Any = request.user.active_membership.region  # type: ignore[union-attr]
    year = _year(request)
    rows = selectors.quality_setting_rows(region, year)  # least specific first: the last applies
    effective = rows[-1] if rows else QualityReviewSetting()
    form = QualitySettingForm(request.POST or None, initial=_initial(effective, year))
    add_lock_token(form, rows)
    status = 200
    if request.method == "POST":
        refused = _save(request, form, selectors.quality_setting_rows(region, year))
        if refused is None:
            messages.success(request, f"已保存本区划{year}年度的执业质量核查设置，对此后保存的核查生效")
            return redirect(reverse("experts:quality_settings") + f"?year={year}")
        status = refused
        rows = selectors.quality_setting_rows(region, year)
        effective = rows[-1] if rows else QualityReviewSetting()
    try:
        stored_weights(effective.weights)
        effective_error = ""
    except DomainError as exc:
        effective_error = exc.message
    every_year = selectors.quality_setting_rows(region, None)
    context = {
        "form": form,
        "region": region,
        "year": year,
        "effective": _shown(effective, effective),
        "effective_error": effective_error,
        "own": effective.region_id == region.pk and effective.fiscal_year == year,
        "rows": [_shown(row, effective) for row in every_year],
        "aspects": [label for _code, label in QUALITY_ASPECTS],
    }
    return render(request, "experts/quality_settings.html", context, status=status)
