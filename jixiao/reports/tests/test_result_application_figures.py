"""Result-application clauses of the 年度工作总结: RA-1 names the idle funds 存量资金清理 recovered (seed 003 S62
“盘活回收各类存量及沉淀资金”), counted under their own stage; EV-3 counts the rules issued or revised on the key
evaluations' results (seed 002 S47)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from conftest import World
from jixiao.alerts.models import FundAdjustment
from jixiao.keyeval.models import EvalTemplate, KeyEvaluation
from jixiao.keyeval.services import regulations_link
from jixiao.regulations.services import regulation_create
from jixiao.reports.statistics.base import Scope
from jixiao.reports.statistics.closing import ra_1
from jixiao.reports.statistics.stages import ev_3


def test_ra_1_names_the_recovered_idle_funds(world: World) -> None:
    scope = Scope(region=world.region, work_year=2026, fiscal_year=2026, actor=world.users["performance"])
    assert "清理盘活存量资金" not in ra_1(scope).sentence  # nothing recovered: no clause
    for project, amount in ((world.school_project, "400000"), (world.branch_project, "250000")):
        FundAdjustment.objects.create(
            project=project,
            fiscal_year=2026,
            source=FundAdjustment.Source.IDLE_FUNDS,
            kind=FundAdjustment.Kind.RECOVER,
            amount_yuan=Decimal(amount),
            reason="存量资金清理",
        )
    FundAdjustment.objects.create(  # another county's recovery is not this county's
        project=world.far_project,
        fiscal_year=2026,
        source=FundAdjustment.Source.IDLE_FUNDS,
        kind=FundAdjustment.Kind.RECOVER,
        amount_yuan=Decimal(90000),
    )
    figure = ra_1(scope)
    assert "；清理盘活存量资金65.00万元（2个项目）" in figure.sentence
    assert figure.values["by_source"]["IDLE_FUNDS"]["amount_yuan"] == Decimal("650000")
    assert ("其中存量资金清理环节（笔/万元）", "2/65.00") in figure.table


def test_ev_3_counts_the_rules_revised_on_the_results(world: World) -> None:
    perf = world.users["performance"]
    scope = Scope(region=world.region, work_year=2026, fiscal_year=2026, actor=perf)
    assert "根据评价结果" not in ev_3(scope).sentence
    ev = KeyEvaluation.objects.create(
        region=world.region,
        fiscal_year=2026,
        title="中小学校舍维修改造",
        object_type=KeyEvaluation.ObjectType.PROJECT,
        template=EvalTemplate.objects.get(kind="project_10", region__isnull=True, fiscal_year__isnull=True),
        amount_yuan=Decimal(1000000),
        status="issued",
        grade="good",
    )
    rule = regulation_create(
        actor=perf,
        data={
            "title": "渠县中小学校舍维修改造专项资金管理实施办法（修订）",
            "category": "results",
            "action": "revised",
            "issuer": "渠县财政局",
            "issued_on": date(2026, 11, 2),
        },
    )
    regulations_link(actor=perf, evaluation=ev, regulation_ids=[rule.pk])
    figure = ev_3(scope)
    assert figure.values["regulations_on_results"] == 1
    assert figure.sentence.endswith("；根据评价结果出台或修订制度办法1项")
    assert ("据评价结果出台或修订制度办法（项）", "1") in figure.table
