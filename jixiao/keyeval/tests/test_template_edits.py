"""The 评价指标体系 edit page under repeated and bad input: one copy per region and year, no lost update, no truncated
or control-character names."""

from __future__ import annotations

import pytest

from conftest import World
from jixiao.keyeval.models import EvalTemplate

pytestmark = pytest.mark.django_db


def _national(kind: str = EvalTemplate.Kind.DEPT_OVERALL_C) -> EvalTemplate:
    return EvalTemplate.objects.get(kind=kind, region__isnull=True, fiscal_year__isnull=True)


def _page_data(template: EvalTemplate, fiscal_year: str = "2026", **names: str) -> dict[str, str]:
    """The fields the edit page posts: every node's name and weight (unchanged unless renamed by code)."""
    data = {"fiscal_year": fiscal_year}
    for node in template.nodes.all():
        data[f"name_{node.pk}"] = names.get(node.code, node.name)
        data[f"weight_{node.pk}"] = str(node.weight)
    return data


def _own(world: World, kind: str = EvalTemplate.Kind.DEPT_OVERALL_C) -> list[EvalTemplate]:
    return list(EvalTemplate.objects.filter(region=world.region, kind=kind))


# ---- one copy per region and year --------------------------------------------------------------------------------


def test_saving_the_national_template_again_makes_no_second_copy(world: World) -> None:
    national = _national()
    client = world.login("performance")
    url = f"/keyeval/templates/{national.pk}/"
    first = client.post(url, _page_data(national))
    assert first.status_code == 302
    [copy] = _own(world)
    assert first["Location"] == f"/keyeval/templates/{copy.pk}/"

    for _ in range(3):  # a double submit, then saves from the national page reloaded
        client.get(url)
        again = client.post(url, _page_data(national))
        assert again.status_code == 400
        assert f"已有2026年度的本区划模板“{copy.name}”" in again.content.decode()
    assert _own(world) == [copy]
    # The region's copy itself stays editable, and another year still gets its own copy.
    assert client.post(f"/keyeval/templates/{copy.pk}/", _page_data(copy)).status_code == 302
    assert client.post(url, _page_data(national, fiscal_year="2027")).status_code == 302
    assert sorted(t.fiscal_year or 0 for t in _own(world)) == [2026, 2027]
    assert len(_own(world)) == 2
