"""Demo 联合审核 (seed 003 平利 S08/S61: 巩固衔接资金项目联合审核机制): the county names the xczx login's department
(县乡村振兴服务中心, its 巩固衔接办) the joint reviewer of 衔接资金项目. Two of the year's 衔接资金项目 not yet in the
library come to the joint step: the first has xczx's 同意 and waits for the 业务股室's 入库, the second waits in xczx's
待办. Deterministic and drawing from no random stream, so the other seeders' rows stay as they were."""

from __future__ import annotations

from jixiao.accounts.models import Membership, User
from jixiao.demo import names
from jixiao.organizations.models import FiscalRegion
from jixiao.projects import services
from jixiao.projects.models import FundTheme, JointReviewOpinion, JointReviewRule, Project, ProjectEvent, ProjectStatus

S = ProjectStatus
# (action, target, comment) from a draft or returned project to 待业务股室审核
STEPS = (("submit", S.SUBMITTED, ""), ("dept_approve", S.DEPT_APPROVED, "同意，报业务股室审核。"))
AGREED = "项目符合巩固衔接资金项目库管理要求，带贫益农机制明确，同意入库。"


def seed_joint_review(county: FiscalRegion, year: int) -> None:
    reviewer = User.objects.filter(username="xczx").first()
    membership = Membership.objects.filter(user=reviewer, is_active=True, department__isnull=False).first()
    if reviewer is None or membership is None or membership.department_id is None:
        return
    reviewer.set_active_membership(membership)
    JointReviewRule.objects.create(region=county, theme=FundTheme.RURAL_LINK, department_id=membership.department_id)
    waiting = (
        Project.objects.filter(region=county, fiscal_year=year, is_rural_link=True, is_deleted=False)
        .filter(status__in=[S.DRAFT, S.RETURNED])
        .exclude(unit__name__in=list(names.ANCHOR_STATUSES))
        .order_by("code")[:2]
    )
    for index, project in enumerate(waiting):
        source = project.status
        for action, target, comment in STEPS:
            ProjectEvent.objects.create(
                project=project, action=action, from_status=source, to_status=target, comment=comment
            )
            source = target
        project.status = S.DEPT_APPROVED
        project.save(update_fields=["status", "updated_at"])
        if index == 0:
            services.joint_review_opinion(
                actor=reviewer, project_id=project.pk, verdict=JointReviewOpinion.Verdict.AGREE, comment=AGREED
            )
