"""Expert pool pages: who may open what, masking everywhere, the audited unmask, and stored panel draws."""

from __future__ import annotations

from typing import Any

import lxml.html
import pytest
from django.test import Client
from django.urls import reverse

from conftest import PERSONAS, World
from jixiao.core.errors import DomainError, PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.experts import services
from jixiao.experts.models import Expert, PanelDraw
from jixiao.experts.tests.factories import ExpertFactory

EXPERT_VIEW = {"performance"}
EXPERT_MANAGE = {"performance"}
# Roles whose data scope is the whole region; every other role sees no expert at all (404 on a row page).
REGION_SCOPE = {"performance", "budget", "leader", "oversight"}
PHONE = "13812345678"
MASKED = "138****5678"


@pytest.fixture
def pool(world: World) -> dict[str, Expert]:
    return {
        "wang": ExpertFactory(region=world.region, name="王教授", field="教育", phone=PHONE),
        "li": ExpertFactory(region=world.region, name="李医生", field="卫生", department=world.health),
        "zhao": ExpertFactory(region=world.region, name="赵老师", field="教育", conflicts=[world.edu]),
        "far": ExpertFactory(region=world.other_region, name="外县专家", field="教育"),
    }


def _client(world: World, persona: str | None) -> Client:
    return Client() if persona is None else world.login(persona)


def _expected(persona: str | None, allowed: set[str], row_page: bool = False) -> int:
    if persona is None:
        return 302
    if row_page and persona not in REGION_SCOPE:
        return 404
    return 200 if persona in allowed else 403


# (name, url builder, allowed personas, looks the row up before checking the capability)
PAGES: list[tuple[str, Any, set[str], bool]] = [
    ("list", lambda p: reverse("experts:list"), EXPERT_VIEW, False),
    (
        "list filtered",
        lambda p: reverse("experts:list") + "?field=教育&kind=expert&is_active=true&q=王",
        EXPERT_VIEW,
        False,
    ),
    ("detail", lambda p: reverse("experts:detail", args=[p["wang"].pk]), EXPERT_VIEW, False),
    ("export", lambda p: reverse("experts:export"), EXPERT_VIEW, False),
    ("create", lambda p: reverse("experts:create"), EXPERT_MANAGE, False),
    ("edit", lambda p: reverse("experts:edit", args=[p["wang"].pk]), EXPERT_MANAGE, True),
    ("import", lambda p: reverse("experts:import"), EXPERT_MANAGE, False),
    ("import template", lambda p: reverse("experts:import_template"), EXPERT_MANAGE, False),
    ("draw list", lambda p: reverse("experts:draw_list"), EXPERT_VIEW, False),
    ("draw create", lambda p: reverse("experts:draw_create"), EXPERT_MANAGE, False),
]


@pytest.mark.parametrize("persona", [*PERSONAS, None])
@pytest.mark.parametrize(("name", "url", "allowed", "row_page"), PAGES, ids=[p[0] for p in PAGES])
def test_only_the_performance_section_opens_expert_pages(
    world: World, pool: dict[str, Expert], persona: str | None, name: str, url: Any, allowed: set[str], row_page: bool
) -> None:
    response = _client(world, persona).get(url(pool))
    assert response.status_code == _expected(persona, allowed, row_page)


@pytest.mark.parametrize("persona", PERSONAS)
def test_contact_view_is_only_for_holders_of_expert_contact(
    world: World, pool: dict[str, Expert], persona: str
) -> None:
    response = world.login(persona).post(reverse("experts:contact", args=[pool["wang"].pk]))
    assert response.status_code == (200 if persona == "performance" else 403)
    assert (PHONE in response.content.decode()) is (persona == "performance")


def test_experts_of_another_region_are_not_there(world: World, pool: dict[str, Expert]) -> None:
    client = world.login("performance")
    far = pool["far"].pk
    assert client.get(reverse("experts:detail", args=[far])).status_code == 404
    assert client.get(reverse("experts:edit", args=[far])).status_code == 404
    assert client.post(reverse("experts:contact", args=[far])).status_code == 404
    listing = client.get(reverse("experts:list")).content.decode()
    assert "王教授" in listing and "外县专家" not in listing


def test_list_filters_by_field_and_search(world: World, pool: dict[str, Expert]) -> None:
    client = world.login("performance")
    page = client.get(reverse("experts:list") + "?field=卫生").content.decode()
    assert "李医生" in page and "王教授" not in page
    page = client.get(reverse("experts:list") + "?q=赵").content.decode()
    assert "赵老师" in page and "王教授" not in page


def test_phone_is_masked_on_list_detail_and_edit_pages(world: World, pool: dict[str, Expert]) -> None:
    client = world.login("performance")
    for url in [
        reverse("experts:list"),
        reverse("experts:detail", args=[pool["wang"].pk]),
        reverse("experts:edit", args=[pool["wang"].pk]),
    ]:
        page = client.get(url).content.decode()
        assert PHONE not in page, url
    assert MASKED in client.get(reverse("experts:list")).content.decode()
    assert not AuditEvent.objects.filter(event_type="expert.contact_view").exists()


