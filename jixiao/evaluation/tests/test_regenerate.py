"""A target adjusted after the self-evaluation round started made its record unsubmittable (D_TARGET_CHANGED) with
nobody able to fix it: the 绩效股 now generates it again from the approved version, keeping the unit's entries; and
a target already in a round of the year (a county's own) is not generated again by another (the city's)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import World
from jixiao.core.errors import DomainError
from jixiao.core.models import AuditEvent
from jixiao.evaluation import services, services_evidence
from jixiao.evaluation.models import SelfEvaluation
from jixiao.evaluation.tests.selfeval_helpers import approved_target, fill_clean, school_record, start
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
