from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from jixiao.preassessment.models import PreAssessment
from jixiao.projects.tests.factories import ProjectFactory


class PreAssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PreAssessment

    project = factory.SubFactory(ProjectFactory)
    fiscal_year = factory.LazyAttribute(lambda o: o.project.fiscal_year)
    region = factory.LazyAttribute(lambda o: o.project.region)
    department = factory.LazyAttribute(lambda o: o.project.department)
    unit = factory.LazyAttribute(lambda o: o.project.unit)
    requested_amount_yuan = factory.LazyAttribute(lambda o: o.project.fiscal_amount_yuan)
    basic_situation = "项目背景、内容和资金情况"
    necessity = "符合县委县政府部署，与部门职能相关"
    economy = "按定额标准测算，节约"
    target_reasonableness = "目标明确、细化量化"
    implementation_feasibility = "实施方案完整，进度可行"
    funding_compliance = "资金来源合规"

    class Params:
        fin_review = factory.Trait(
            status=PreAssessment.Status.FIN_REVIEW, submitted_at=factory.LazyFunction(timezone.now)
        )


def concluded(project, conclusion: str, supported: str | None, requested: str | None = None) -> PreAssessment:  # type: ignore[no-untyped-def]
    requested_yuan = Decimal(requested) if requested is not None else project.fiscal_amount_yuan
    supported_yuan = Decimal(supported) if supported is not None else Decimal(0)
    return PreAssessmentFactory(
        project=project,
        requested_amount_yuan=requested_yuan,
        status=PreAssessment.Status.CONCLUDED,
        submitted_at=timezone.now(),
        conclusion=conclusion,
        supported_amount_yuan=supported_yuan,
        reduction_amount_yuan=requested_yuan - supported_yuan,
        concluded_at=timezone.now(),
    )
