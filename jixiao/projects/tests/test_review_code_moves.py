"""A project's code is unique per region and year: an edit that moves the code into a year (or a region) where
another project holds it is refused in words (not Django's generic 包含 财政区划，年度 和 项目编码 的 项目 已经存在),
and a collision no check could see (saved meanwhile) is a 409 with nothing written, not an IntegrityError."""

from __future__ import annotations

import pytest

from conftest import World
from jixiao.core.errors import ConflictError, DomainError
from jixiao.projects import services
from jixiao.projects.models import Project
from jixiao.projects.tests.factories import ProjectFactory


def test_moving_a_project_to_a_year_where_its_code_is_taken_is_refused_not_a_crash(world: World) -> None:
    project = world.school_project
    ProjectFactory(unit=world.hospital, code=project.code, fiscal_year=2027, start_year=2027, end_year=2027)
    with pytest.raises(DomainError) as refused:
        services.project_update(
            actor=world.users["budget"], project=project, data={"fiscal_year": 2027, "end_year": 2027}
        )
    assert "2027年度已存在项目编码“P-SCHOOL”" in refused.value.message
    project.refresh_from_db()
    assert (project.fiscal_year, project.end_year) == (2026, 2026)


def test_the_api_answers_a_year_move_onto_a_taken_code_with_a_4xx(world: World) -> None:
    project = world.school_project
    ProjectFactory(unit=world.hospital, code=project.code, fiscal_year=2027, start_year=2027, end_year=2027)
    response = world.login("unit_user").patch(
        f"/api/v1/projects/{project.pk}/", {"fiscal_year": 2027, "end_year": 2027}, content_type="application/json"
    )
    assert response.status_code == 400 and "已存在项目编码" in response.content.decode()
    assert Project.objects.filter(code=project.code, fiscal_year=2026).exists()


def test_a_code_taken_between_the_check_and_the_save_is_a_conflict_with_nothing_written(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = world.school_project
    ProjectFactory(unit=world.hospital, code="P-TAKEN", fiscal_year=2026)
    real_filter = Project.objects.filter

    def blind_filter(*args: object, **kwargs: object) -> object:
        """The duplicate check sees nothing, as when the other project is saved right after it ran."""
        if kwargs.get("code") == "P-TAKEN":
            return real_filter(pk__in=[])
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Project.objects, "filter", blind_filter)
    monkeypatch.setattr(Project, "validate_constraints", lambda self, exclude=None: None)
    with pytest.raises(ConflictError):
        services.project_update(actor=world.users["budget"], project=project, data={"code": "P-TAKEN"})
    monkeypatch.undo()
    project.refresh_from_db()
    assert project.code == "P-SCHOOL" and project.version == 1
