"""Demo 绩效运行监控: one issued August round (1—8月) of the demo county, with 县教育局's records in every review
state (filled, submitted, at each review step, approved, one returned) so each demo role finds work in its 待办; each
filled record carries a 佐证资料 PDF tied to its first indicator."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from jixiao.accounts.models import User
from jixiao.core.errors import DomainError
from jixiao.demo.pdf import demo_pdf
from jixiao.monitoring import services, services_evidence
from jixiao.monitoring.models import DeviationReason, MonitoringRecord, MonitoringTask, RecordStatus
from jixiao.monitoring.selectors import needs_explanation, records_visible, settings_for

PERIOD_MONTH = 8
DEPARTMENT = "县教育局"
# How far each processed record goes: (number of records, the actions after filling).
PLAN: list[tuple[int, list[tuple[str, str]]]] = [
    (2, [("dept", "submit"), ("dept", "dept_approve"), ("section", "section_approve"), ("perf", "perf_approve")]),
    (1, [("dept", "submit"), ("dept", "dept_approve"), ("section", "section_approve")]),
    (2, [("dept", "submit"), ("dept", "dept_approve")]),
    (2, [("dept", "submit")]),
    (1, []),
]
OPINIONS = ["同意", "审核通过", "情况属实，同意报送"]
DESCRIPTION = (
    "请各单位对照已批复的绩效目标，填报1—8月预算执行和绩效目标完成情况，对偏离序时进度的项目分析原因、提出措施。"
)
PROGRESS = (
    "项目按计划推进，主要产出已完成约七成。",
    "已完成招标采购，正在组织实施，年底前可全面完成。",
    "前期工作已完成，部分内容受季节影响安排在第四季度实施。",
)
RETURN_OPINION = "部分指标的1—8月执行情况缺少数据支撑，请补充后重新报送"


def _users() -> dict[str, User | None]:
    names = {"perf": "jxg", "section": "jkw", "dept": "edu_admin", "unit": "edu_unit"}
    found = {u.username: u for u in User.objects.filter(username__in=names.values())}
    return {key: found.get(username) for key, username in names.items()}


def seed_monitoring(rng: random.Random, county: Any, year: int) -> int:
    """Issue the demo round and move part of 县教育局's records through the review chain. Returns the record count."""
    users = _users()
    perf, dept = users["perf"], users["dept"]
    if perf is None or dept is None or users["section"] is None:
        return 0
    today = timezone.localdate()
    start = date(year, PERIOD_MONTH + 1, 1)
    deadline = max(date(year, PERIOD_MONTH + 1, 20), today + timedelta(days=10))
    task = services.task_create(
        actor=perf,
        data={
            "title": f"{year}年1—{PERIOD_MONTH}月项目支出绩效运行监控",
            "fiscal_year": year,
            "period_end_month": PERIOD_MONTH,
            "start_date": min(start, deadline),
            "deadline": deadline,
            "warn_days": 5,
            "scope": MonitoringTask.Scope.ALL,
            "description": DESCRIPTION,
        },
    )
    try:
        count = services.task_issue(actor=perf, task=task).records
    except DomainError:
        task.delete()
        return 0
    records = list(
        MonitoringRecord.objects.filter(task=task, department__name=DEPARTMENT)
        .select_related("task", "region", "unit")
        .order_by("unit__agency_code", "id")
    )
    unit_user = users["unit"]
    own = set(records_visible(unit_user).filter(task=task).values_list("pk", flat=True)) if unit_user else set()
    # The returned record belongs to the demo unit when it has one, so edu_unit sees it in 待办; its other records
    # stay to fill. Without one, 县教育局 fills and gets back one of the others.
    returned = next((r for r in records if r.pk in own), None)
    processing = [r for r in records if r.pk not in own]
    if returned is None and processing:
        returned, processing = processing[-1], processing[:-1]
    for size, actions in PLAN:
        for record in processing[:size]:
            filled = _fill(rng, dept, record)
            _attach_evidence(dept, filled)
            _walk(rng, users, filled, actions)
        processing = processing[size:]
    if returned is not None:
        filler = unit_user if unit_user is not None and returned.pk in own else dept
        record = _fill(rng, filler, returned)
        _attach_evidence(filler, record)
        record = services.record_transition(actor=filler, record=record, action="submit")
        services.record_transition(actor=dept, record=record, action="dept_return", comment=RETURN_OPINION)
    return count


def _attach_evidence(actor: User, record: MonitoringRecord) -> None:
    row = record.indicator_rows.order_by("seq", "id").first()
    code = record.project.code if record.project is not None else record.department.dept_code
    pdf = demo_pdf(f"Jixiao demo evidence: progress of {code} to the end of month {PERIOD_MONTH}")
    services_evidence.record_evidence_add(
        actor=actor,
        record=record,
        files=[ContentFile(pdf, name=f"1—{PERIOD_MONTH}月实施进度材料.pdf")],
        row_id=row.pk if row is not None else None,
        note="进度台账及现场照片",
    )


def _walk(rng: random.Random, users: dict[str, User | None], record: MonitoringRecord, actions: list[Any]) -> None:
    for who, action in actions:
        actor = users[who]
        assert actor is not None
        record = services.record_transition(actor=actor, record=record, action=action, comment=rng.choice(OPINIONS))


def _fill(
    rng: random.Random, actor: User, record: MonitoringRecord, progress: tuple[str, ...] = PROGRESS
) -> MonitoringRecord:
    executed = record.executed_from_payments_yuan
    budget = record.current_budget_yuan
    share = Decimal(str(rng.uniform(0.85, 1.0)))
    expected = max(executed, (budget * share).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    data: dict[str, Any] = {
        "executed_to_date_yuan": executed,
        "expected_annual_yuan": expected,
        "goal_execution": rng.choice(progress),
        "likelihood": rng.choice(["certain", "certain", "possible"]),
    }
    record.likelihood = data["likelihood"]
    record.executed_to_date_yuan = executed
    red, _ratio = needs_explanation(record, settings_for(record.region, record.fiscal_year).red_ratio_pct)
    if red:
        data.update(
            deviation_reasons=[rng.choice([DeviationReason.FUNDS, DeviationReason.HARDWARE, DeviationReason.OTHER])],
            deviation_text="资金拨付进度受采购流程影响，支付集中在第四季度。",
            measures="加快采购和验收进度，按月跟踪支付，确保年底前完成支出。",
        )
    rows: dict[int, dict[str, Any]] = {}
    for row in record.indicator_rows.all():
        if row.is_qualitative:
            rows[row.pk] = {"qualitative_level": rng.choice(["achieved", "partial"]), "completion_to_date": "稳步推进"}
        else:
            rows[row.pk] = {
                "completion_to_date": f"完成年度指标的{rng.randint(55, 85)}%",
                "expected_annual": row.target_value or "全面完成",
            }
    saved = services.record_save(actor=actor, record=record, data=data, rows=rows)
    assert saved.status == RecordStatus.FILLING
    return saved
