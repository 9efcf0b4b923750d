"""“涉密/敏感不予公开” counts 涉密 and 敏感 only — on the dashboard, in the annual summary and on the list it links to.

Items withheld for another reason (不予公开（其他）) are neither 涉密 nor 敏感: the public site's withheld
sentence leaves them out, so the internal figures must too.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from conftest import World
from jixiao.disclosure import selectors, services
from jixiao.disclosure.models import Disclosure, ItemType
from jixiao.disclosure.tests.helpers import YEAR, Sources, generate, item_of, make_sources, publish
from jixiao.reports.statistics.base import Scope
from jixiao.reports.statistics.closing import dis_1

S = Disclosure.Status


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def sources(world: World) -> Sources:
    return make_sources(world)


def _withhold(world: World, item: Disclosure, action: str) -> Disclosure:
    reviewer = world.users["performance"]
    item = services.disclosure_transition(actor=reviewer, item=item, action="propose")
    return services.disclosure_transition(actor=reviewer, item=item, action=action, comment="理由")


def _arrange(world: World) -> tuple[Disclosure, Disclosure]:
    generate(world)
    secret = _withhold(world, item_of(ItemType.MONITOR_SUMMARY), "exempt_secret")
    other = _withhold(world, item_of(ItemType.INDICATOR_LIBRARY), "exempt_other")
    assert (secret.status, other.status) == (S.EXEMPT_SECRET, S.EXEMPT_OTHER)
    return secret, other


def test_summary_separates_secret_and_sensitive_from_other_exemptions(world: World, sources: Sources) -> None:
    _arrange(world)
    summary = selectors.disclosure_summary(world.users["performance"], YEAR)
    assert summary["exempt_total"] == 2
    assert summary["withheld_total"] == 1
    assert summary["withheld_total"] == selectors.withheld_count(world.region, YEAR)


def test_the_dashboard_cell_counts_withheld_items_and_opens_exactly_them(world: World, sources: Sources) -> None:
    secret, _other = _arrange(world)
    client = world.login("leader")
    response = client.get(reverse("reports:dashboard"), {"year": YEAR})
    cell = {c.key: c for c in response.context["panels"]["activity"].cells}["exempt"]
    assert cell.count == 1
    assert "status=withheld" in cell.url
    listed = world.login("performance").get(cell.url)
    assert listed.status_code == 200
    assert [item.pk for item in listed.context["page"].object_list] == [secret.pk]


def test_the_annual_summary_sentence_names_other_exemptions_separately(world: World, sources: Sources) -> None:
    _arrange(world)
    figure = dis_1(Scope(region=world.region, work_year=YEAR, fiscal_year=YEAR, actor=world.users["performance"]))
    assert "，1项涉及涉密及敏感信息，不予公开，1项因其他原因不予公开" in figure.sentence
    assert figure.values["withheld_total"] == 1 and figure.values["exempt_total"] == 2


def test_an_item_hidden_by_a_later_secret_flag_is_withheld_in_every_internal_figure(
    world: World, sources: Sources
) -> None:
    """Published, then its unit flagged 涉密: the public site counts it as withheld (`withheld_count`), so do the
    contract, the statistics page, the dashboard cells and the lists they open, and DIS-1 — not as 已公开."""
    _arrange(world)
    hospital_item = publish(world, item_of(ItemType.TARGET_TABLE, sources.hospital_target))
    performance = world.users["performance"]
    before = selectors.disclosure_summary(performance, YEAR)
    world.hospital.is_secret = True
    world.hospital.save(update_fields=["is_secret"])

    summary = selectors.disclosure_summary(performance, YEAR)
    assert summary["withheld_total"] == 2 == selectors.withheld_count(world.region, YEAR)
    assert summary["exempt"]["secret"] == 2 and summary["hidden_secret"] == 1
    assert summary["published_total"] == before["published_total"] - 1
    row = {r["item_type"]: r for r in selectors.statistics_rows(performance, YEAR)}[ItemType.TARGET_TABLE]
    assert (row["published"], row["secret"]) == (
        before["published"][ItemType.TARGET_TABLE] - 1,
        1,
    )

    client = world.login("leader")
    cells = {
        c.key: c for c in client.get(reverse("reports:dashboard"), {"year": YEAR}).context["panels"]["activity"].cells
    }
    reader = world.login("performance")
    withheld = [i.pk for i in reader.get(cells["exempt"].url).context["page"].object_list]
    assert cells["exempt"].count == len(withheld) == 2 and hospital_item.pk in withheld
    published = reader.get(cells["published"].url).context["page"]
    assert cells["published"].count == published.paginator.count
    assert hospital_item.pk not in [i.pk for i in published.object_list]
    assert "已标记涉密，不再公开" in reader.get(cells["exempt"].url).content.decode()

    figure = dis_1(Scope(region=world.region, work_year=YEAR, fiscal_year=YEAR, actor=performance))
    assert "，2项涉及涉密及敏感信息，不予公开，1项因其他原因不予公开" in figure.sentence
    assert figure.values["withheld_total"] == 2
    assert ("涉密不予公开（项）", "2") in figure.table


def test_the_item_page_of_a_hidden_item_says_so_and_offers_no_public_link(world: World, sources: Sources) -> None:
    generate(world)
    item = publish(world, item_of(ItemType.TARGET_TABLE, sources.hospital_target))
    reader = world.login("performance")
    url = reverse("disclosure:detail", args=[item.pk])
    assert 'data-testid="public-link"' in reader.get(url).content.decode()
    world.hospital.is_secret = True
    world.hospital.save(update_fields=["is_secret"])
    page = reader.get(url).content.decode()
    assert 'data-testid="public-link"' not in page and "已标记涉密，不再公开" in page
