"""新增项目 as a 预算单位: its own unit comes chosen, and an empty 项目编码 is numbered 年度-部门编码-序号."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import World
from jixiao.core.errors import ConflictError
from jixiao.projects import services
from jixiao.projects.models import Project
from jixiao.projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def _post(world: World, **changes: object) -> dict[str, object]:
    return {
        "fiscal_year": 2026, "code": "", "name": "校园安防设施改造", "unit": world.school.pk, "category": "specific",
        "is_new": "on", "budget_book": "general", "fiscal_amount_yuan": "12", "start_year": 2026, "end_year": 2026,
        "tier": "B",
    } | changes  # fmt: skip


def test_the_unit_user_finds_its_own_unit_chosen(world: World) -> None:
    form = world.login("unit_user").get("/projects/new/").context["form"]
    assert form["unit"].value() == world.school.pk
    assert "留空则按“年度-部门编码-序号”自动编号" in form["code"].help_text
    assert world.login("budget").get("/projects/new/").context["form"]["unit"].value() is None  # the bureau picks


def test_an_empty_code_is_numbered_after_the_departments_highest(world: World) -> None:
    ProjectFactory(unit=world.school, fiscal_year=2026, code="2026-101-0007")
    ProjectFactory(unit=world.school, fiscal_year=2026, code="2026-101-X")  # not a serial: ignored
    ProjectFactory(unit=world.hospital, fiscal_year=2026, code="2026-102-0040")  # another department's series
    client = world.login("unit_user")
    assert client.post("/projects/new/", _post(world)).status_code == 302
    assert client.post("/projects/new/", _post(world, name="校园绿化")).status_code == 302
    codes = dict(Project.objects.filter(name__in=["校园安防设施改造", "校园绿化"]).values_list("name", "code"))
    assert codes == {"校园安防设施改造": "2026-101-0008", "校园绿化": "2026-101-0009"}
    typed = client.post("/projects/new/", _post(world, code="JX-1", name="图书购置"))
    assert typed.status_code == 302 and Project.objects.filter(code="JX-1").exists()  # a typed code is kept


def test_a_code_taken_at_the_same_moment_is_a_conflict_not_an_error_page(world: World, monkeypatch: object) -> None:
    """Two units of one department saving at once compute the same next code; the second save is refused in Chinese
    and nothing of it is written (the constraint decides, not the check before it)."""
    ProjectFactory(unit=world.school, fiscal_year=2026, code="2026-101-0001")
    # Both checks before the save ran while the other save was not yet committed: neither sees the code.
    monkeypatch.setattr(services.Project.objects, "filter", _blind(services.Project.objects.filter))  # type: ignore[attr-defined]
    monkeypatch.setattr(services, "_full_clean", lambda project: None)  # type: ignore[attr-defined]
    data = {**_post(world), "unit": world.school, "fiscal_amount_yuan": 120000, "is_new": True, "code": "2026-101-0001"}
    data |= {"carryover_amount_yuan": 0, "other_amount_yuan": 0}
    with pytest.raises(ConflictError, match="已存在项目编码“2026-101-0001”，请重新保存"):
        services.project_create(actor=world.users["unit_user"], data=data)
    monkeypatch.undo()  # type: ignore[attr-defined]
    assert Project.objects.filter(code="2026-101-0001").count() == 1


def _blind(real: object) -> object:
    """`Project.objects.filter` whose existence check sees nothing: the state of a save racing another one."""

    class Empty:
        def exists(self) -> bool:
            return False

    def filter(*args: object, **kwargs: object) -> object:
        if "code" in kwargs:
            return Empty()
        return real(*args, **kwargs)  # type: ignore[operator]

    return filter


def test_the_unit_is_chosen_by_search_not_a_list_of_every_unit(world: World) -> None:
    """A county has ~400 预算单位: 新增项目 listed every one in a <select> for 预算股/绩效股; it is a search box now, a
    unit user's own unit still comes chosen by name, a foreign unit is refused at the box, an edit shows the unit."""
    client = world.login("budget")
    page = client.get(reverse("projects:create")).content.decode()
    assert '<select name="unit"' not in page and "<option" not in page.split('name="unit"', 1)[1].split("</div>")[0]
    assert f'data-jx-autocomplete="{reverse("organizations:unit_autocomplete")}"' in page
    own = world.login("unit_user").get(reverse("projects:create")).content.decode()
    assert f'name="unit" value="{world.school.pk}"' in own and f'value="{world.school.name}"' in own
    refused = client.post(reverse("projects:create"), _post(world, unit=world.far_unit.pk, name="外县单位项目"))
    assert refused.status_code == 400 and not Project.objects.filter(name="外县单位项目").exists()
    assert client.post(reverse("projects:create"), _post(world, unit=world.hospital.pk)).status_code == 302
    project = Project.objects.get(name="校园安防设施改造")
    assert project.unit == world.hospital
    edit = client.get(reverse("projects:edit", args=[project.pk])).content.decode()
    assert f'name="unit" value="{world.hospital.pk}"' in edit and f'value="{world.hospital.name}"' in edit


def test_a_double_click_on_save_makes_one_project(world: World) -> None:
    """保存 clicked twice numbered two identical projects (…-0001 and …-0002). The form's one-time token: the second
    POST writes nothing and opens the project the first saved."""
    client = world.login("unit_user")
    page = client.get("/projects/new/").content.decode()
    token = page.split('name="submit_token" value="')[1].split('"')[0]
    first = client.post("/projects/new/", {**_post(world), "submit_token": token})
    second = client.post("/projects/new/", {**_post(world), "submit_token": token})
    project = Project.objects.get(name="校园安防设施改造")
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == reverse("projects:detail", args=[project.pk])
