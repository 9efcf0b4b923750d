"""The public lists' search (关键词, 年度, 主管部门), as an anonymous visitor: only published items are ever found, the
filters stay in the pager's links, bad parameters answer 400 in Chinese and nothing else."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from conftest import World
from jixiao.disclosure import public_views, services
from jixiao.disclosure.models import Disclosure, ItemType
from jixiao.disclosure.tests.helpers import YEAR, Sources, generate, item_of, make_sources, publish
from jixiao.evaluation.tests.selfeval_helpers import approved_target
from jixiao.organizations.models import BudgetUnit
from jixiao.projects.tests.factories import ProjectFactory

CODE = "511725000"
S = Disclosure.Status


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def sources(world: World) -> Sources:
    """Published: the school's and the hospital's target tables, the self-evaluation and the key evaluation. The
    branch school's target table (县教育局 too) is generated but left pending."""
    s = make_sources(world)
    approved_target(world, world.branch_project)
    generate(world)
    publish(world, item_of(ItemType.TARGET_TABLE, s.target))
    publish(world, item_of(ItemType.TARGET_TABLE, s.hospital_target))
    publish(world, item_of(ItemType.SELF_EVAL_REPORT))
    publish(world, item_of(ItemType.KEY_EVAL_REPORT))
    return s


def _get(view: str, path_year: int = YEAR, **params: Any) -> Any:
    return Client().get(reverse(f"public:{view}", args=[CODE, path_year]), params)


def _names(response: Any) -> set[str]:
    """The item links' texts on a list page."""
    body = response.content.decode()
    return set(re.findall(r'<a href="/public/[^"]+/items/[0-9a-f-]+/"[^>]*>([^<]+)</a>', body))


def test_the_keyword_matches_project_unit_and_department_names_of_published_items_only(
    world: World, sources: Sources
) -> None:
    branch = Disclosure.objects.get(item_type=ItemType.TARGET_TABLE, unit=world.school_branch)
    assert branch.status == S.PENDING
    assert _names(_get("targets")) == {"一中教学设备购置", "医院信息化建设"}
    assert _names(_get("targets", q="教学设备")) == {"一中教学设备购置"}  # project name
    assert _names(_get("targets", q="人民医院")) == {"医院信息化建设"}  # unit name
    assert _names(_get("targets", q="卫健")) == {"医院信息化建设"}  # 主管部门
    assert _names(_get("targets", q="P-HOSP")) == {"医院信息化建设"}  # project code
    # The pending branch school's table matches by name and department, and is never found.
    assert _names(_get("targets", q="分校")) == set()
    response = _get("targets", q="县教育局")
    assert _names(response) == {"一中教学设备购置"}
    assert "共找到 1 项" in response.content.decode()
    assert str(branch.public_id) not in response.content.decode()
    nothing = _get("targets", q="不存在的项目")
    assert nothing.status_code == 200 and "没有符合查询条件的绩效目标表" in nothing.content.decode()
    # The other lists search the same way.
    assert _names(_get("self_evaluations", q="一中")) == {"一中教学设备购置"}
    assert _names(_get("self_evaluations", q="医院")) == set()
    assert len(_names(_get("reports", q="教育局"))) == 1
    assert _names(_get("reports", q="卫健")) == set()


def test_the_keyword_matches_what_was_published_not_later_renames(world: World, sources: Sources) -> None:
    BudgetUnit.objects.filter(pk=world.hospital.pk).update(name="县中心医院")
    assert _names(_get("targets", q="中心医院")) == set()
    assert _names(_get("targets", q="人民医院")) == {"医院信息化建设"}


def test_a_withdrawn_item_leaves_the_search_and_its_department_the_select(world: World, sources: Sources) -> None:
    item = item_of(ItemType.TARGET_TABLE, sources.hospital_target)
    services.disclosure_transition(actor=world.users["performance"], item=item, action="withdraw", comment="需更正")
    assert _names(_get("targets", q="医院")) == set()
    assert "县卫健局" not in _get("targets").content.decode()
    assert _get("targets", dept=world.health.pk).status_code == 400


def test_the_department_select_lists_only_departments_with_published_items_of_that_list(
    world: World, sources: Sources
) -> None:
    body = _get("targets").content.decode()
    select = re.search(r'<select name="dept".*?</select>', body, re.S)
    assert select is not None
    options = re.findall(r'<option value="(\d*)"[^>]*>([^<]+)</option>', select.group(0))
    assert options == [("", "全部主管部门"), (str(world.edu.pk), "县教育局"), (str(world.health.pk), "县卫健局")]
    # The key-evaluation list has only 县教育局's report; departments without a published item are not offered.
    body = _get("reports").content.decode()
    select = re.search(r'<select name="dept".*?</select>', body, re.S)
    assert select is not None and "县卫健局" not in select.group(0) and "县教育局" in select.group(0)
    assert _names(_get("targets", dept=world.health.pk)) == {"医院信息化建设"}
    assert _names(_get("targets", dept=world.edu.pk, q="医院")) == set()
    # A department with nothing published in this list is not a choice: 400 with the reason.
    response = _get("reports", dept=world.health.pk)
    assert response.status_code == 400
    assert "所选主管部门在本年度没有公开信息" in response.content.decode()


