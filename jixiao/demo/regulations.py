"""Demo 制度办法: the county's “1+X” register (seeds 000 and 002: one comprehensive 办法, one per stage, a forwarded
provincial notice, a revision, and the 暂行办法 it replaced), kept by the performance section (jxg) through the
regulation services; and the fund rule revised on the issued key evaluation's results, linked to it (seed 002 S47)."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from django.utils import timezone

from jixiao.accounts.models import User
from jixiao.keyeval import services as keyeval_services
from jixiao.keyeval.models import KeyEvalStatus, KeyEvaluation
from jixiao.regulations import services

BUREAU = "{county}财政局"
# (years before the demo year, month, day, title, number, category, action, current, issuer)
RULES = [
    (9, 6, 10, "{county}财政支出绩效评价暂行办法", "{short}财预〔{year}〕21号", "evaluation", "issued", False, BUREAU),
    (3, 4, 8, "{county}全面实施预算绩效管理的实施意见", "{short}委发〔{year}〕9号", "comprehensive", "issued", True,
     "中共{county}委 {county}人民政府"),
    (3, 9, 15, "{county}预算绩效管理办法", "{short}财绩〔{year}〕3号", "comprehensive", "issued", True, BUREAU),
    (2, 3, 20, "{county}预算绩效目标管理办法", "{short}财绩〔{year}〕2号", "targets", "issued", True, BUREAU),
    (2, 5, 12, "{county}预算绩效运行监控管理办法", "{short}财绩〔{year}〕5号", "monitoring", "issued", True, BUREAU),
    (1, 4, 6, "{county}财政支出绩效评价管理办法（修订）", "{short}财绩〔{year}〕4号", "evaluation", "revised", True,
     BUREAU),
    (1, 7, 18, "{county}预算绩效评价结果应用管理办法", "{short}财绩〔{year}〕7号", "results", "issued", True, BUREAU),
    (0, 3, 2, "转发《省财政厅关于开展新增重大政策和项目事前绩效评估工作的通知》", "{short}财绩〔{year}〕1号",
     "preassessment", "forwarded", True, BUREAU),
    (0, 5, 26, "{county}第三方机构参与预算绩效管理工作暂行办法", "{short}财绩〔{year}〕6号", "third_party", "issued",
     True, BUREAU),
]  # fmt: skip


def seed_regulations(rng: random.Random, county: Any, year: int) -> None:
    """Nine rows over ten years, two of them in the demo year (deterministic; `rng` is not needed)."""
    del rng
    perf = User.objects.filter(username="jxg").first()
    if perf is None:
        return
    name = str(county.name)
    short = name[:1]
    for back, month, day, title, number, category, action, current, issuer in RULES:
        issued = date(year - back, month, day)
        fill = {"county": name, "short": short, "year": issued.year}
        services.regulation_create(
            actor=perf,
            data={
                "title": title.format(**fill),
                "doc_no": number.format(**fill),
                "category": category,
                "action": action,
                "issuer": issuer.format(**fill),
                "issued_on": issued,
                "is_current": current,
                "note": "" if current else "已被《财政支出绩效评价管理办法（修订）》代替",
            },
        )
    _revised_on_results(perf, county, year)


def _revised_on_results(perf: Any, county: Any, year: int) -> None:
    """The issued key evaluation's results lead to a revised 专项资金管理办法 (seed 002: “根据评价结果修订《区中小学校舍
    维修改造专项资金管理实施办法》”), registered in 制度办法 and linked on the evaluation's page."""
    evaluation = KeyEvaluation.objects.filter(region=county, fiscal_year=year, status=KeyEvalStatus.ISSUED).first()
    if evaluation is None:
        return
    name = str(county.name)
    rule = services.regulation_create(
        actor=perf,
        data={
            "title": f"{name}{evaluation.title}专项资金管理办法（修订）",
            "doc_no": f"{name[:1]}财教〔{year}〕12号",
            "category": "results",
            "action": "revised",
            "issuer": BUREAU.format(county=name),
            "issued_on": min(date(year, 11, 20), max(timezone.localdate(), date(year, 1, 2))),
            "is_current": True,
            "note": f"根据{evaluation.title}财政重点绩效评价结果修订：细化资金分配因素，增设绩效目标和结果应用条款。",
        },
    )
    keyeval_services.regulations_link(actor=perf, evaluation=evaluation, regulation_ids=[rule.pk])
