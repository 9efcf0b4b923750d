"""An in-library project's 财政拨款 is not edited back above the amount its 事前绩效评估 supported (核减后支持)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import World
from jixiao.core.errors import DomainError
from jixiao.preassessment.models import Conclusion
from jixiao.preassessment.tests.factories import concluded
from jixiao.projects import services
from jixiao.projects.models import Project

pytestmark = pytest.mark.django_db


def test_an_in_library_project_stays_within_its_supported_amount(world: World) -> None:
    project = world.school_project
    concluded(project, Conclusion.SUPPORT_REDUCED, "300000", requested="500000")
    Project.objects.filter(pk=project.pk).update(status=Project.Status.IN_LIBRARY, fiscal_amount_yuan=Decimal(300000))
    project.refresh_from_db()
    budget = world.users["budget"]
    with pytest.raises(DomainError, match=r"支持金额为30\.00万元"):
        services.project_update(actor=budget, project=project, data={"fiscal_amount_yuan": Decimal(400000)})
    project.refresh_from_db()
    assert project.fiscal_amount_yuan == Decimal(300000)
    lower = services.project_update(actor=budget, project=project, data={"fiscal_amount_yuan": Decimal(250000)})
    assert lower.fiscal_amount_yuan == Decimal(250000)
    renamed = services.project_update(actor=budget, project=lower, data={"name": "一中教学设备购置（调整）"})
    assert renamed.name.endswith("（调整）")
    # A draft is not gated here: its 入库 is (the library gate checks the same amount).
    Project.objects.filter(pk=project.pk).update(status=Project.Status.DRAFT)
    project.refresh_from_db()
    assert services.project_update(
        actor=budget, project=project, data={"fiscal_amount_yuan": Decimal(400000)}
    ).fiscal_amount_yuan == Decimal(400000)
