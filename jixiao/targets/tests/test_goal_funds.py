"""其中：财政拨款 is part of 资金总额: a target whose fiscal amount exceeds its total is refused at the field (page)
and by the service (import, any other caller), and nothing is written (the 申报表 would show a negative 其他资金)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import World
from jixiao.core.errors import DomainError
from jixiao.targets import services
from jixiao.targets.models import PerformanceTarget
from jixiao.targets.tests.pages_helpers import make_target, nodes


@pytest.fixture
def target(world: World) -> PerformanceTarget:
    return make_target(world)


def _post(target: PerformanceTarget, **funds: str) -> dict[str, str]:
    n = nodes(target)
    data = {
        "goal-annual_goal": "不应保存的年度目标",
        "goal-midterm_goal": "",
        "goal-annual_total_yuan": "35.5",
        "goal-annual_fiscal_yuan": "35.5",
        "goal-mid_total_yuan": "35.5",
        "goal-mid_fiscal_yuan": "35.5",
        "goal-version": str(target.version),
        "ind-TOTAL_FORMS": "2",
        "ind-INITIAL_FORMS": "0",
        "ind-MIN_NUM_FORMS": "0",
        "ind-MAX_NUM_FORMS": "1000",
        "ind-0-lv1": str(n["产出指标"].pk),
        "ind-0-lv2": str(n["数量指标"].pk),
        "ind-0-name": "购置教学设备数量",
        "ind-0-operator": "gte",
        "ind-0-target_text": "≥120台",
        "ind-1-lv1": str(n["效益指标"].pk),
        "ind-1-lv2": str(n["社会效益指标"].pk),
        "ind-1-name": "设备使用率",
        "ind-1-operator": "gte",
        "ind-1-target_text": "≥95%",
    }
    data.update({f"goal-{name}": value for name, value in funds.items()})
    return data


@pytest.mark.parametrize(
    ("funds", "message"),
    [
        ({"annual_fiscal_yuan": "40"}, "其中：财政拨款不能大于年度资金总额"),
        ({"mid_total_yuan": "10", "mid_fiscal_yuan": "20"}, "其中：财政拨款不能大于中期资金总额"),
    ],
)
def test_a_fiscal_amount_above_the_total_is_refused_at_its_field(
    world: World, target: PerformanceTarget, funds: dict[str, str], message: str
) -> None:
    before = (target.annual_goal, target.annual_fiscal_yuan, target.mid_fiscal_yuan, target.version)
    response = world.login("unit_user").post(f"/targets/{target.pk}/edit/", _post(target, **funds))
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert 'value="不应保存的年度目标"' in page or "不应保存的年度目标</textarea>" in page  # typed text kept
    target.refresh_from_db()
    assert (target.annual_goal, target.annual_fiscal_yuan, target.mid_fiscal_yuan, target.version) == before


def test_equal_amounts_and_an_all_other_funds_target_still_save(world: World, target: PerformanceTarget) -> None:
    response = world.login("unit_user").post(
        f"/targets/{target.pk}/edit/", _post(target, annual_fiscal_yuan="0", mid_fiscal_yuan="35.5")
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.annual_fiscal_yuan == Decimal("0.00")


def test_the_service_refuses_a_fiscal_amount_above_the_total(world: World, target: PerformanceTarget) -> None:
    unit = world.users["unit_user"]
    with pytest.raises(DomainError, match="其中：财政拨款不能大于年度资金总额"):
        services.target_update(actor=unit, target=target, data={"annual_fiscal_yuan": Decimal("999999999.00")})
    # The stored total counts when only the fiscal amount is sent; the stored pair is left unchanged.
    with pytest.raises(DomainError, match="其中：财政拨款不能大于中期资金总额"):
        services.target_update(actor=unit, target=target, data={"mid_total_yuan": Decimal("1.00")})
    target.refresh_from_db()
    assert target.annual_fiscal_yuan <= target.annual_total_yuan
    assert target.mid_fiscal_yuan <= target.mid_total_yuan
