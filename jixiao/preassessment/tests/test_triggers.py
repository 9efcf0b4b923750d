"""The trigger switches of the rule row (DOMAIN.md §2.1): policies, revised policies and projects, special bonds.

The baseline is a continuing project in its implementation period, which needs no assessment by itself."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import World
from jixiao.core.errors import DomainError
from jixiao.preassessment import selectors
from jixiao.preassessment.models import PreAssessmentRuleSet
from jixiao.projects import services as project_services
from jixiao.projects.tests.factories import ProjectFactory

THRESHOLD = Decimal("300000.00")


def _running(world: World, amount: Decimal = THRESHOLD, **flags: bool) -> object:
    return ProjectFactory(unit=world.school, is_new=False, start_year=2025, fiscal_amount_yuan=amount, **flags)


def test_a_running_project_without_switches_needs_no_assessment(world: World) -> None:
    assert selectors.assessment_required(_running(world)) == (False, "实施期内的延续项目无需事前评估")


@pytest.mark.parametrize(("flag", "words"), [("is_policy", "政策类项目"), ("is_revised", "修订的政策或项目")])
def test_policy_and_revised_are_required_from_exactly_the_threshold(world: World, flag: str, words: str) -> None:
    at = _running(world, THRESHOLD, **{flag: True})
    required, reason = selectors.assessment_required(at)
    assert required is True and words in reason and "30万元" in reason
    below = _running(world, THRESHOLD - Decimal("0.01"), **{flag: True})
    assert selectors.assessment_required(below) == (False, "财政拨款低于30万元")


@pytest.mark.parametrize(("flag", "switch"), [("is_policy", "applies_to_policy"), ("is_revised", "applies_to_revised")])
def test_a_switched_off_rule_ignores_the_flag(world: World, flag: str, switch: str) -> None:
    PreAssessmentRuleSet.objects.create(region=world.region, fiscal_year=2026, **{switch: False})
    assert selectors.assessment_required(_running(world, THRESHOLD * 2, **{flag: True}))[0] is False


def test_special_bonds_are_required_whatever_the_amount(world: World) -> None:
    tiny = _running(world, Decimal("1000.00"), is_special_bond=True)
    assert selectors.assessment_required(tiny) == (True, "专项债券项目须开展事前绩效评估")
    zero = _running(world, Decimal("0.00"), is_special_bond=True)
    assert selectors.assessment_required(zero)[0] is True


def test_special_bonds_switched_off_fall_back_to_the_amount_rules(world: World) -> None:
    PreAssessmentRuleSet.objects.create(region=world.region, fiscal_year=2026, applies_to_special_bonds=False)
    assert selectors.assessment_required(_running(world, Decimal("1000.00"), is_special_bond=True))[0] is False
    # A new special-bond project still needs one as a new project from the threshold.
    new = ProjectFactory(unit=world.school, fiscal_amount_yuan=THRESHOLD, is_special_bond=True)
    assert "新增项目" in selectors.assessment_required(new)[1]


def test_the_gate_applies_to_a_special_bond_project_below_the_threshold(world: World) -> None:
    project = ProjectFactory(unit=world.school, is_new=False, start_year=2025, fiscal_amount_yuan=Decimal("5000.00"))
    project_services.project_transition(actor=world.users["unit_user"], project=project, action="submit")
    bond = _running(world, Decimal("5000.00"), is_special_bond=True)
    with pytest.raises(DomainError, match="专项债券项目"):
        project_services.project_transition(actor=world.users["unit_user"], project=bond, action="submit")