def test_viewing_the_contact_shows_it_once_and_audits_it(world: World, pool: dict[str, Expert]) -> None:
    client = world.login("performance")
    response = client.post(reverse("experts:contact", args=[pool["wang"].pk]))
    assert PHONE in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(event_type="expert.contact_view")
    assert event.object_id == str(pool["wang"].pk) and event.actor_name == "p_perf"
    assert PHONE not in client.get(reverse("experts:detail", args=[pool["wang"].pk])).content.decode()


def test_contact_view_is_a_post_only_action(world: World, pool: dict[str, Expert]) -> None:
    response = world.login("performance").get(reverse("experts:contact", args=[pool["wang"].pk]))
    assert response.status_code == 405


def test_service_refuses_the_contact_without_the_capability(world: World, pool: dict[str, Expert]) -> None:
    with pytest.raises(PermissionDeniedError):
        services.expert_contact_view(actor=world.users["budget"], expert=pool["wang"])
    assert not AuditEvent.objects.filter(event_type="expert.contact_view").exists()


def test_performance_section_creates_an_expert_with_declared_conflicts(world: World) -> None:
    response = world.login("performance").post(
        reverse("experts:create"),
        {
            "name": "孙工", "kind": "expert", "field": "农业", "title": "", "affiliation": "县农科所",
            "department": "", "phone": "13900001111", "is_active": "on",
            "conflict_departments": [world.edu.pk, world.health.pk],
        },
    )  # fmt: skip
    assert response.status_code == 302
    expert = Expert.objects.get(name="孙工")
    assert expert.region == world.region and expert.phone == "13900001111"
    assert set(expert.conflict_departments.all()) == {world.edu, world.health}
    event = AuditEvent.objects.get(event_type="expert.create")
    assert "13900001111" not in str(event.changes)  # the audit trail holds the masked number only


def test_a_double_click_on_save_makes_one_expert(world: World) -> None:
    client = world.login("performance")
    page = client.get(reverse("experts:create")).content.decode()
    token = page.split('name="submit_token" value="')[1].split('"')[0]
    post = {"name": "孙工", "kind": "expert", "field": "农业", "is_active": "on", "submit_token": token}
    first = client.post(reverse("experts:create"), post)
    second = client.post(reverse("experts:create"), post)
    expert = Expert.objects.get(name="孙工")
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == reverse("experts:detail", args=[expert.pk])


def test_editing_with_an_empty_phone_keeps_the_stored_number(world: World, pool: dict[str, Expert]) -> None:
    expert = pool["zhao"]
    response = world.login("performance").post(
        reverse("experts:edit", args=[expert.pk]),
        {"name": "赵老师", "kind": "expert", "field": "教育", "phone": "", "version": expert.version,
         "conflict_departments": [world.health.pk]},
    )  # fmt: skip
    assert response.status_code == 302
    expert.refresh_from_db()
    assert expert.phone == pool["zhao"].phone and expert.is_active is False
    assert list(expert.conflict_departments.all()) == [world.health]
    assert AuditEvent.objects.filter(event_type="expert.update", object_id=str(expert.pk)).exists()


def test_a_save_from_a_stale_page_is_a_409_with_the_input_kept(world: World, pool: dict[str, Expert]) -> None:
    expert = pool["zhao"]
    services.expert_save(actor=world.users["performance"], expert=expert, data={"field": "卫生"})
    response = world.login("performance").post(
        reverse("experts:edit", args=[expert.pk]),
        {"name": "赵老师（旧页面）", "kind": "expert", "field": "教育", "version": expert.version},
    )
    body = response.content.decode()
    assert response.status_code == 409 and "该记录已被他人修改，请刷新后重试" in body and "赵老师（旧页面）" in body
    expert.refresh_from_db()
    assert (expert.name, expert.field, expert.version) == ("赵老师", "卫生", 2)


def test_an_invalid_form_is_shown_again_with_errors(world: World) -> None:
    response = world.login("performance").post(reverse("experts:create"), {"name": "", "kind": "expert"})
    assert response.status_code == 400
    assert not Expert.objects.exists()


# ---------------------------------------------------------------- draws


def test_panel_draw_stores_seed_and_result_and_verifies(world: World, pool: dict[str, Expert]) -> None:
    draw = services.panel_draw(
        actor=world.users["performance"], purpose="事前评估", object_type="projects.project",
        object_id=str(world.school_project.pk), field="教育", size=1, avoid_department=world.edu, seed=7,
    )  # fmt: skip
    # 赵老师 declared a conflict with the 教育局; the other-region expert is not in the pool.
    assert draw.eligible_ids == [pool["wang"].pk]
    assert draw.drawn_ids == [pool["wang"].pk]
    assert [pool["zhao"].pk, "已声明回避该部门"] in draw.excluded
    assert services.panel_draw_verify(draw)
    assert AuditEvent.objects.filter(event_type="expert.panel_draw", object_id=str(draw.pk)).exists()
    # The record names whom it left out and why, and the candidates (it showed bare ids: 3（已声明回避该部门）).
    page = world.login("performance").get(reverse("experts:draw_detail", args=[draw.pk])).content.decode()
    assert f"赵老师（{pool['zhao'].pk}，已声明回避该部门）" in page
    assert f"王教授（{pool['wang'].pk}）" in page


