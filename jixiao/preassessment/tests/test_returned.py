"""A filing sent back is a draft again; the unit's 待办 and the page say it was returned, with the opinion, until it
is submitted again."""

from __future__ import annotations

from django.urls import reverse

from conftest import World
from jixiao.core import todos
from jixiao.preassessment import services
from jixiao.preassessment.tests.test_services import SECTIONS, _to_fin_review
from jixiao.projects.tests.factories import ProjectFactory


def _todo(world: World, persona: str) -> dict[str, int]:
    return {i.title: i.count for i in todos.for_user(world.users[persona]) if i.stage == "事前绩效评估"}


def test_a_returned_filing_reads_as_returned_until_it_is_submitted_again(world: World) -> None:
    unit = world.users["unit_user"]
    other = ProjectFactory(unit=world.school, name="一中新建操场")
    services.preassessment_create(actor=unit, project=other, data=SECTIONS)  # never submitted
    pa = _to_fin_review(world)
    pa = services.preassessment_transition(
        actor=world.users["performance"], assessment=pa, action="perf_return", comment="测算依据不足，请补充报价"
    )
    assert _todo(world, "unit_user") == {"评估申报被退回": 1, "评估申报未提交": 1}
    page = world.login("unit_user").get(reverse("preassessment:detail", args=[pa.pk])).content.decode()
    assert 'data-testid="pa-returned"' in page and "测算依据不足，请补充报价" in page

    pa = services.preassessment_transition(actor=unit, assessment=pa, action="submit")
    assert _todo(world, "unit_user") == {"评估申报未提交": 1}  # an empty entry is not listed
    page = world.login("unit_user").get(reverse("preassessment:detail", args=[pa.pk])).content.decode()
    assert 'data-testid="pa-returned"' not in page
    # A filing the unit withdrew itself is not a return.
    pa = services.preassessment_transition(actor=unit, assessment=pa, action="withdraw")
    assert _todo(world, "unit_user") == {"评估申报未提交": 2}


def test_the_review_lines_say_what_is_asked(world: World) -> None:
    """The department's line asks to pass or return with an opinion; the 绩效股's to review and conclude."""
    unit = world.users["unit_user"]
    other = ProjectFactory(unit=world.school, name="一中新建操场")
    pa = services.preassessment_create(actor=unit, project=other, data=SECTIONS)
    services.preassessment_transition(actor=unit, assessment=pa, action="submit")
    lines = {i.title: i for i in todos.for_user(world.users["dept_admin"]) if i.stage == "事前绩效评估"}
    assert (lines["评估待主管部门审核"].count, lines["评估待主管部门审核"].hint) == (1, "审核后通过，或填写意见退回")
    _to_fin_review(world)
    perf = {i.title: i for i in todos.for_user(world.users["performance"]) if i.stage == "事前绩效评估"}
    assert (perf["评估待绩效股评审"].count, perf["评估待绩效股评审"].hint) == (1, "组织评审后作出评估结论")


def test_the_edit_page_shows_the_return_and_its_opinion(world: World) -> None:
    """The unit revises the filing where it types: the return's opinion is above the form, not only on the page."""
    pa = _to_fin_review(world)
    pa = services.preassessment_transition(
        actor=world.users["performance"], assessment=pa, action="perf_return", comment="测算依据不足，请补充报价"
    )
    client = world.login("unit_user")
    page = client.get(reverse("preassessment:edit", args=[pa.pk])).content.decode()
    assert 'data-testid="pa-returned"' in page and "测算依据不足，请补充报价" in page
    pa = services.preassessment_transition(actor=world.users["unit_user"], assessment=pa, action="submit")
    services.preassessment_transition(actor=world.users["unit_user"], assessment=pa, action="withdraw")
    page = client.get(reverse("preassessment:edit", args=[pa.pk])).content.decode()
    assert 'data-testid="pa-returned"' not in page  # a withdrawal is no return
