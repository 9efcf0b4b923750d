"""The score table editor: a refused node form comes back with what was typed and each field's reason, and an
existing node can be picked (修改) and changed in place."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import World
from jixiao.appraisals import services
from jixiao.appraisals.tests.helpers import default_template, local_copy

pytestmark = pytest.mark.django_db


def _token(html: str) -> str:
    found = re.search(r'name="lock_token" value="([0-9a-f]+)"', html)
    assert found
    return found.group(1)


def test_a_refused_node_keeps_what_was_typed_and_names_the_field(world: World) -> None:
    copy = local_copy(world)
    client = world.login("performance")
    url = reverse("appraisals:template", args=[copy.pk])
    a = copy.nodes.get(code="A")
    before = copy.nodes.count()
    token = _token(client.get(url).content.decode())
    posted = {"code": "A9", "name": "评估结果应用情况", "points": "十分", "kind": "SCORE", "parent": a.pk}
    response = client.post(reverse("appraisals:node_add", args=[copy.pk]), {**posted, "lock_token": token})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="评估结果应用情况"' in html and 'value="十分"' in html
    assert "输入一个数字" in html and "指标未保存" in html
    assert f'<option value="{a.pk}" selected>' in html  # the parent picked stays picked
    # A duplicate code (refused by the service) also keeps the input.
    dup = {**posted, "code": "A1", "points": "1", "lock_token": token}
    response = client.post(reverse("appraisals:node_add", args=[copy.pk]), dup)
    assert response.status_code == 400
    html = response.content.decode()
    assert "指标代码“A1”已存在" in html and 'value="评估结果应用情况"' in html
    assert copy.nodes.count() == before


def test_an_existing_node_is_changed_from_its_edit_link(world: World) -> None:
    copy = local_copy(world)
    client = world.login("performance")
    a1 = copy.nodes.get(code="A1")
    url = reverse("appraisals:template", args=[copy.pk])
    page = client.get(url).content.decode()
    assert f'href="{url}?edit={a1.pk}#node-form"' in page  # its own address: also right on a refused POST's page
    response = client.get(f"{url}?edit={a1.pk}")
    html = response.content.decode()
    edit_url = reverse("appraisals:node_edit", args=[copy.pk, a1.pk])
    assert response.status_code == 200 and f'action="{edit_url}"' in html
    assert f'value="{a1.name}"' in html and "保存修改" in html
    data = {"code": "A1", "name": "事前评估开展情况", "points": str(a1.points), "kind": "SCORE"}
    assert client.post(edit_url, {**data, "lock_token": _token(html)}).status_code == 302
    a1.refresh_from_db()
    assert a1.name == "事前评估开展情况" and a1.points == Decimal(a1.points)
    assert copy.nodes.filter(code="A1").count() == 1
    # An id that is not in this table is not found.
    other = services.template_copy(
        actor=world.users["performance"], source=default_template(), fiscal_year=2026, name="另一份评分表"
    ).nodes.get(code="A1")
    assert client.get(f"{url}?edit={other.pk}").status_code == 404


def test_the_editor_page_has_no_duplicate_ids(world: World) -> None:
    """The copy form's 名称 and the node form's 指标名称 each have their own id (a label opens its own field)."""
    copy = local_copy(world)
    html = world.login("performance").get(reverse("appraisals:template", args=[copy.pk])).content.decode()
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert [i for i in set(ids) if ids.count(i) > 1] == []
    assert 'for="node_name"' in html and 'id="node_name"' in html


def test_deleting_an_item_asks_first_and_names_what_goes_with_it(world: World) -> None:
    """删除 on the table page asks for confirmation (as deleting a file does); a heading's question says its
    下级指标 go with it (the tree cascades)."""
    copy = local_copy(world)
    page = world.login("performance").get(reverse("appraisals:template", args=[copy.pk])).content.decode()
    forms = {
        m.group(1): m.group(0)
        for m in re.finditer(r'<form[^>]*action="/appraisals/templates/\d+/nodes/(\d+)/delete/"[^>]*>', page)
    }
    a, a1 = copy.nodes.get(code="A"), copy.nodes.get(code="A1")
    assert 'data-confirm="确定删除指标“A1 事前绩效评估覆盖率”吗？"' in forms[str(a1.pk)]
    assert "其下级指标将一并删除" in forms[str(a.pk)]
