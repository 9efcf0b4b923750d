"""A target adjusted after the self-evaluation round started made its record unsubmittable (D_TARGET_CHANGED) with
nobody able to fix it: the 绩效股 now generates it again from the approved version, keeping the unit's entries; and
a target already in a round of the year (a county's own) is not generated again by another (the city's)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import World
from jixiao.core.errors import DomainError
from jixiao.core.models import AuditEvent
from jixiao.evaluation import services, services_evidence
from jixiao.evaluation.models import SelfEvaluation
from jixiao.evaluation.tests.selfeval_helpers import (
    YEAR,
    approved_target,
    fill_clean,
    pay,
    school_record,
    set_amounts,
    start,
)
from jixiao.targets.models import PerformanceTarget, TargetIndicator

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "验收单.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf"
    )


def _adjust(target: PerformanceTarget) -> None:
    """An approved adjustment (第2版): a stricter 满意度 value, the qualitative indicator replaced by another."""
    TargetIndicator.objects.filter(target=target, name="师生满意度").update(target_text="≥95%")
    TargetIndicator.objects.filter(target=target, name="教学条件改善情况").update(name="教学设备使用情况")
    PerformanceTarget.objects.filter(pk=target.pk).update(goal_version=target.goal_version + 1)


def test_the_section_regenerates_a_record_after_its_target_was_adjusted(world: World) -> None:
    target = approved_target(world)
    start(world)
    record = fill_clean(world, school_record(world))
    row = record.indicators.get(name="购置教学设备数量")
    evidence = services_evidence.selfeval_evidence_add(
        actor=world.users["unit_user"], record=record, files=[_pdf()], row_id=row.pk
    )[0]
    _adjust(target)
    with pytest.raises(DomainError, match=r"D_TARGET_CHANGED|绩效目标已调整"):
        services.selfeval_transition(actor=world.users["unit_user"], record=record, action="submit")
    url = f"/evaluation/self/{record.pk}/"
    perf = world.login("performance")
    page = perf.get(url).content.decode()
    assert 'data-testid="se-regenerate"' in page and "已调整为第2版" in page
    assert 'data-testid="se-regenerate"' not in world.login("unit_user").get(url).content.decode()
    assert world.login("unit_user").post(f"{url}regenerate/").status_code == 403
    version = int(re.search(r'name="version" value="(\d+)"', page)[1])
    assert perf.post(f"{url}regenerate/", {"version": version - 1}).status_code == 409
    response = perf.post(f"{url}regenerate/", {"version": version})
    assert response.status_code == 302
    record = SelfEvaluation.objects.get(pk=record.pk)
    assert record.goal_version == target.goal_version + 1
    rows = {r.name: r for r in record.indicators.all()}
    assert set(rows) == {"购置教学设备数量", "教学设备使用情况", "师生满意度"}
    assert rows["购置教学设备数量"].actual_text == "120台" and rows["师生满意度"].target_text == "≥95%"
    assert rows["师生满意度"].actual_text == "95%" and rows["教学设备使用情况"].actual_text == ""
    assert record.goal_actual == "已购置教学设备120台，教学条件明显改善"
    evidence.refresh_from_db()
    assert evidence.row_id == rows["购置教学设备数量"].pk  # the 佐证资料 stays with its indicator
    assert not any(m["code"] == "D_TARGET_CHANGED" for m in record.flags["messages"])
    event = AuditEvent.objects.get(event_type="evaluation.selfeval_regenerate", object_id=str(record.pk))
    assert event.changes["goal_version"] == [target.goal_version, target.goal_version + 1]
    assert record.events.filter(action="regenerate").exists()
    assert 'data-testid="se-regenerate"' not in perf.get(url).content.decode()
    # Nothing to regenerate any more.
    assert perf.post(f"{url}regenerate/", {"version": record.version}).status_code == 409


def test_a_target_already_in_a_round_of_the_year_is_not_generated_again(world: World) -> None:
    approved_target(world)
    task = start(world)
    added = approved_target(world, world.hospital_project)
    assert services.task_supplement(actor=world.users["performance"], task=task) == 1
    assert SelfEvaluation.objects.filter(target=added).count() == 1
    assert list(services._approved_targets(task.region, task.fiscal_year)) == []


def test_an_override_from_a_page_shown_before_a_regenerate_is_a_conflict_with_the_typed_values_kept(
    world: World,
) -> None:
    """重新生成 replaces the indicator rows: a 审定得分 typed on a page shown before it posts a row id that is gone. It
    is a 409 saying the self-evaluation was generated again since (who, when), nothing saved, the score and reason
    typed shown to copy; a row id that never was the record's stays a 404."""
    set_amounts(world.school_project, fiscal="100000")
    pay(world.school_project, "100000", date(YEAR, 11, 30))
    target = approved_target(world)
    start(world)
    record = fill_clean(world, school_record(world))
    record = services.selfeval_transition(actor=world.users["unit_user"], record=record, action="submit")
    url = f"/evaluation/self/{record.pk}/"
    dept = world.login("dept_admin")
    page = dept.get(url).content.decode()
    old = record.indicators.get(name="师生满意度")
    seen = page.split(f'name="row" value="{old.pk}"><input type="hidden" name="version" value="', 1)[1].split('"')[0]
    record = services.selfeval_transition(
        actor=world.users["dept_admin"], record=record, action="dept_return", comment="补充"
    )
    TargetIndicator.objects.filter(target=target, name="师生满意度").update(target_text="≥95%")
    PerformanceTarget.objects.filter(pk=target.pk).update(goal_version=target.goal_version + 1)
    record = services.selfeval_regenerate(actor=world.users["performance"], record=record)
    record = services.selfeval_transition(
        actor=world.users["unit_user"], record=fill_clean(world, record), action="submit"
    )
    assert not record.indicators.filter(pk=old.pk).exists()
    data = {"row": old.pk, "final_score": "8", "reason": "问卷样本不足，酌减", "version": seen}
    response = dept.post(f"{url}override/", data)
    body = response.content.decode()
    assert response.status_code == 409
    assert "该自评已按调整后的绩效目标重新生成" in body and f"{world.users['performance']} 已于" in body
    assert "审定得分未保存" in body
    assert 'data-testid="unsent-comment"' in body and "审定得分：8" in body and "问卷样本不足，酌减" in body
    assert not record.indicators.exclude(final_score=None).exists()
    assert not AuditEvent.objects.filter(event_type="evaluation.selfeval_override").exists()
    # The page now offers the new rows with the current version: an override from it saves.
    new = record.indicators.get(name="师生满意度")
    fresh = {**data, "row": new.pk, "version": SelfEvaluation.objects.get(pk=record.pk).version}
    assert dept.post(f"{url}override/", fresh).status_code == 302
    # From a current page, a row id that is not one of the record's (a gone one, another's, a huge one) is a 404.
    current = SelfEvaluation.objects.get(pk=record.pk).version
    for row_id in (old.pk, 10**30):
        assert dept.post(f"{url}override/", {**data, "row": row_id, "version": current}).status_code == 404
