"""专家库 links an expert to a login (role 评审专家, same region, not used by another expert): without one an expert
can never score online, so the expert page and the 事前评估 panel say so."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import World, _member
from jixiao.accounts.models import Membership
from jixiao.core.models import AuditEvent
from jixiao.experts import selectors, services
from jixiao.experts.models import Expert
from jixiao.experts.services import InvalidDataError
from jixiao.experts.tests.factories import ExpertFactory
from jixiao.organizations.tests.factories import city_with_counties

pytestmark = pytest.mark.django_db


def _post(world: World, expert: Expert, login: object) -> int:
    data = {"name": expert.name, "kind": "expert", "field": expert.field, "version": expert.version}
    data["user"] = "" if login is None else str(getattr(login, "pk", login))
    return world.login("performance").post(reverse("experts:edit", args=[expert.pk]), data).status_code


def test_the_performance_section_links_an_expert_to_an_expert_login(world: World) -> None:
    expert = ExpertFactory(region=world.region, name="王教授", field="教育")
    login = world.users["expert"]
    page = world.login("performance").get(reverse("experts:detail", args=[expert.pk])).content.decode()
    assert "未关联：无法在线评分" in page
    form = world.login("performance").get(reverse("experts:edit", args=[expert.pk])).content.decode()
    assert f'<option value="{login.pk}">' in form  # offered: role 评审专家 in this region
    assert _post(world, expert, login) == 302
    expert.refresh_from_db()
    assert expert.user == login
    event = AuditEvent.objects.filter(event_type="expert.update", object_id=str(expert.pk)).latest("pk")
    assert event.changes["user"] == [None, login.pk]
    page = world.login("performance").get(reverse("experts:detail", args=[expert.pk])).content.decode()
    assert login.username in page and "未关联" not in page
    # Editing the expert again keeps its login offered and linked.
    assert _post(world, expert, login) == 302


def test_only_free_expert_logins_of_the_region_may_be_linked(world: World) -> None:
    linked = ExpertFactory(region=world.region, name="李医生", field="卫生", user=world.users["expert"])
    expert = ExpertFactory(region=world.region, name="赵老师", field="教育")
    far_login = _member("far_expert", "expert", world.other_region)
    offered = set(selectors.expert_user_choices(world.users["performance"], expert))
    assert world.users["expert"] not in offered  # used by 李医生
    assert far_login not in offered and world.users["unit_user"] not in offered
    assert world.users["expert"] in set(selectors.expert_user_choices(world.users["performance"], linked))
    for login in (world.users["expert"], far_login, world.users["unit_user"]):
        assert _post(world, expert, login) == 400  # not a choice of the form
        with pytest.raises(InvalidDataError):
            services.expert_save(actor=world.users["performance"], expert=expert, data={"user": login})
    expert.refresh_from_db()
    assert expert.user is None


def test_a_city_user_links_only_logins_of_the_experts_own_county(world: World) -> None:
    """The choices follow the expert's region, not the actor's: a city's 绩效股 editing a county's expert cannot give
    it another county's login (that login would then open the county's assessments in 我的评审任务)."""
    city, _ = city_with_counties(world.region, world.other_region)
    city_perf = _member("city_perf", "performance", city)
    city_perf.set_active_membership(city_perf.memberships.get())
    expert = ExpertFactory(region=world.region, name="钱老师", field="教育")
    far_login = _member("far_expert2", "expert", world.other_region)
    offered = set(selectors.expert_user_choices(city_perf, expert))
    assert world.users["expert"] in offered and far_login not in offered
    with pytest.raises(InvalidDataError):
        services.expert_save(actor=city_perf, expert=expert, data={"user": far_login})
    # A login whose 评审专家 membership was ended is not offered either.
    Membership.objects.filter(user=world.users["expert"]).update(is_active=False)
    assert world.users["expert"] not in set(selectors.expert_user_choices(city_perf, expert))
