"""A project cancelled (撤销项目) while its 事前评估 was in review: the filing went on to the 主管部门, the experts
and a conclusion for a project that no longer exists, and a draft filing of a cancelled project could be submitted."""

from __future__ import annotations

import pytest

from conftest import World
from jixiao.core.errors import DomainError
from jixiao.preassessment import services
from jixiao.preassessment.models import PreAssessment
from jixiao.preassessment.tests.factories import PreAssessmentFactory
from jixiao.projects.models import Project
from jixiao.projects.services import project_transition


def test_a_project_whose_assessment_is_in_review_cannot_be_cancelled(world: World) -> None:
    PreAssessmentFactory(project=world.school_project, status=PreAssessment.Status.SUBMITTED)
    response = world.login("unit_user").post(
        f"/projects/{world.school_project.pk}/transition/", {"action": "cancel", "comment": "不再实施"}
    )
    assert response.status_code == 400
    assert "该项目的事前绩效评估“待主管部门审核”" in response.content.decode()
    world.school_project.refresh_from_db()
    assert world.school_project.status == Project.Status.DRAFT


def test_a_draft_assessment_of_a_cancelled_project_cannot_be_submitted(world: World) -> None:
    pa = PreAssessmentFactory(project=world.school_project)
    project_transition(actor=world.users["unit_user"], project=world.school_project, action="cancel", comment="不做")
    with pytest.raises(DomainError, match="项目已撤销，不能提交事前绩效评估"):
        services.preassessment_transition(actor=world.users["unit_user"], assessment=pa, action="submit")
    pa.refresh_from_db()
    assert pa.status == PreAssessment.Status.DRAFT
