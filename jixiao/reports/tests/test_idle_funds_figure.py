"""RA-1 of the 年度工作总结 names the idle funds 存量资金清理 recovered (seed 003 S62 “盘活回收各类存量及沉淀资金”),
counted under their own stage."""

from __future__ import annotations

from decimal import Decimal

from conftest import World
from jixiao.alerts.models import FundAdjustment
from jixiao.reports.statistics.base import Scope
from jixiao.reports.statistics.closing import ra_1


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
