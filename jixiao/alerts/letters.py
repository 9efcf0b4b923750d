"""The 提醒敦促函 of an escalated 预警处置 case, drafted through jixiao.documents.

Kept apart so the escalation in `services` reads as the flow. The documents app renders the region's REMINDER_LETTER
template, and the 绩效股 reviews and issues the draft in 文书管理 (the 文号 is taken then); the addressed unit
then finds it in 我收到的文书 and answers it there by the feedback deadline. The placeholders are those of the
rectification stage's 提醒敦促函 (jixiao.rectification.letters): recipient, subject, project, unit, problems,
requirements, deadline.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from jixiao.alerts.models import OnTimeout, Option, ReminderLetter, WarningCase
from jixiao.core.errors import ConflictError, DomainError, NotFoundError
from jixiao.core.word import official_date
from jixiao.documents.models import DocType, OfficialDocument
from jixiao.documents.selectors import my_recipient_row
from jixiao.documents.services import document_draft, document_feedback

CONTACT = "财政局预算绩效管理股室"
logger = logging.getLogger(__name__)


def _problems(case: WarningCase, today: date) -> str:
    """The warning (rule, indicator, light) and what was late, point by point."""
    project, rule = case.project, case.rule
    overdue_days = max((today - case.due_date).days, 0)
    lines = [
        f"{project.name}（项目编码{project.code}）在{case.fiscal_year}年度预算绩效运行监控中触发红灯预警：",
        f"1. 预警规则：{rule.name}（{rule.code}）；",
        f"2. 预警指标：{rule.get_metric_display()}；",
        f"3. 预警灯：红灯，{case.reason or '指标值超出红灯标准'}；",
        f"4. 逾期情况：{official_date(case.opened_on)}下达红灯预警处置，要求你单位于{official_date(case.due_date)}前"
        f"说明预警原因并提出处置建议，截至{official_date(today)}已逾期{overdue_days}天仍未报送。",
    ]
    if rule.on_timeout == OnTimeout.SUSPEND_PAYMENT:
        lines.append("根据预警规则，该项目已暂停拨付。")
    return "\n".join(lines)


def _requirements(case: WarningCase) -> str:
    options = [str(label) for value, label in Option.choices if value in (case.rule.disposition_options or [])]
    offered = f"（{'、'.join(options)}）" if options else ""
    return f"通过预算绩效管理信息系统说明红灯预警原因并提出处置建议{offered}"


def reminder_context(case: WarningCase, today: date, deadline: date) -> dict[str, str]:
    """Values for the documents app's placeholders (jixiao.documents.models.PLACEHOLDERS)."""
    project = case.project
    return {
        "recipient": project.unit.name,
        "subject": f"{project.name}预警处置逾期",
        "project": project.name,
        "department": project.department.name,
        "unit": project.unit.name,
        "problems": _problems(case, today),
        "requirements": _requirements(case),
        "deadline": official_date(deadline),
        "year": str(case.fiscal_year),
        "contact": CONTACT,
    }


def reminder_draft(*, case: WarningCase, today: date, feedback_days: int) -> ReminderLetter:
    """The case's letter: a REMINDER_LETTER draft addressed to the project's unit, answerable within
    `feedback_days` calendar days of `today` (the day of escalation). One per case: an existing letter is returned
    as it is. Runs inside the caller's transaction, as the system (`actor=None`)."""
    existing = ReminderLetter.objects.filter(case=case).first()
    if existing is not None:
        return existing
    deadline = today + timedelta(days=feedback_days)
    try:
        document = document_draft(
            actor=None,
            doc_type=DocType.REMINDER_LETTER,
            region=case.project.region,
            recipients=[case.project.unit],
            context=reminder_context(case, today, deadline),
            related=case,
            feedback_deadline=deadline,
            fiscal_year=case.fiscal_year,
        )
    except DomainError as exc:
        # The escalation runs when a list page is opened: a letter that cannot be drafted (the project's unit outside
        # the project's region) must not stop it. The case is escalated with a placeholder the 绩效股 sees on the
        # case page, and drafts the letter by hand in 文书管理.
        logger.warning("提醒敦促函未能起草（预警处置%s）：%s", case.pk, exc.message)
        return ReminderLetter.objects.create(
            project=case.project,
            fiscal_year=case.fiscal_year,
            case=case,
            title=f"关于{case.project.name}预警处置逾期的提醒敦促函"[:200],
            feedback_deadline=deadline,
        )
    return ReminderLetter.objects.create(
        project=case.project,
        fiscal_year=case.fiscal_year,
        case=case,
        title=document.title[:200],
        status=ReminderLetter.Status.DRAFTED,
        document_id=document.pk,
        feedback_deadline=deadline,
    )


def reminder_answer(*, actor: Any, case: WarningCase, text: str) -> None:
    """The unit's 说明 on the case also answers the issued 提醒敦促函 it was sent, so that the letter does not stay
    待反馈 in 我收到的文书 after the unit has done what it asks: one obligation, answered once (as the rectification
    stage's `answer_notice`). Nothing happens when there is no issued letter, the responder is not its addressee
    (a 主管部门 answering for its unit), the addressee has answered already or the document was closed."""
    letter = ReminderLetter.objects.filter(case=case, document_id__isnull=False).first()
    if letter is None or not actor.can("documents.receive"):
        return
    document = OfficialDocument.objects.filter(pk=letter.document_id).first()
    row = my_recipient_row(actor, document) if document is not None else None
    if document is None or row is None or row.feedback_at is not None:
        return
    try:
        document_feedback(actor=actor, document=document, text=f"已在预警处置中说明原因并提出处置建议：{text}"[:8000])
    except (ConflictError, NotFoundError):  # closed or out of reach meanwhile: the case answer stands on its own
        return
