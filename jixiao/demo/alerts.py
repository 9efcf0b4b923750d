"""Demo 预警与处置: the county uses the switchable sichuan_2025 rule set, the 2026 holidays (and the provisional 2027
ones) are in the working-day calendar, warnings are computed as of today (the end of August for another year), key
projects selected, and a few cases are worked: one answered by 县第一中学 and decided by the performance section as
调减 20万元, one waiting for finance's decision.

Runs after the payment and monitoring seeds (it books no payments itself: payments are the execution stage's)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from jixiao.accounts.models import User
from jixiao.alerts import idle_funds, services
from jixiao.alerts.models import (
    CaseStatus,
    FundAdjustment,
    Option,
    Profile,
    WarningCase,
    WarningRule,
    WarningSetting,
)
from jixiao.alerts.sweep import sweep_region
from jixiao.organizations.models import CalendarDay
from jixiao.preassessment.models import Conclusion, PreAssessment
from jixiao.targets.models import PerformanceTarget, TargetStatus

PERIOD_MONTH = 8
CUT_YUAN = Decimal("200000.00")
RESPONDERS = ["edu_unit", "edu_admin", "health_unit"]
# 2026 public holidays and make-up working days (国务院办公厅 2026 年部分节假日安排).
HOLIDAYS_2026: list[tuple[date, int, str]] = [
    (date(2026, 1, 1), 3, "元旦"),
    (date(2026, 2, 15), 9, "春节"),
    (date(2026, 4, 4), 3, "清明节"),
    (date(2026, 5, 1), 5, "劳动节"),
    (date(2026, 6, 19), 3, "端午节"),
    (date(2026, 9, 25), 3, "中秋节"),
    (date(2026, 10, 1), 7, "国庆节"),
]
MAKE_UP_2026 = [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20)]
# 2027: PROVISIONAL until the State Council (国务院办公厅) publishes the 2027 schedule — the statutory holidays by
# their 2027 dates (春节: 除夕 is 2027-02-05, 正月初一 2027-02-06; 清明 04-05, 端午 06-09, 中秋 09-15), with the
# weekends they touch, and no make-up working days (调休) yet; their names say 暂定 on the calendar page. Once the
# schedule is out the 绩效股 corrects them on the 工作日历 page (/alerts/calendar/: the county's own row for a date
# wins over the national one); the seed never writes a year that already has national rows.
HOLIDAYS_2027: list[tuple[date, int, str]] = [
    (date(2027, 1, 1), 3, "元旦（暂定）"),
    (date(2027, 2, 5), 8, "春节（暂定）"),
    (date(2027, 4, 3), 3, "清明节（暂定）"),
    (date(2027, 5, 1), 5, "劳动节（暂定）"),
    (date(2027, 6, 9), 1, "端午节（暂定）"),
    (date(2027, 9, 15), 1, "中秋节（暂定）"),
    (date(2027, 10, 1), 7, "国庆节（暂定）"),
]
MAKE_UP_2027: list[date] = []
CALENDARS: dict[int, tuple[list[tuple[date, int, str]], list[date]]] = {
    2026: (HOLIDAYS_2026, MAKE_UP_2026),
    2027: (HOLIDAYS_2027, MAKE_UP_2027),
}


def seed_calendar(year: int) -> None:
    """National holiday and make-up rows of the demo year and the next one (deadlines counted in working days from
    late in the year run into the next): each year once, only if it has no national row yet."""
    for one in (year, year + 1):
        if one not in CALENDARS or CalendarDay.objects.filter(region=None, date__year=one).exists():
            continue
        holidays, make_up = CALENDARS[one]
        rows = [
            CalendarDay(region=None, date=start + timedelta(days=i), is_working=False, name=name)
            for start, days, name in holidays
            for i in range(days)
        ]
        rows += [CalendarDay(region=None, date=d, is_working=True, name="调休上班") for d in make_up]
        CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)


def _refresh_planner_statistics() -> None:
    """The demo inserts thousands of rows in one transaction; without statistics PostgreSQL plans the scoped case
    queries below as nested loops over everything (minutes at scale 1). ANALYZE may run inside a transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def seed_alerts(county: Any, year: int) -> int:
    """Configure, sweep and work a few cases; returns the number of warnings."""
    _refresh_planner_statistics()
    perf = User.objects.filter(username="jxg").first()
    seed_calendar(year)
    WarningSetting.objects.update_or_create(region=county, fiscal_year=year, defaults={"profile": Profile.SICHUAN_2025})
    WarningRule.objects.filter(profile=Profile.SICHUAN_2025).update(enabled=True)
    # Warnings as of today (the demo county is in its budget year), so open cases have deadlines still ahead;
    # a demo built for another year looks at the end of August, the usual monitoring point.
    today = timezone.localdate()
    as_of = today if today.year == year else date(year, PERIOD_MONTH, 31)
    result = sweep_region(county, year, as_of)
    if perf is None:
        return result.warnings
    services.select_tiers(actor=perf, region=county, fiscal_year=year, today=as_of)
    worked: list[int] = []
    # The unit login first; its 主管部门 and the hospital when the school has no red project at this scale.
    for username in RESPONDERS:
        user = User.objects.filter(username=username).first()
        if user is None or len(worked) >= 2:
            continue
        visible = (
            WarningCase.objects.visible_to(user)  # type: ignore[attr-defined]
            .filter(fiscal_year=year, status=CaseStatus.OPEN)
            .exclude(pk__in=worked)
            .select_related("project")
            .order_by("-project__total_amount_yuan", "rule_code")
        )
        for case in visible[:20]:
            if not worked and case.project.total_amount_yuan - _executed(case) > CUT_YUAN:
                cut = services.case_respond(
                    actor=user,
                    case=case,
                    explanation="受招标程序延后影响，部分设备采购无法在年内完成。",
                    option=Option.ADJUST_DOWN,
                    amount_yuan=CUT_YUAN,
                )
                services.case_decide(
                    actor=perf,
                    case=cut,
                    option=Option.ADJUST_DOWN,
                    amount_yuan=CUT_YUAN,
                    reason="同意调减，收回统筹使用",
                )
                worked.append(case.pk)
            elif worked and len(worked) < 2:
                services.case_respond(
                    actor=user,
                    case=case,
                    explanation="项目资金已完成合同签订，9月集中支付。",
                    option=Option.CONTINUE,
                    amount_yuan=None,
                )
                worked.append(case.pk)
    seed_adjustments(perf, year)
    seed_idle_recoveries(perf, year, as_of)
    return result.warnings


