"""Issuing the case's official documents through jixiao.documents (整改通知书, 提醒敦促函, 约谈通知书).

Kept apart so the services read as the flow; the documents app renders the region's template, numbers the 文号 and
keeps recipients and read receipts.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from jixiao.core.word import official_date
from jixiao.rectification.models import Rectification, RectificationLetter

DOC_TYPES: dict[str, str] = {
    RectificationLetter.Kind.NOTICE: "RECTIFICATION_NOTICE",
    RectificationLetter.Kind.REMINDER: "REMINDER_LETTER",
    RectificationLetter.Kind.INTERVIEW: "INTERVIEW_SUMMONS",
}
TITLES: dict[str, str] = {
    RectificationLetter.Kind.NOTICE: "关于{subject}问题整改的通知",
    RectificationLetter.Kind.REMINDER: "关于督促{subject}限期完成整改的提醒敦促函",
    RectificationLetter.Kind.INTERVIEW: "关于{subject}整改不力的约谈通知书",
}


@dataclass(frozen=True)
class IssuedDocument:
    document_id: int | None
    doc_no: str
    title: str


# An escalation letter gives the unit a short new time limit (calendar days) to answer.
FOLLOWUP_DAYS = 5


def _context(rect: Rectification, kind: str, today: date) -> dict[str, str]:
    """Values for the documents app's placeholders (jixiao.documents.models.PLACEHOLDERS)."""
    addressee = str(rect.addressee)
    findings = "\n".join(f"{i}. {f.description}" for i, f in enumerate(rect.findings.filter(is_deleted=False), 1))
    findings = findings or rect.title
    deadline = official_date(rect.deadline) if rect.deadline else "另行通知"
    context = {
        "recipient": addressee,
        "subject": rect.title,
        "project": rect.project.name if rect.project_id else rect.title,  # type: ignore[union-attr]
        "department": rect.department.name,
        "unit": rect.unit.name if rect.unit_id else addressee,  # type: ignore[union-attr]
        "problems": findings,
        "requirements": rect.requirements or "按通知要求完成整改",
        "deadline": deadline,
        "year": str(rect.fiscal_year),
        "contact": "财政局预算绩效管理股室",
    }
    if kind == RectificationLetter.Kind.NOTICE:
        return context
    overdue_days = max((today - rect.deadline).days, 0) if rect.deadline else 0
    notice = rect.letters.filter(kind=RectificationLetter.Kind.NOTICE).values_list("doc_no", flat=True).first()
    overdue = (
        f"{rect.title}：我局{'以' + notice if notice else ''}下达整改通知，要求于{deadline}前完成整改，"
        f"你单位至今已逾期{overdue_days}天未反馈整改情况。"
    )
    followup = official_date(today + timedelta(days=FOLLOWUP_DAYS))
    if kind == RectificationLetter.Kind.REMINDER:
        context.update(problems=f"{overdue}\n存在的问题：\n{findings}", deadline=followup)
        context["requirements"] = "完成整改并通过预算绩效管理信息系统报送问题整改报告"
        return context
    reminder = rect.letters.filter(kind=RectificationLetter.Kind.REMINDER).values_list("doc_no", flat=True).first()
    context.update(
        summary=f"{overdue}经发提醒敦促函{'（' + reminder + '）' if reminder else ''}督促，仍未整改到位。",
        deadline=followup,
        time="收到本通知后5个工作日内（具体时间另行通知）",
        place="财政局会议室",
    )
    return context


def issue_document(*, actor: Any, rect: Rectification, kind: str, today: date) -> IssuedDocument:
    """Issue one document for the case via jixiao.documents and return its id and 文号."""
    from jixiao.documents.services import document_issue

    subject = rect.project.name if rect.project_id else rect.title  # type: ignore[union-attr]
    title = TITLES[kind].format(subject=subject)[:200]
    document = document_issue(
        actor=actor,
        doc_type=DOC_TYPES[kind],
        region=rect.region,
        recipients=[rect.addressee],
        context=_context(rect, kind, today),
        title=title,
        related=rect,
        feedback_deadline=rect.deadline if kind == RectificationLetter.Kind.NOTICE else None,
        fiscal_year=rect.fiscal_year,
    )
    return IssuedDocument(
        document_id=getattr(document, "pk", None), doc_no=str(getattr(document, "doc_no", "") or ""), title=title
    )


def render_letter(letter: RectificationLetter, actor: Any = None) -> bytes:
    """The letter as Word, rendered by the documents app. Downloading it is opening it: the viewer's organisation
    signs its receipt, as from 我收到的文书 (otherwise the unit's 待办 keeps asking it to sign what it has read)."""
    from jixiao.core.errors import NotFoundError
    from jixiao.documents.documents import render_docx
    from jixiao.documents.models import OfficialDocument
    from jixiao.documents.services import document_mark_read

    if letter.document_id is None:
        raise OfficialDocument.DoesNotExist
    document = OfficialDocument.objects.get(pk=letter.document_id)
    if actor is not None:
        # A viewer of the case who does not see the document signs nothing.
        with contextlib.suppress(NotFoundError):
            document_mark_read(actor=actor, document=document)
    return render_docx(document)


def answer_notice(*, actor: Any, rect: Rectification, text: str) -> None:
    """The unit's 整改反馈 also answers the 整改通知书 it was sent, so that the notice does not stay 待反馈 in
    我收到的文书 after the unit has answered the case: one obligation, answered once. Nothing happens when the
    responder is not an addressee, has answered already, or the document was closed."""
    from jixiao.core.errors import ConflictError
    from jixiao.documents.models import OfficialDocument
    from jixiao.documents.selectors import my_recipient_row
    from jixiao.documents.services import document_feedback

    letter = rect.letters.filter(kind=RectificationLetter.Kind.NOTICE).first()
    if letter is None or letter.document_id is None or not actor.can("documents.receive"):
        return
    document = OfficialDocument.objects.filter(pk=letter.document_id).first()
    row = my_recipient_row(actor, document) if document is not None else None
    if document is None or row is None or row.feedback_at is not None:
        return
    try:
        document_feedback(actor=actor, document=document, text=f"已在问题整改中提交整改反馈：{text}"[:8000])
    except ConflictError:  # the document was closed meanwhile: the case feedback stands on its own
        return
