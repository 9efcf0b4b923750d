"""Demo 季度检查 (seed 003 S40): each business section checks its 对口 departments in the first three quarters of the
demo year through the inspection services; a few departments are left unchecked in the third quarter (the coverage
page and the section's 待办 have something to show) and every third check finds a problem. Deterministic: `rng` is
not drawn from, so the other seeders' rows stay as they were."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from jixiao.accounts.models import Membership, Role
from jixiao.inspections import services
from jixiao.organizations.models import Department

FINDINGS = (
    "专项业务经费支出进度慢于序时进度，部分资金尚未支付。",
    "个别支出缺少合同或验收资料，会计凭证附件不完整。",
    "绩效目标中数量指标完成进度滞后，未及时报送监控情况。",
)
OPINIONS = (
    "加快资金支付进度，按月报送支出情况。",
    "补齐合同和验收资料，规范专项经费报销审核。",
    "对照绩效目标查找原因，制定整改措施并报业务股室。",
)
# (quarter, day of the check in that quarter's last month)
QUARTER_DAYS = ((1, date(2000, 3, 20)), (2, date(2000, 6, 18)), (3, date(2000, 9, 22)))
CHECKED_PER_SECTION = 6


def seed_inspections(rng: random.Random, county: Any, year: int) -> None:
    del rng
    memberships = (
        Membership.objects.filter(role=Role.BUSINESS, is_active=True, region=county, section__isnull=False)
        .select_related("user", "region", "section")
        .order_by("section__sort", "section__code", "id")
    )
    seen: set[int] = set()
    n = 0
    for membership in memberships:
        section = membership.section
        if section is None or section.pk in seen:
            continue
        seen.add(section.pk)
        actor = membership.user
        actor.set_active_membership(membership)
        departments = Department.objects.filter(finance_section=section, is_active=True).order_by("dept_code")[
            :CHECKED_PER_SECTION
        ]
        for index, department in enumerate(departments):
            for quarter, day in QUARTER_DAYS:
                if quarter == 3 and index % 3 == 2:
                    continue  # not yet checked this quarter
                problem = n % 3 == 0
                services.inspection_create(
                    actor=actor,
                    data={
                        "fiscal_year": year,
                        "quarter": quarter,
                        "department": department,
                        "inspected_on": day.replace(year=year),
                        "inspectors": f"{section.name} {actor.display_name or actor.username}",
                        "subject": "",
                        "findings": FINDINGS[n % len(FINDINGS)] if problem else "",
                        "opinions": OPINIONS[n % len(OPINIONS)] if problem else "按规定继续做好专项经费管理。",
                    },
                )
                n += 1