def test_panel_draw_picks_a_seed_when_none_is_given(world: World, pool: dict[str, Expert]) -> None:
    draw = services.panel_draw(
        actor=world.users["performance"], purpose="目标会审", field=None, size=2, avoid_department=None
    )
    assert 0 <= draw.seed < 2**31
    assert services.panel_draw_verify(draw)


def test_verify_detects_a_tampered_draw(world: World, pool: dict[str, Expert]) -> None:
    draw = services.panel_draw(
        actor=world.users["performance"], purpose="目标会审", field="教育", size=1, avoid_department=None, seed=3
    )
    other = next(i for i in draw.eligible_ids if i not in draw.drawn_ids)
    PanelDraw.objects.filter(pk=draw.pk).update(drawn_ids=[other])
    draw.refresh_from_db()
    assert services.panel_draw_verify(draw) is False
    page = world.login("performance").get(reverse("experts:draw_detail", args=[draw.pk])).content.decode()
    assert 'data-testid="verify-failed"' in page


def test_too_few_experts_is_refused_with_a_chinese_message(world: World, pool: dict[str, Expert]) -> None:
    with pytest.raises(DomainError):
        services.panel_draw(
            actor=world.users["performance"], purpose="x", field="卫生", size=1, avoid_department=world.health
        )
    assert not PanelDraw.objects.exists()
    response = world.login("performance").post(
        reverse("experts:draw_create"),
        {"purpose": "x", "field": "卫生", "size": 1, "avoid_department": world.health.pk},
    )
    assert response.status_code == 400 and "不足" in response.content.decode()


def test_only_managers_may_draw(world: World, pool: dict[str, Expert]) -> None:
    with pytest.raises(PermissionDeniedError):
        services.panel_draw(actor=world.users["budget"], purpose="x", field=None, size=1, avoid_department=None)


def test_draw_page_runs_a_draw_and_shows_the_verified_result(world: World, pool: dict[str, Expert]) -> None:
    client = world.login("performance")
    form = client.get(reverse("experts:draw_create")).content.decode()
    assert ">抽取</button>" in form and ">保存</button>" not in form  # the button says what it does
    response = client.post(reverse("experts:draw_create"), {"purpose": "事前评估", "field": "教育", "size": 2})
    assert response.status_code == 302
    draw = PanelDraw.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="verify-ok"' in page and str(draw.seed) in page
    assert PHONE not in page and "王教授" in page
    assert "事前评估" in client.get(reverse("experts:draw_list")).content.decode()


def test_a_double_click_on_draw_draws_once(world: World, pool: dict[str, Expert]) -> None:
    """抽取 clicked twice made two random draws of one panel (the second could replace an unwelcome first). The form's
    one-time token (core.once): the second POST draws nothing and opens the first draw."""
    client = world.login("performance")
    form = client.get(reverse("experts:draw_create")).content.decode()
    token = form.split('name="submit_token" value="')[1].split('"')[0]
    post = {"purpose": "事前评估", "field": "教育", "size": 2, "submit_token": token}
    first = client.post(reverse("experts:draw_create"), post)
    second = client.post(reverse("experts:draw_create"), post)
    draw = PanelDraw.objects.get()
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == reverse("experts:draw_detail", args=[draw.pk])


def test_list_and_export_queries_do_not_grow_with_the_pool(
    world: World, pool: dict[str, Expert], django_assert_max_num_queries: Any
) -> None:
    client = world.login("performance")
    client.get(reverse("experts:list"))  # warm the session and membership caches
    ExpertFactory.create_batch(15, region=world.region, department=world.edu, conflicts=[world.health])
    with django_assert_max_num_queries(15):
        assert client.get(reverse("experts:list")).status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get(reverse("experts:export")).status_code == 200


def test_the_detail_grid_keeps_two_fields_a_row(world: World, pool: dict[str, Expert]) -> None:
    page = lxml.html.fromstring(
        world.login("performance").get(reverse("experts:detail", args=[pool["wang"].pk])).content
    )
    widths = [
        int(next(c for c in el.get("class").split() if c.startswith("col-sm-")).removeprefix("col-sm-"))
        for el in page.xpath("//dl[contains(@class, 'row')]/*")
    ]
    # Every label with its value takes half the row: 声明回避的部门 (col-sm-10 after a right-hand label) broke the
    # grid, its label alone on the right and 无 wrapped to the next line on the left.
    assert widths and all(label + value == 6 for label, value in zip(widths[::2], widths[1::2], strict=True))
