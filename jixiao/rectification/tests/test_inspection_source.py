"""股室季度检查 as a source of 待整改问题 (seed 003 S40): a check that found problems is offered in scope, taken up
once, and the check's page leads there."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from conftest import World
from jixiao.core.errors import ConflictError
from jixiao.inspections import services
from jixiao.inspections.tests.test_inspections import _data, _record
from jixiao.rectification.models import SourceType
from jixiao.rectification.selectors import candidates
from jixiao.rectification.services import findings_from_candidates


def test_problems_wait_in_the_rectification_candidates_until_taken_up(world: World) -> None:
    inspection = _record(world, persona="performance")
    clean = _record(world, persona="performance", findings="")
    health = services.inspection_create(actor=world.users["performance"], data=_data(world.health))
    perf, business = world.users["performance"], world.users["business"]
    found = {c.key: c for c in candidates(perf, 2026, SourceType.INSPECTION)}
    key = f"inspections.inspection:{inspection.pk}"
    assert set(found) == {key, f"inspections.inspection:{health.pk}"}  # not the check without problems
    candidate = found[key]
    assert (candidate.department_id, candidate.unit_id, candidate.category) == (world.edu.pk, None, "FUNDS")
    assert candidate.description.startswith("专项业务经费") and candidate.label.startswith("第二季度")
    # The 教科文股 is offered its own department's check only.
    assert {c.key for c in candidates(business, 2026, SourceType.INSPECTION)} == {key}
    (case,) = findings_from_candidates(actor=business, fiscal_year=2026, keys=[key])
    assert case.department == world.edu and case.source_type == SourceType.INSPECTION
    assert case.title == "县教育局 股室季度检查发现问题整改"
    # Taken up once: no longer offered, and a second take-up is refused.
    assert key not in {c.key for c in candidates(perf, 2026, SourceType.INSPECTION)}
    with pytest.raises(ConflictError):
        findings_from_candidates(actor=perf, fiscal_year=2026, keys=[key])
    # The check's page leads there for those who register findings.
    marker = 'data-testid="inspection-to-rectification"'
    client = world.login("performance")
    body = client.get(reverse("inspections:detail", args=[inspection.pk])).content.decode()
    href = body.split(marker)[0].rsplit('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert parse_qs(urlparse(href).query) == {"year": ["2026"], "source": ["INSPECTION"]}
    page = client.get(href).content.decode()
    assert "县卫健局" in page and "专项业务经费支出进度慢于序时进度" in page
    assert marker not in client.get(reverse("inspections:detail", args=[clean.pk])).content.decode()
    assert (
        marker
        not in world.login("dept_admin").get(reverse("inspections:detail", args=[inspection.pk])).content.decode()
    )
