"""The 事前评估规则 page shows each row in Chinese (预算类型 by name, the 专家评分偏离提示 threshold) and starts its
form from the rule the region follows, so saving one changed number keeps the other settings."""

from __future__ import annotations

import re

from conftest import World
from jixiao.preassessment.models import PreAssessmentRuleSet

OWN_RULE = {
    "fiscal_year": "",
    "min_amount_wan": "50",
    "applies_to_new": "on",
    "applies_to_revised": "on",
    "blocks_budget_if_missing": "on",
    "budget_books": ["fund"],
    "support_min_score": "85",
    "adjust_min_score": "65",
    "outlier_points": "10",
}


def _checked(page: str, name: str, value: str = "") -> bool:
    tags = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    tags = [t for t in tags if not value or f'value="{value}"' in t]
    assert tags, name
    return "checked" in tags[0]


def test_the_table_names_the_budget_types_and_shows_the_outlier_threshold(world: World) -> None:
    client = world.login("performance")
    assert client.post("/preassessment/rules/", OWN_RULE).status_code == 302
    page = client.get("/preassessment/rules/").content.decode()
    table = page.split('data-testid="rules-table"')[1].split("</table>")[0]
    assert "政府性基金预算" in table and "fund" not in table
    assert "专家评分偏离" in table and "10.00" in table


def test_the_form_starts_from_the_regions_rule_so_an_unchanged_setting_stays(world: World) -> None:
    client = world.login("performance")
    assert client.post("/preassessment/rules/", OWN_RULE).status_code == 302
    page = client.get("/preassessment/rules/").content.decode()
    form = page.split("设置本区划的规则")[1]
    assert re.search(r'name="min_amount_wan"[^>]*value="50(\.00)?"', form)
    assert re.search(r'name="outlier_points"[^>]*value="10(\.00)?"', form)
    assert not _checked(form, "applies_to_special_bonds")
    assert not _checked(form, "applies_to_policy")
    assert _checked(form, "applies_to_new")
    assert _checked(form, "budget_books", "fund") and not _checked(form, "budget_books", "general")


def test_without_an_own_row_the_form_shows_the_national_rule(world: World) -> None:
    national = PreAssessmentRuleSet.objects.filter(region__isnull=True, fiscal_year__isnull=True).first()
    page = world.login("performance").get("/preassessment/rules/").content.decode()
    form = page.split("设置本区划的规则")[1]
    expected = national.min_amount_wan if national else PreAssessmentRuleSet().min_amount_wan
    assert re.search(rf'name="min_amount_wan"[^>]*value="{expected:.0f}(\.00)?"', form)
