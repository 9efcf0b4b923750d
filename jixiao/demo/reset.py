"""Removing the demo county (`seed_demo --reset`)."""

from __future__ import annotations

import contextlib

from django.db.models import ProtectedError, Q

from jixiao.accounts.demo_logins import DEMO_USERS
from jixiao.accounts.models import Membership, User
from jixiao.appraisals.models import AppraisalTask
from jixiao.bulletins.models import Bulletin
from jixiao.core import uploads
from jixiao.demo.experts import NEW_LOGINS
from jixiao.disclosure.models import Disclosure
from jixiao.documents.models import DocumentSeries, DocumentTemplate, OfficialDocument
from jixiao.evaluation.models import AuthenticityCheck, ReEvaluationBatch, SelfEvalTask
from jixiao.execution.models import Payment, PaymentImport, PaymentTotal
from jixiao.experts.models import Engagement, Expert, PanelDraw
from jixiao.inspections.models import Inspection
from jixiao.keyeval.models import KeyEvaluation
from jixiao.monitoring.models import MonitoringTask
from jixiao.organizations.models import BudgetUnit, Department, FinanceSection, FiscalRegion
from jixiao.preassessment.models import AssessmentPanelMember, PreAssessment
from jixiao.projects.models import JointReviewRule, Project
from jixiao.rectification.models import Rectification
from jixiao.regulations.models import Regulation
from jixiao.targets.models import PerformanceTarget, TargetCase
from jixiao.training.models import TrainingSession


class DemoDataError(Exception):
    """The demo data cannot be built or removed; the message is shown to the operator."""


def reset_demo(*, county_code: str, parent_codes: tuple[str, ...]) -> None:
    """Delete the demo county with everything in it and the demo logins. Audit events stay (append-only). The
    files of the evidence rows deleted with it (core.models.StoredFile) leave the disk once the reset commits."""
    usernames = [username for username, _ in DEMO_USERS] + list(NEW_LOGINS)
    county = FiscalRegion.objects.filter(mof_div_code=county_code).first()
    try:
        if county is None:
            User.objects.filter(username__in=usernames).delete()
        else:
            with uploads.stored_files_removed_with_rows():
                _delete_county(county, usernames, parent_codes)
    except ProtectedError as exc:
        raise DemoDataError(f"无法重置演示数据：仍有其他数据引用演示县（{exc.args[0]}）") from exc


def _delete_county(county: FiscalRegion, usernames: list[str], parent_codes: tuple[str, ...]) -> None:
    prefix = county.path
    in_county = (
        Q(region__path__startswith=prefix)
        | Q(section__region__path__startswith=prefix)
        | Q(department__region__path__startswith=prefix)
        | Q(unit__region__path__startswith=prefix)
    )
    memberships = Membership.objects.filter(in_county)
    elsewhere = Membership.objects.exclude(pk__in=memberships.values("pk")).values("user_id")
    only_here = Q(pk__in=memberships.values("user_id")) & ~Q(pk__in=elsewhere)
    # Accounts opened in the county that were never given a role (用户管理 → 新建用户 on the demo) go with it.
    opened_here = Q(home_region__path__startswith=prefix) & ~Q(pk__in=Membership.objects.values("user_id"))
    user_ids = list(
        User.objects.filter(Q(username__in=usernames) | only_here | opened_here).values_list("pk", flat=True)
    )
    Payment.objects.filter(region__path__startswith=prefix).delete()  # payments protect projects and units
    PaymentTotal.objects.filter(region__path__startswith=prefix).delete()  # derived from the payments
    PaymentImport.objects.filter(region__path__startswith=prefix).delete()
    Disclosure.objects.filter(region__path__startswith=prefix).delete()  # items protect regions and departments
    AppraisalTask.objects.filter(region__path__startswith=prefix).delete()  # appraisals protect departments, towns
    TrainingSession.objects.filter(region__path__startswith=prefix).delete()  # sessions protect the region
    Regulation.objects.filter(region__path__startswith=prefix).delete()  # rules protect the region
    Inspection.objects.filter(region__path__startswith=prefix).delete()  # checks protect departments and sections
    MonitoringTask.objects.filter(region__path__startswith=prefix).delete()  # records protect projects
    Rectification.objects.filter(region__path__startswith=prefix).delete()  # cases protect projects and units
    # Bulletins and documents protect the region; recipients protect departments and units; documents, series.
    Bulletin.objects.filter(region__path__startswith=prefix).delete()
    OfficialDocument.objects.filter(region__path__startswith=prefix).delete()
    DocumentSeries.objects.filter(region__path__startswith=prefix).delete()
    DocumentTemplate.objects.filter(region__path__startswith=prefix).delete()
    ReEvaluationBatch.objects.filter(region__path__startswith=prefix).delete()  # samples protect self-evaluations
    AuthenticityCheck.objects.filter(region__path__startswith=prefix).delete()
    SelfEvalTask.objects.filter(region__path__startswith=prefix).delete()  # self-evaluations protect targets
    # Key evaluations: scorers protect users, evaluations protect engagements; engagements protect agencies.
    KeyEvaluation.objects.filter(region__path__startswith=prefix).delete()
    Engagement.objects.filter(region__path__startswith=prefix).delete()
    # Targets first: panel assignments protect their experts' accounts.
    TargetCase.objects.filter(region__path__startswith=prefix).delete()  # cases protect the region
    PerformanceTarget.objects.filter(region__path__startswith=prefix).delete()
    # Pre-assessments protect their projects and agency (their panels, events and attachments go with them).
    PreAssessment.objects.filter(region__path__startswith=prefix).delete()
    # Expert panels next: panel rows protect the experts and draws, draws protect the avoided departments.
    AssessmentPanelMember.objects.filter(expert__region__path__startswith=prefix).delete()
    Expert.objects.filter(region__path__startswith=prefix).delete()
    PanelDraw.objects.filter(region__path__startswith=prefix).delete()
    memberships.delete()
    User.objects.filter(pk__in=user_ids).delete()
    Project.objects.filter(region__path__startswith=prefix).delete()
    for level in (3, 2, 1):
        BudgetUnit.objects.filter(region__path__startswith=prefix, level=level).delete()
    JointReviewRule.objects.filter(region__path__startswith=prefix).delete()  # rules protect departments
    Department.objects.filter(region__path__startswith=prefix).delete()
    FinanceSection.objects.filter(region__path__startswith=prefix).delete()
    # Longest paths first: children go before their parents (PROTECT on parent).
    for region in sorted(FiscalRegion.objects.filter(path__startswith=prefix), key=lambda r: -len(r.path)):
        region.delete()
    for code in parent_codes:
        parent = FiscalRegion.objects.filter(mof_div_code=code).first()
        if parent is not None and not parent.children.exists():
            with contextlib.suppress(ProtectedError):  # used by something else: not ours to remove
                parent.delete()
