"""Optimistic locking (SECURITY.md I05) on the 绩效股's configuration pages: the rule sets and the scoring templates.

Each page test opens the edit page, saves once with the token the page carried, then saves again with that same
(now stale) token and other data: the second save is refused with the conflict message and the first one stays."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from conftest import World
from jixiao.core.errors import ConflictError
from jixiao.core.locking import STALE_MESSAGE, lock_token
from jixiao.preassessment import panels, selectors, services
from jixiao.preassessment.models import PreAssessmentRuleSet, ScoringTemplate

TOKEN = re.compile(r'name="lock_token" value="([0-9a-f]+)"')


def _token(html: str) -> str:
    found = TOKEN.findall(html)
    assert len(found) == 1, "the page carries exactly one lock token"
    return found[0]


# ---- rule sets ---------------------------------------------------------------------------------------------------


def _rule_data(token: str, min_amount_wan: str, fiscal_year: str = "2026") -> dict[str, str]:
    return {
        "lock_token": token,
        "fiscal_year": fiscal_year,
        "min_amount_wan": min_amount_wan,
        "applies_to_new": "on",
        "blocks_budget_if_missing": "on",
        "support_min_score": "80",
        "adjust_min_score": "60",
        "outlier_points": "15",
    }


def test_second_save_from_a_stale_rules_page_is_refused_and_the_first_kept(world: World) -> None:
    client = world.login("performance")
    page = client.get("/preassessment/rules/")
    assert page.status_code == 200
    token = _token(page.content.decode())

    first = client.post("/preassessment/rules/", _rule_data(token, "50"))
    assert first.status_code == 302

    stale = client.post("/preassessment/rules/", _rule_data(token, "80"))
    assert stale.status_code == 409
    assert STALE_MESSAGE in stale.content.decode()
    assert PreAssessmentRuleSet.objects.get(region=world.region, fiscal_year=2026).min_amount_wan == Decimal(50)

    # Reloading the page gives the current token, and the save goes through.
    fresh = _token(client.get("/preassessment/rules/").content.decode())
    assert fresh != token
    assert client.post("/preassessment/rules/", _rule_data(fresh, "80")).status_code == 302
    assert PreAssessmentRuleSet.objects.get(region=world.region, fiscal_year=2026).min_amount_wan == Decimal(80)


def test_a_rule_row_added_for_another_year_also_makes_the_rules_page_stale(world: World) -> None:
    client = world.login("performance")
    token = _token(client.get("/preassessment/rules/").content.decode())
    assert client.post("/preassessment/rules/", _rule_data(token, "40", fiscal_year="2027")).status_code == 302
    # The other user's page still shows the table without the 2027 row: its 2026 save is refused too.
    stale = client.post("/preassessment/rules/", _rule_data(token, "45"))
    assert stale.status_code == 409 and STALE_MESSAGE in stale.content.decode()
    assert not PreAssessmentRuleSet.objects.filter(region=world.region, fiscal_year=2026).exists()


def test_rule_save_service_checks_the_token_of_the_rows_shown(world: World) -> None:
    actor = world.users["performance"]
    data = {f: getattr(PreAssessmentRuleSet(), f) for f in services.RULE_FIELDS}
    token = lock_token(selectors.rules_visible(actor))
    services.rule_save(actor=actor, region=world.region, fiscal_year=2026, data=data, lock_token=token)
    with pytest.raises(ConflictError, match="已被他人修改"):
        services.rule_save(
            actor=actor, region=world.region, fiscal_year=2026, data={**data, "min_amount_wan": 99}, lock_token=token
        )
    assert PreAssessmentRuleSet.objects.get(region=world.region, fiscal_year=2026).min_amount_wan == Decimal(30)
    # Callers that send no token (older clients) are not checked.
    services.rule_save(actor=actor, region=world.region, fiscal_year=2026, data={**data, "min_amount_wan": 99})
    assert PreAssessmentRuleSet.objects.get(region=world.region, fiscal_year=2026).min_amount_wan == Decimal(99)


# ---- scoring templates -------------------------------------------------------------------------------------------


def _template_data(template: ScoringTemplate, token: str, first_dimension: str) -> dict[str, str]:
    """The page's fields with the first dimension renamed (points unchanged, so the sums stay valid)."""
    data: dict[str, str] = {"fiscal_year": "2026", "lock_token": token}
    for dim in panels.template_tree(template):
        for item in [dim.item, *dim.children]:
            data[f"name-{item.pk}"] = item.name
            data[f"points-{item.pk}"] = str(item.points)
    data[f"name-{panels.template_tree(template)[0].item.pk}"] = first_dimension
    return data


def test_second_save_from_a_stale_national_template_page_adds_no_second_copy(world: World) -> None:
    national = ScoringTemplate.objects.get(region=None, fiscal_year=None, kind="project")
    client = world.login("performance")
    url = f"/preassessment/templates/{national.pk}/"
    token = _token(client.get(url).content.decode())

    assert client.post(url, _template_data(national, token, "立项必要性（甲）")).status_code == 302
    stale = client.post(url, _template_data(national, token, "立项必要性（乙）"))
    assert stale.status_code == 409
    assert STALE_MESSAGE in stale.content.decode()

    copies = ScoringTemplate.objects.filter(region=world.region, kind="project")
    assert copies.count() == 1
    assert panels.template_tree(copies.get())[0].item.name == "立项必要性（甲）"
    assert panels.template_tree(national)[0].item.name == "立项必要性"


def test_second_save_from_a_stale_own_template_page_is_refused_and_the_first_kept(world: World) -> None:
    actor = world.users["performance"]
    national = ScoringTemplate.objects.get(region=None, fiscal_year=None, kind="policy")
    own = panels.template_update(actor=actor, template=national, names={}, points={}, fiscal_year=2026)
    client = world.login("performance")
    url = f"/preassessment/templates/{own.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    token = _token(page.content.decode())

    assert client.post(url, _template_data(own, token, "必要性（甲）")).status_code == 302
    own.refresh_from_db()
    assert own.version == 2

    stale = client.post(url, _template_data(own, token, "必要性（乙）"))
    assert stale.status_code == 409
    assert 'data-testid="template-error"' in stale.content.decode()
    assert STALE_MESSAGE in stale.content.decode()
    assert panels.template_tree(own)[0].item.name == "必要性（甲）"
    own.refresh_from_db()
    assert own.version == 2


def test_template_update_service_refuses_a_stale_token(world: World) -> None:
    actor = world.users["performance"]
    national = ScoringTemplate.objects.get(region=None, fiscal_year=None, kind="project")
    own = panels.template_update(actor=actor, template=national, names={}, points={}, fiscal_year=2026)
    dim = panels.template_tree(own)[0].item
    token = lock_token(panels.template_lock_rows(actor, own))
    panels.template_update(actor=actor, template=own, names={dim.pk: "甲"}, points={}, lock_token=token)
    with pytest.raises(ConflictError):
        panels.template_update(actor=actor, template=own, names={dim.pk: "乙"}, points={}, lock_token=token)
    dim.refresh_from_db()
    assert dim.name == "甲"
