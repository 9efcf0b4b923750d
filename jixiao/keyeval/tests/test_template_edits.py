"""The 评价指标体系 edit page under repeated and bad input: one copy per region and year, no lost update, no truncated
or control-character names."""

from __future__ import annotations

import re
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from conftest import World
from jixiao.core.errors import ConflictError, DomainError
from jixiao.core.locking import STALE_MESSAGE, lock_token
from jixiao.keyeval import selectors, services
from jixiao.keyeval.checks import build_tree, check_tree, walk
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
        assert again.status_code == 409
        assert f"已有2026年度的本区划模板“{copy.name}”" in again.content.decode()
    assert _own(world) == [copy]
    # The region's copy itself stays editable, and another year still gets its own copy.
    assert client.post(f"/keyeval/templates/{copy.pk}/", _page_data(copy)).status_code == 302
    assert client.post(url, _page_data(national, fiscal_year="2027")).status_code == 302
    assert sorted(t.fiscal_year or 0 for t in _own(world)) == [2026, 2027]
    assert len(_own(world)) == 2


# ---- optimistic lock ---------------------------------------------------------------------------------------------

TOKEN = re.compile(r'name="lock_token" value="([0-9a-f]+)"')


def _token(client: Any, template: EvalTemplate) -> str:
    [token] = TOKEN.findall(client.get(f"/keyeval/templates/{template.pk}/").content.decode())
    return token


def test_second_save_from_a_stale_own_template_page_is_refused_and_the_first_kept(world: World) -> None:
    national = _national()
    client = world.login("performance")
    assert client.post(f"/keyeval/templates/{national.pk}/", _page_data(national)).status_code == 302
    [own] = _own(world)
    url = f"/keyeval/templates/{own.pk}/"
    token = _token(client, own)
    first_code = own.nodes.order_by("order", "pk").first().code  # type: ignore[union-attr]

    first = client.post(url, {**_page_data(own, **{first_code: "投入（甲）"}), "lock_token": token})
    assert first.status_code == 302
    stale = client.post(url, {**_page_data(own, **{first_code: "投入（乙）"}), "lock_token": token})
    assert stale.status_code == 409
    assert STALE_MESSAGE in stale.content.decode()
    assert own.nodes.get(code=first_code).name == "投入（甲）"
    own.refresh_from_db()
    assert own.version == 2
    # Reloading the page gives the current token, and the save goes through.
    fresh = _token(client, own)
    assert fresh != token
    assert client.post(url, {**_page_data(own, **{first_code: "投入（乙）"}), "lock_token": fresh}).status_code == 302
    assert own.nodes.get(code=first_code).name == "投入（乙）"


def test_double_submit_of_the_national_page_is_refused_as_stale(world: World) -> None:
    national = _national()
    client = world.login("performance")
    token = _token(client, national)
    url = f"/keyeval/templates/{national.pk}/"
    assert client.post(url, {**_page_data(national), "lock_token": token}).status_code == 302
    again = client.post(url, {**_page_data(national), "lock_token": token})
    assert again.status_code == 409 and STALE_MESSAGE in again.content.decode()
    assert len(_own(world)) == 1


def test_template_update_service_refuses_a_stale_token(world: World) -> None:
    actor = world.users["performance"]
    own = services.template_update(actor=actor, template=_national(), weights={}, fiscal_year=2026)
    node = own.nodes.order_by("order", "pk").first()
    assert node is not None
    token = lock_token(selectors.template_lock_rows(actor, own))
    services.template_update(
        actor=actor, template=own, weights={}, names={node.pk: "甲"}, fiscal_year=2026, lock_token=token
    )
    with pytest.raises(ConflictError):
        services.template_update(
            actor=actor, template=own, weights={}, names={node.pk: "乙"}, fiscal_year=2026, lock_token=token
        )
    node.refresh_from_db()
    assert node.name == "甲"


# ---- names: refused, never cut short or stored with a control character ------------------------------------------


def _third_row(template: EvalTemplate) -> Any:
    """The node on the page's third row (the page lists nodes in tree order)."""
    return list(walk(selectors.template_tree(template)))[2].row


