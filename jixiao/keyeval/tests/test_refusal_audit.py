"""A refusal a view raises itself (no capability missing) is an audit event too (DeniedAccessAuditMiddleware,
SECURITY.md §1.4): keyeval's report download before the draft report."""

from __future__ import annotations

from conftest import World
from jixiao.core.models import AuditEvent
from jixiao.keyeval import services as keyeval_services
from jixiao.keyeval.models import EvalTemplate, KeyEvaluation


def test_a_refusal_raised_by_the_view_itself_is_audited_with_its_403(world: World) -> None:
    """keyeval's report download raises PermissionDenied itself before the draft report (no capability is missing)."""
    template = EvalTemplate.objects.get(kind="project_10", region__isnull=True, fiscal_year__isnull=True)
    ev = keyeval_services.evaluation_create(
        actor=world.users["performance"],
        data={
            "fiscal_year": 2026,
            "title": "一中教学设备购置",
            "kind": KeyEvaluation.Kind.FINANCE,
            "object_type": KeyEvaluation.ObjectType.PROJECT,
            "budget_book": KeyEvaluation.BudgetBook.GENERAL,
            "mode": KeyEvaluation.Mode.SELF_RUN,
            "template": template,
        },
        projects=[world.school_project],
    )
    assert world.login("budget").get(f"/keyeval/{ev.pk}/report.docx").status_code == 403
    event = AuditEvent.objects.get(event_type="authz.denied")
    assert event.reason == f"拒绝访问（403）：GET /keyeval/{ev.pk}/report.docx"
    assert event.actor_id == world.users["budget"].pk
