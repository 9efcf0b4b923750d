"""Demo 培训记录: six sessions with 380 人次 in the year (seed figures, DOMAIN.md §2.8), recorded by the
performance section (jxg) through the training services."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from jixiao.accounts.models import User
from jixiao.training import services

# (month, day, topic, organiser, kind, trainer type, trainer, audience, sessions, attendance)
SESSIONS = [
    (3, 15, "预算绩效管理业务培训", "县财政局", "training", "third_party_teacher", "四川某会计师事务所",
     ["unit_leaders", "finance_staff"], 1, 120),
    (4, 20, "绩效目标编报实务培训", "县财政局绩效股", "training", "staff", "绩效股",
     ["finance_staff", "project_staff"], 1, 90),
    (5, 18, "乡镇（街道）财政所预算绩效管理培训", "县财政局", "training", "provincial_expert", "省财政厅专家",
     ["town_finance_staff"], 1, 60),
    (6, 12, "赴先进地区考察学习全面实施预算绩效管理经验", "县财政局", "study_visit", "staff", "",
     ["unit_leaders"], 1, 15),
    (8, 22, "绩效运行监控上门指导", "县财政局绩效股", "on_site_guidance", "staff", "绩效股",
     ["finance_staff", "project_staff"], 1, 35),
    (10, 16, "绩效自评及结果应用专题培训", "县财政局", "training", "expert", "评审专家",
     ["finance_staff", "project_staff"], 1, 60),
]  # fmt: skip


def seed_training(rng: random.Random, county: Any, year: int) -> None:
    """Six sessions, 380 人次 (deterministic; `rng` is not needed)."""
    del rng, county
    perf = User.objects.filter(username="jxg").first()
    if perf is None:
        return
    for month, day, topic, organiser, kind, trainer_type, trainer, audience, sessions, attendance in SESSIONS:
        services.training_create(
            actor=perf,
            data={
                "held_on": date(year, month, day),
                "topic": topic,
                "organiser": organiser,
                "kind": kind,
                "trainer_type": trainer_type,
                "trainer": trainer,
                "audience": audience,
                "session_count": sessions,
                "attendance": attendance,
                "note": "",
            },
        )
