"""Keep what the sweep copies from a project true when the project changes outside the sweep: the region light
counts (`RegionLightCount`: its budget, region or deletion changes what the dashboard card counts) and its warnings'
region and code (`Warning.region`, `Warning.project_code`: the 预警列表's scope and order). Connected in
`AlertsConfig.ready`."""

from __future__ import annotations

from typing import Any

from django.db import transaction

# A project change that moves it in or out of a region's light counts, or changes the counted budget.
COUNTED_FIELDS = {"region", "region_id", "is_deleted", "total_amount_yuan"}


# A project change that its warnings follow (their copies of its region and code; a deleted project has none).
WARNING_FIELDS = {"region", "region_id", "code", "is_deleted"}


def _touches_counts(update_fields: Any) -> bool:
    return update_fields is None or bool(COUNTED_FIELDS & set(update_fields))


def _light_years(project_id: int) -> list[int]:
    from jixiao.alerts.models import ProjectLight

    return list(ProjectLight.objects.filter(project_id=project_id).values_list("fiscal_year", flat=True))


def remember_region(sender: Any, instance: Any, raw: bool = False, update_fields: Any = None, **_: Any) -> None:
    if raw or instance.pk is None or not _touches_counts(update_fields):
        return
    instance._light_regions_before = set(sender.objects.filter(pk=instance.pk).values_list("region_id", flat=True))


def refresh_after_save(
    sender: Any, instance: Any, created: bool = False, raw: bool = False, update_fields: Any = None, **_: Any
) -> None:
    """A saved project with lights: rebuild the counts of its region (and of the region it left)."""
    if raw or created or not _touches_counts(update_fields):
        return
    years = _light_years(instance.pk)
    if years:
        _refresh({*getattr(instance, "_light_regions_before", set()), instance.region_id}, years)


def remember_lights(sender: Any, instance: Any, **_: Any) -> None:
    """Before a project is deleted (its lights go with it): the years whose counts must be rebuilt."""
    instance._light_years_before_delete = _light_years(instance.pk)


def refresh_after_delete(sender: Any, instance: Any, **_: Any) -> None:
    years = getattr(instance, "_light_years_before_delete", [])
    if years:
        _refresh({instance.region_id}, years)


def _refresh(region_ids: set[int], years: list[int]) -> None:
    from jixiao.alerts.sweep_writes import light_counts_refresh, lock_regions

    ids = {pk for pk in region_ids if pk}
    with transaction.atomic():
        lock_regions(ids)
        light_counts_refresh(ids, years)


def warnings_follow_project(
    sender: Any, instance: Any, created: bool = False, raw: bool = False, update_fields: Any = None, **_: Any
) -> None:
    """A saved project that may have moved to another region, changed its code or been marked deleted: its warnings
    (every year's) take the new region and code, in one UPDATE of the rows that differ, or go with the deletion (the
    sweep computes none for a deleted project; the 预警列表 of a region no longer reads projects to leave them out).
    Nothing for a new project, which has no warnings."""
    if raw or created or not (update_fields is None or WARNING_FIELDS & set(update_fields)):
        return
    from jixiao.alerts.models import Warning

    warnings = Warning.objects.filter(project_id=instance.pk)
    if instance.is_deleted:
        warnings.delete()
        return
    warnings.exclude(region_id=instance.region_id, project_code=instance.code).update(
        region_id=instance.region_id, project_code=instance.code
    )


def letter_answered(
    sender: Any,
    document: Any,
    actor: Any,
    text: str = "",
    file_name: str = "",
    from_elsewhere: bool = False,
    **_: Any,
) -> None:
    """A unit answered a 提醒敦促函 in 文书管理 (`documents.signals.document_feedback_given`): the answer is also the
    说明 of the letter's 预警处置 cases still unanswered (`services.cases_answer_from_letter`), one obligation
    answered once, as the case page's 说明 answers the letter (`letters.reminder_answer`). An answer that came from
    the case page itself (`from_elsewhere`) is left alone: the case is answered already, and answering back would
    loop. Other documents (a 整改 stage's 提醒敦促函 has no case here) change nothing."""
    from jixiao.alerts.services import cases_answer_from_letter
    from jixiao.documents.models import DocType

    if from_elsewhere or document.doc_type != DocType.REMINDER_LETTER:
        return
    if not text.strip() and file_name:
        text = f"见提醒敦促函反馈附件《{file_name}》"
    cases_answer_from_letter(actor=actor, document_id=document.pk, text=text)
