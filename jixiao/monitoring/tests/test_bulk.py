"""批量审核 of 监控表: the ticked records go through the single-item transition, all or nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from conftest import World
from jixiao.accounts.tests.factories import TEST_PASSWORD
from jixiao.core.errors import ConflictError
from jixiao.core.models import AuditEvent
from jixiao.monitoring import hooks, services
from jixiao.monitoring.models import MonitoringRecord, MonitoringTask, RecordStatus
from jixiao.monitoring.tests.helpers import fill_complete, issued_round, put_in_library
from jixiao.projects.models import Project
from jixiao.projects.tests.factories import ProjectFactory

BULK = "/monitoring/records/bulk/"
LAGGING = {"deviation_reasons": ["FUNDS"], "deviation_text": "设备招标延期", "measures": "9月完成招标"}


def submit(world: World, record: MonitoringRecord) -> MonitoringRecord:
    record = fill_complete(world, record, **LAGGING)
    return services.record_transition(actor=world.users["unit_user"], record=record, action="submit")


@pytest.fixture
def round_(world: World) -> MonitoringTask:
    put_in_library(world)
    for n in (1, 2, 3):
        ProjectFactory(unit=world.school, name=f"一中附加项目{n}", status=Project.Status.IN_LIBRARY)
    return issued_round(world)


@pytest.fixture
def four(world: World, round_: MonitoringTask) -> list[MonitoringRecord]:
    """Four submitted records of 县第一中学 (县教育局) awaiting the department's review."""
    records = MonitoringRecord.objects.filter(task=round_, unit=world.school).order_by("pk")
    return [submit(world, r) for r in records]


def trail(record: MonitoringRecord) -> tuple[Any, ...]:
    record.refresh_from_db()
    events = [
        (e.actor_id, e.actor_role, e.action, e.action_label, e.from_status, e.to_status, e.comment)
        for e in record.events.order_by("id")
    ]
    audits = list(
        AuditEvent.objects.filter(object_type="monitoring.monitoringrecord", object_id=str(record.pk))
        .order_by("seq")
        .values_list("event_type", "reason", "changes")
    )
    return record.status, record.version, record.returned_from, events, audits


def states(records: list[MonitoringRecord]) -> list[tuple[str, int]]:
    rows = MonitoringRecord.objects.filter(pk__in=[r.pk for r in records]).order_by("pk")
    return [(r.status, r.version) for r in rows]


def test_bulk_approval_leaves_what_approving_one_by_one_leaves(world: World, four: list[MonitoringRecord]) -> None:
    dept = world.login("dept_admin")
    one_by_one, batch = four[:2], four[2:]
    for record in one_by_one:
        response = dept.post(f"/monitoring/records/{record.pk}/transition/", {"action": "dept_approve"})
        assert response.status_code == 302
    response = dept.post(f"{BULK}?status=submitted", {"ids": [r.pk for r in batch], "action": "dept_approve"})
    assert response.status_code == 302
    assert response["Location"] == "/monitoring/records/?status=submitted"
    assert "已批量通过 2 项（主管部门审核通过）" in dept.get(response["Location"]).content.decode()
    assert trail(batch[0]) == trail(one_by_one[0])
    assert trail(batch[1]) == trail(one_by_one[1])
    assert {s for s, _v in states(four)} == {RecordStatus.DEPT_APPROVED}
    record = AuditEvent.objects.get(event_type="monitoring.bulk_dept_approve")
    assert record.changes["ids"] == [r.pk for r in batch]
    # On through the business section and the performance section, in bulk too.
    ids = [r.pk for r in four]
    assert world.login("business").post(BULK, {"ids": ids, "action": "section_approve"}).status_code == 302
    perf = world.login("performance")
    assert perf.post(BULK, {"ids": ids, "action": "perf_approve", "comment": "同意"}).status_code == 302
    for record in MonitoringRecord.objects.filter(pk__in=ids):
        assert record.status == RecordStatus.APPROVED and record.approved_at is not None


def test_bulk_return_needs_a_reason(world: World, four: list[MonitoringRecord]) -> None:
    dept = world.login("dept_admin")
    ids = [r.pk for r in four]
    response = dept.post(f"{BULK}?status=submitted", {"ids": ids, "action": "dept_return"})
    assert response.status_code == 400 and "请填写退回原因" in response.content.decode()
    assert {s for s, _v in states(four)} == {RecordStatus.SUBMITTED}
    response = dept.post(BULK, {"ids": ids, "action": "dept_return", "comment": "请补充偏差原因的佐证"})
    assert response.status_code == 302
    for record in MonitoringRecord.objects.filter(pk__in=ids):
        assert record.status == RecordStatus.RETURNED and record.returned_from == RecordStatus.SUBMITTED
        assert record.events.filter(action="dept_return", comment="请补充偏差原因的佐证").count() == 1


