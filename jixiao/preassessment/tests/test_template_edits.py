"""The 评分模板 edit page under repeated and bad input: one copy per region and year, no truncated or
control-character names."""

from __future__ import annotations

import re

import pytest

from conftest import World
from jixiao.preassessment import panels
from jixiao.preassessment.models import ScoringTemplate

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="lock_token" value="([0-9a-f]+)"')


def _national(kind: str = "project") -> ScoringTemplate:
    return ScoringTemplate.objects.get(region=None, fiscal_year=None, kind=kind)


def _page_data(template: ScoringTemplate, token: str = "", fiscal_year: str = "2026") -> dict[str, str]:
    data: dict[str, str] = {"fiscal_year": fiscal_year, "lock_token": token}
    for dim in panels.template_tree(template):
        for item in [dim.item, *dim.children]:
            data[f"name-{item.pk}"] = item.name
            data[f"points-{item.pk}"] = str(item.points)
    return data


def _own(world: World) -> list[ScoringTemplate]:
    return list(ScoringTemplate.objects.filter(region=world.region, kind="project"))


# ---- one copy per region and year --------------------------------------------------------------------------------


def test_saving_the_national_template_again_makes_no_second_copy(world: World) -> None:
    national = _national()
    client = world.login("performance")
    url = f"/preassessment/templates/{national.pk}/"
    assert client.post(url, _page_data(national)).status_code == 302
    [copy] = _own(world)

    for _ in range(3):  # the national page reloaded (a fresh lock token) and saved again, or posted without a token
        token = TOKEN.findall(client.get(url).content.decode())[0]
        for data in (_page_data(national, token), _page_data(national)):
            again = client.post(url, data)
            assert again.status_code == 400
            assert f"已有2026年度的本区划评分模板“{copy.name}”" in again.content.decode()
    assert _own(world) == [copy]
    assert client.post(f"/preassessment/templates/{copy.pk}/", _page_data(copy)).status_code == 302
    assert client.post(url, _page_data(national, fiscal_year="2027")).status_code == 302
    assert sorted(t.fiscal_year or 0 for t in _own(world)) == [2026, 2027]