def test_another_year_redirects_to_that_years_list_with_the_same_filters(world: World, sources: Sources) -> None:
    project = ProjectFactory(unit=world.hospital, code="P-HOSP-2025", name="医院信息化建设（2025）", fiscal_year=2025)
    old = approved_target(world, project)
    generate(world, 2025)
    publish(world, item_of(ItemType.TARGET_TABLE, old))
    response = _get("targets", q="医院", dept=world.health.pk, page=2, year=2025)
    assert response.status_code == 302
    target = response["Location"]
    assert target.startswith(reverse("public:targets", args=[CODE, 2025]))
    assert "q=%E5%8C%BB%E9%99%A2" in target and f"dept={world.health.pk}" in target and "page" not in target
    assert _names(Client().get(target)) == {"医院信息化建设（2025）"}
    # 县教育局 has nothing published in 2025: the department is dropped on the way, the keyword kept.
    response = _get("targets", q="建设", dept=world.edu.pk, year=2025)
    assert response.status_code == 302 and "dept=" not in response["Location"] and "q=" in response["Location"]
    # The select offers the region's published years, the page's own selected.
    body = _get("targets", 2025).content.decode()
    assert re.search(r'<option value="2025" selected>2025年度</option>', body)
    assert '<option value="2026">2026年度</option>' in body


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"year": "abc"}, "所选年度没有公开信息"),
        ({"year": "2024"}, "所选年度没有公开信息"),
        ({"year": "9" * 40}, "所选年度没有公开信息"),
        ({"dept": "abc"}, "所选主管部门在本年度没有公开信息"),
        ({"dept": "-1"}, "所选主管部门在本年度没有公开信息"),
        ({"q": "长" * 51}, "关键词不能超过50个字"),
        ({"q": "a\x00b"}, "空字符"),
        ({"q": "a\x07b"}, "关键词含有不能识别的字符"),
    ],
)
def test_bad_parameters_answer_400_in_chinese_with_an_empty_list(
    world: World, sources: Sources, params: dict[str, str], message: str
) -> None:
    for page in ("targets", "self_evaluations", "reports"):
        response = _get(page, **params)
        assert response.status_code == 400, (page, params)
        body = response.content.decode()
        assert message in body
        assert _names(response) == set()
        assert 'data-testid="public-search"' in body  # the form is there to correct the query


def test_a_bad_page_number_falls_back_and_wildcards_are_plain_text(world: World, sources: Sources) -> None:
    assert _names(_get("targets", page="abc")) == {"一中教学设备购置", "医院信息化建设"}
    assert _names(_get("targets", page="999")) == {"一中教学设备购置", "医院信息化建设"}
    assert _names(_get("targets", q="%")) == set()
    assert _names(_get("targets", q="_")) == set()
    assert _names(_get("targets", q="   ")) == {"一中教学设备购置", "医院信息化建设"}


def test_the_keyword_and_the_results_are_escaped(world: World, sources: Sources) -> None:
    evil = approved_target(world, ProjectFactory(unit=world.hospital, code="P-X", name='<script>alert("x")</script>'))
    generate(world)
    publish(world, item_of(ItemType.TARGET_TABLE, evil))
    response = _get("targets", q='<script>alert("x")</script>')
    body = response.content.decode()
    assert response.status_code == 200 and "共找到 1 项" in body
    assert "<script" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_pagination_keeps_the_filters(world: World, sources: Sources, monkeypatch: Any) -> None:
    monkeypatch.setattr(public_views, "PAGE_SIZE", 1)
    second = approved_target(world, ProjectFactory(unit=world.hospital, code="P-HOSP2", name="医院信息化建设二期"))
    generate(world)
    publish(world, item_of(ItemType.TARGET_TABLE, second))
    response = _get("targets", q="医院", dept=world.health.pk)
    body = response.content.decode()
    assert "第 1 / 2 页" in body
    link = re.search(r'href="(\?[^"]*page=2[^"]*)">下一页', body)
    assert link is not None
    query = link.group(1).replace("&amp;", "&")
    assert "q=%E5%8C%BB%E9%99%A2" in query and f"dept={world.health.pk}" in query
    page2 = Client().get(reverse("public:targets", args=[CODE, YEAR]) + query)
    assert page2.status_code == 200 and "第 2 / 2 页" in page2.content.decode()
    assert len(_names(page2)) == 1
    assert _names(page2) | _names(response) == {"医院信息化建设", "医院信息化建设二期"}


def test_a_search_costs_a_bounded_number_of_queries(
    world: World, sources: Sources, django_assert_max_num_queries: Any
) -> None:
    client = Client()
    for page in ("targets", "self_evaluations", "reports"):
        url = reverse(f"public:{page}", args=[CODE, YEAR])
        with django_assert_max_num_queries(7):
            response = client.get(url, {"q": "县", "dept": world.edu.pk})
        assert response.status_code == 200


def test_the_migration_fills_the_search_text_of_items_published_before_it(world: World, sources: Sources) -> None:
    from importlib import import_module

    migration = import_module("jixiao.disclosure.migrations.0003_disclosure_search_text")
    published = Disclosure.objects.filter(status=S.PUBLISHED)
    expected = dict(published.values_list("pk", "search_text"))
    assert all(expected.values())
    Disclosure.objects.update(search_text="")
    migration.fill(apps, None)
    assert dict(published.values_list("pk", "search_text")) == expected
    assert not Disclosure.objects.exclude(status=S.PUBLISHED).exclude(search_text="").exists()