def seed_idle_recoveries(perf: User, year: int, as_of: date) -> None:
    """存量资金清理: the 绩效股 recovers the three smallest idle balances of the year on the sweep's date (none early in
    the year, before anything has lain idle for the settings' months), so the list, its 已盘活收回 card and RA-1 of
    the 年度工作总结 have figures."""
    criteria = idle_funds.criteria_for(perf.active_membership.region, year, as_of)  # type: ignore[union-attr]
    listed = idle_funds.idle_candidates(perf, criteria)  # a county's few hundred projects at most
    ids = [p.pk for p in sorted(listed, key=lambda p: (p.recoverable_yuan, p.code))[:3]]  # type: ignore[attr-defined]
    if ids:
        services.idle_funds_recover(
            actor=perf,
            fiscal_year=year,
            as_of=as_of,
            project_ids=ids,
            reason="依据县财政局关于开展财政存量资金清理工作的通知收回，统筹用于县级民生重点支出。",
        )


# 预算调整登记 of other stages (no draw from the seed's random stream): the goal review's 核减 on the largest
# approved project targets and one 核销, and a 追减 after a 事前评估 不予支持, so that TG-4 and PA-3(b) of the
# 年度工作总结 have figures.
REVIEW_CUTS = (
    (
        FundAdjustment.Kind.REDUCE_ON_REVIEW,
        Decimal("0.10"),
        "绩效目标审核：部分指标未细化量化且支出测算偏高，按审核意见核减部分资金。",
    ),
    (
        FundAdjustment.Kind.REDUCE_ON_REVIEW,
        Decimal("0.05"),
        "绩效目标审核：同类项目绩效目标雷同，建议整合，核减重复安排部分。",
    ),
    (FundAdjustment.Kind.WRITE_OFF, Decimal("1"), "绩效目标审核：目标不明确且逾期未按审核意见修改，核销该项目预算。"),
)


def seed_adjustments(perf: User, year: int) -> None:
    targets = (
        PerformanceTarget.objects.filter(
            fiscal_year=year, subject_type=PerformanceTarget.Subject.PROJECT, status=TargetStatus.APPROVED
        )
        .select_related("project")
        .order_by("-project__total_amount_yuan", "project__code")
    )
    for target, (kind, share, reason) in zip(targets, REVIEW_CUTS, strict=False):
        project = target.project
        amount = (project.total_amount_yuan * share).quantize(Decimal("0.01")) if project else Decimal(0)
        if project is not None and amount > 0:
            services.adjustment_record(
                actor=perf,
                project=project,
                fiscal_year=year,
                source=FundAdjustment.Source.TARGET_REVIEW,
                kind=kind,
                amount_yuan=amount,
                reason=reason,
            )
    rejected = (
        PreAssessment.objects.filter(conclusion=Conclusion.REJECT, is_deleted=False)
        .select_related("project")
        .order_by("-requested_amount_yuan", "pk")
        .first()
    )
    if rejected is not None and rejected.requested_amount_yuan > 0:
        services.adjustment_record(
            actor=perf,
            project=rejected.project,
            fiscal_year=rejected.project.fiscal_year,
            source=FundAdjustment.Source.PRE_ASSESSMENT,
            kind=FundAdjustment.Kind.RETRO_REDUCE,
            amount_yuan=rejected.requested_amount_yuan,
            reason="事前绩效评估不予支持，追减已安排的预算。",
        )


def _executed(case: WarningCase) -> Decimal:
    from jixiao.alerts.models import ProjectLight

    light = ProjectLight.objects.filter(project_id=case.project_id, fiscal_year=case.fiscal_year).first()
    return light.executed_yuan if light else Decimal(0)