def test_a_record_of_another_unit_fails_the_whole_batch_as_not_found(
    world: World, round_: MonitoringTask, four: list[MonitoringRecord]
) -> None:
    hospital = MonitoringRecord.objects.get(task=round_, project=world.hospital_project)
    hospital.status = RecordStatus.SUBMITTED
    hospital.save(update_fields=["status"])
    dept = world.login("dept_admin")
    before = states([*four, hospital])
    response = dept.post(BULK, {"ids": [four[0].pk, hospital.pk], "action": "dept_approve"})
    assert response.status_code == 404
    assert states([*four, hospital]) == before
    assert not AuditEvent.objects.filter(event_type__endswith="dept_approve").exists()


def test_a_record_moved_meanwhile_fails_the_whole_batch_with_a_conflict(
    world: World, four: list[MonitoringRecord]
) -> None:
    services.record_transition(actor=world.users["unit_user"], record=four[3], action="withdraw")
    dept = world.login("dept_admin")
    before = states(four)
    response = dept.post(
        f"{BULK}?status=submitted", {"ids": [r.pk for r in four], "action": "dept_return", "comment": "数据有误"}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "所选监控表中有状态已变化的，请刷新后重试" in page and "数据有误</textarea>" in page
    assert states(four) == before


def test_a_closed_round_fails_the_batch_and_offers_no_ticks(
    world: World, round_: MonitoringTask, four: list[MonitoringRecord]
) -> None:
    dept = world.login("dept_admin")
    assert dept.get("/monitoring/records/", {"status": "submitted"}).content.decode().count('name="ids"') == 4
    services.task_close(actor=world.users["performance"], task=round_)
    assert 'name="ids"' not in dept.get("/monitoring/records/", {"status": "submitted"}).content.decode()
    with pytest.raises(ConflictError, match="监控任务已关闭"):
        services.record_bulk_transition(
            actor=world.users["dept_admin"], ids=[r.pk for r in four], action="dept_approve"
        )
    assert {s for s, _v in states(four)} == {RecordStatus.SUBMITTED}


def test_only_reviewers_of_the_stage_may_act_in_bulk(world: World, four: list[MonitoringRecord]) -> None:
    ids = [r.pk for r in four]
    for persona in ("unit_user", "business", "performance"):
        assert world.login(persona).post(BULK, {"ids": ids, "action": "dept_approve"}).status_code in {403, 404}
    assert world.login("expert").post(BULK, {"ids": ids, "action": "dept_approve"}).status_code == 403
    # Submitting is not a bulk action.
    response = world.login("unit_user").post(BULK, {"ids": ids, "action": "submit"})
    assert response.status_code == 400 and "该操作不能批量办理" in response.content.decode()
    assert {s for s, _v in states(four)} == {RecordStatus.SUBMITTED}


def test_get_is_not_allowed_and_csrf_is_enforced(world: World, four: list[MonitoringRecord]) -> None:
    assert world.login("dept_admin").get(BULK).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    assert strict.login(username=world.users["dept_admin"].username, password=TEST_PASSWORD)
    assert strict.post(BULK, {"ids": [four[0].pk], "action": "dept_approve"}).status_code == 403
    assert {s for s, _v in states(four)} == {RecordStatus.SUBMITTED}


def test_saved_hooks_run_once_the_batch_has_moved_every_record(world: World, four: list[MonitoringRecord]) -> None:
    """As after a single transition, the saved-record hooks (the warning sweep) see the batch's outcome: they run after
    the batch, not between its rows (where they would also hold the sweep's region locks until it ends)."""
    seen: list[list[str]] = []

    def listener(record: Any) -> None:
        seen.append([status for status, _v in states(four)])

    hooks.on_record_saved(listener)
    try:
        services.record_bulk_transition(
            actor=world.users["dept_admin"], ids=[r.pk for r in four], action="dept_approve"
        )
    finally:
        hooks._saved.remove(listener)
    assert seen == [[RecordStatus.DEPT_APPROVED] * 4] * 4


def test_a_refused_batch_runs_no_saved_hooks(world: World, four: list[MonitoringRecord], monkeypatch: Any) -> None:
    seen: list[int] = []
    real = services.record_transition

    def refuse_the_last(**kwargs: Any) -> MonitoringRecord:
        if kwargs["record"].pk == four[-1].pk:
            raise ConflictError("监控表状态已变化，请刷新后重试")
        return real(**kwargs)

    monkeypatch.setattr(services, "record_transition", refuse_the_last)
    hooks.on_record_saved(lambda record: seen.append(record.pk))
    listener = hooks._saved[-1]
    try:
        with pytest.raises(ConflictError):
            services.record_bulk_transition(
                actor=world.users["dept_admin"], ids=[r.pk for r in four], action="dept_approve"
            )
    finally:
        hooks._saved.remove(listener)
    assert seen == []
    assert {s for s, _v in states(four)} == {RecordStatus.SUBMITTED}
