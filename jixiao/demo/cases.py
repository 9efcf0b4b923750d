"""Demo 指标案例库 (seed 002 S23): the performance section (jxg) files one approved project target per 行业领域 大类
as a worked example, with a note, through the case services. Deterministic: `rng` is not drawn from."""

from __future__ import annotations

import random
from typing import Any

from jixiao.accounts.models import User
from jixiao.targets import selectors_cases, services_cases
from jixiao.targets.models import PerformanceTarget, TargetStatus

CASES = 8
NOTE = "产出、效益和满意度指标齐全，数量、质量、时效指标细化量化，指标值有测算依据，可供同类项目编制绩效目标时参照。"


def seed_cases(rng: random.Random, county: Any, year: int) -> None:
    del rng
    perf = User.objects.filter(username="jxg").first()
    if perf is None:
        return
    targets = (
        PerformanceTarget.objects.filter(
            region=county,
            fiscal_year=year,
            status=TargetStatus.APPROVED,
            subject_type=PerformanceTarget.Subject.PROJECT,
            is_deleted=False,
        )
        .select_related("project")
        .order_by("project__code", "id")
    )
    filed: set[int] = set()
    for target in targets:
        category = selectors_cases.suggested_category(target)
        if category is None or category.pk in filed:
            continue
        filed.add(category.pk)
        services_cases.case_create(
            actor=perf, target=target, data={"category": category, "title": target.name, "note": NOTE}
        )
        if len(filed) >= CASES:
            return
