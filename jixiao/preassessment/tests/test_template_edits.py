"""The 评分模板 edit page under repeated and bad input: one copy per region and year, no truncated or
control-character names."""

from __future__ import annotations

import re

import pytest

from conftest import World
from jixiao.core.errors import DomainError
from jixiao.core.locking import STALE_MESSAGE
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
            assert again.status_code == 409
            assert f"已有2026年度的本区划评分模板“{copy.name}”" in again.content.decode()
    assert _own(world) == [copy]
    assert client.post(f"/preassessment/templates/{copy.pk}/", _page_data(copy)).status_code == 302
    assert client.post(url, _page_data(national, fiscal_year="2027")).status_code == 302
    assert sorted(t.fiscal_year or 0 for t in _own(world)) == [2026, 2027]


# ---- names: refused, never cut short or stored with a control character ------------------------------------------


@pytest.mark.parametrize(
    ("bad_name", "message"),
    [
        ("长" * 10_000, "第3行名称不能超过200个字"),
        ("长" * 201, "第3行名称不能超过200个字"),
        ("立项\x00必要性", "第3行名称不能包含控制字符"),
        ("立项\x7f", "第3行名称不能包含控制字符"),
    ],
)
def test_a_bad_name_is_refused_naming_its_row_and_nothing_is_saved(world: World, bad_name: str, message: str) -> None:
    national = _national()
    rows = panels.template_rows(panels.template_tree(national))
    data = _page_data(national)
    data[f"name-{rows[0].pk}"] = "改过的名称"
    data[f"name-{rows[2].pk}"] = bad_name  # the page's third row: the second dimension
    response = world.login("performance").post(f"/preassessment/templates/{national.pk}/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "改过的名称" in html  # the user's input is shown again
    assert _own(world) == []
    assert national.items.get(pk=rows[2].pk).name == rows[2].name


def test_a_name_of_exactly_200_characters_is_saved_whole(world: World) -> None:
    national = _national()
    item = panels.template_rows(panels.template_tree(national))[2]
    data = {**_page_data(national), f"name-{item.pk}": "长" * 200}
    assert world.login("performance").post(f"/preassessment/templates/{national.pk}/", data).status_code == 302
    [own] = _own(world)
    assert own.items.get(code=item.code).name == "长" * 200


def test_a_refused_save_keeps_the_token_of_the_page_it_came_from(world: World) -> None:
    actor = world.users["performance"]
    own = panels.template_update(actor=actor, template=_national(), names={}, points={}, fiscal_year=2026)
    client = world.login("performance")
    url = f"/preassessment/templates/{own.pk}/"
    [token] = TOKEN.findall(client.get(url).content.decode())
    item = panels.template_rows(panels.template_tree(own))[0]
    panels.template_update(actor=actor, template=own, names={item.pk: "他人修改"}, points={})
    bad = client.post(url, {**_page_data(own, token), f"name-{item.pk}": "x\x00"})
    assert bad.status_code == 400 and TOKEN.findall(bad.content.decode()) == [token]
    retry = client.post(url, {**_page_data(own, token), f"name-{item.pk}": "我的修改"})
    assert retry.status_code == 409 and STALE_MESSAGE in retry.content.decode()
    assert own.items.get(pk=item.pk).name == "他人修改"


def test_template_update_refuses_a_year_out_of_range(world: World) -> None:
    with pytest.raises(DomainError, match="年度应在2000至2100之间"):
        panels.template_update(
            actor=world.users["performance"], template=_national(), names={}, points={}, fiscal_year=99999
        )
    assert _own(world) == []