@pytest.mark.parametrize(
    ("bad_name", "message"),
    [
        ("长" * 10_000, "第3行名称不能超过200个字"),
        ("长" * 201, "第3行名称不能超过200个字"),
        ("投入\x00管理", "第3行名称不能包含控制字符"),
        ("投入\x1b[0m", "第3行名称不能包含控制字符"),
    ],
)
def test_a_bad_name_is_refused_naming_its_row_and_nothing_is_saved(world: World, bad_name: str, message: str) -> None:
    national = _national()
    client = world.login("performance")
    url = f"/keyeval/templates/{national.pk}/"
    node = _third_row(national)
    first_code = next(iter(walk(selectors.template_tree(national)))).row.code
    data = _page_data(national, **{first_code: "改过的名称"})
    data[f"name_{node.pk}"] = bad_name
    response = client.post(url, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "改过的名称" in html  # the user's input is shown again
    assert _own(world) == []  # no copy, nothing half-written
    assert national.nodes.get(pk=node.pk).name == node.name


def test_a_weight_that_is_not_a_number_is_refused_naming_its_row_as_a_weight(world: World) -> None:
    national = _national()
    client = world.login("performance")
    node = _third_row(national)
    data = _page_data(national)
    data[f"weight_{node.pk}"] = "十分"
    response = client.post(f"/keyeval/templates/{national.pk}/", data)
    assert response.status_code == 400
    # A 分值 box, not a score: the message names the row and says 分值 (it said 得分应为数字).
    assert f"“{node.name}”分值应为数字" in response.content.decode()
    assert _own(world) == []


def test_a_name_of_exactly_200_characters_is_saved_whole(world: World) -> None:
    national = _national()
    node = _third_row(national)
    data = _page_data(national)
    data[f"name_{node.pk}"] = "长" * 200
    assert world.login("performance").post(f"/keyeval/templates/{national.pk}/", data).status_code == 302
    [own] = _own(world)
    assert own.nodes.get(code=node.code).name == "长" * 200


def test_a_refused_save_keeps_the_token_of_the_page_it_came_from(world: World) -> None:
    """The re-shown input carries the old token: another user's save in between still makes it stale."""
    actor = world.users["performance"]
    own = services.template_update(actor=actor, template=_national(), weights={}, fiscal_year=2026)
    client = world.login("performance")
    url = f"/keyeval/templates/{own.pk}/"
    token = _token(client, own)
    node = _third_row(own)
    services.template_update(actor=actor, template=own, weights={}, names={node.pk: "他人修改"}, fiscal_year=2026)
    bad = client.post(url, {**_page_data(own), f"name_{node.pk}": "x\x00", "lock_token": token})
    assert bad.status_code == 400 and TOKEN.findall(bad.content.decode()) == [token]
    retry = client.post(url, {**_page_data(own), f"name_{node.pk}": "我的修改", "lock_token": token})
    assert retry.status_code == 409 and STALE_MESSAGE in retry.content.decode()
    assert own.nodes.get(pk=node.pk).name == "他人修改"


def test_service_refuses_a_year_out_of_range(world: World) -> None:
    with pytest.raises(DomainError, match="适用年度"):
        services.template_update(actor=world.users["performance"], template=_national(), weights={}, fiscal_year=99999)
    assert _own(world) == []


# ---- the template's rules: grade bands and the 产出和效益 minimum ----------------------------------------------------


def test_a_region_sets_its_own_bands_and_output_benefit_minimum_on_its_copy(world: World) -> None:
    """The page carries the grade bands and, for a project framework, the 产出和效益 minimum (national default 60 by
    财预〔2020〕10号): a county whose 办法 asks 70 sets it on its copy, and the tree check then applies 70. Bands out of
    order or range are refused (400) with the figures as typed, nothing saved."""
    national = _national(EvalTemplate.Kind.PROJECT_10)
    client = world.login("performance")
    page = client.get(f"/keyeval/templates/{national.pk}/").content.decode()
    assert 'name="output_benefit_min" value="60.00"' in page and 'name="grade_excellent" value="90.00"' in page
    data = _page_data(national)
    bad = {**data, "grade_excellent": "85", "grade_good": "88", "grade_pass": "60", "output_benefit_min": "70"}
    response = client.post(f"/keyeval/templates/{national.pk}/", bad)
    assert response.status_code == 400
    assert "“优”最低分 ≥ “良”最低分 ≥ “中”最低分" in response.content.decode()
    assert 'name="grade_good" value="88"' in response.content.decode() and _own(world, national.kind) == []
    for value, message in (("101", "产出和效益最低合计分值应在0到100之间"), ("abc", "产出和效益最低合计分值应为数字")):
        response = client.post(f"/keyeval/templates/{national.pk}/", {**data, "output_benefit_min": value})
        assert response.status_code == 400 and message in response.content.decode()

    good = {**data, "grade_excellent": "92", "grade_good": "82", "grade_pass": "65", "output_benefit_min": "70"}
    assert client.post(f"/keyeval/templates/{national.pk}/", good).status_code == 302
    [own] = _own(world, national.kind)
    assert own.grade_bands == (92, 82, 65) and own.output_benefit_min == 70
    assert national.output_benefit_min == 60 and _national(national.kind).grade_excellent == 90
    # 产出 + 效益 are 35 + 35 in the national tree: asking 75 refuses the save, naming the template's own rule.
    response = client.post(f"/keyeval/templates/{own.pk}/", {**_page_data(own), "output_benefit_min": "75"})
    assert response.status_code == 400
    assert "产出和效益指标分值合计为70分，不得低于75分（本模板的评分规则）" in response.content.decode()
    own.refresh_from_db()
    assert own.output_benefit_min == 70  # nothing half-written
    shares = [("D", "决策", 20), ("P", "过程", 15), ("O", "产出", 35), ("B", "效益", 30)]
    flat = [
        SimpleNamespace(pk=i, parent_id=None, code=code, name=name, weight=Decimal(w))
        for i, (code, name, w) in enumerate(shares, start=1)
    ]
    check_tree(EvalTemplate.Kind.PROJECT_10, build_tree(flat))  # 65 ≥ the national 60
    with pytest.raises(DomainError, match="合计为65分，不得低于70分（本模板的评分规则）"):
        check_tree(EvalTemplate.Kind.PROJECT_10, build_tree(flat), output_benefit_min=own.output_benefit_min)


def test_the_outputs_minimum_is_not_offered_for_a_departmental_framework(world: World) -> None:
    page = world.login("performance").get(f"/keyeval/templates/{_national().pk}/").content.decode()
    assert 'name="grade_pass"' in page and 'name="output_benefit_min"' not in page
