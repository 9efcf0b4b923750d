"""Issuing the case's official documents through jixiao.documents: the document the case is issued with (整改通知书,
绩效管理意见书 or 约谈通知书, chosen on 下达), and the sweep's 提醒敦促函 and 约谈通知书.

Kept apart so the services read as the flow; the documents app renders the region's template, numbers the 文号 and
keeps recipients and read receipts.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from jixiao.core.word import official_date
from jixiao.rectification.models import Rectification, RectificationLetter, issuing_letter

Kind = RectificationLetter.Kind

DOC_TYPES: dict[str, str] = {
    Kind.NOTICE: "RECTIFICATION_NOTICE",
    Kind.OPINION: "OPINION_LETTER",
    Kind.REMINDER: "REMINDER_LETTER",
    Kind.INTERVIEW: "INTERVIEW_SUMMONS",
}
# Titles of the issuing documents ({subject}: the project, else the case; {addressee}: the unit or department).
TITLES: dict[str, str] = {
    Kind.NOTICE: "关于{subject}问题整改的通知",
    Kind.OPINION: "关于{subject}的绩效管理意见书",
    Kind.INTERVIEW: "关于对{addressee}进行约谈的通知",
}
# Titles of the sweep's escalation documents.
ESCALATION_TITLES: dict[str, str] = {
    Kind.REMINDER: "关于督促{subject}限期完成整改的提醒敦促函",
    Kind.INTERVIEW: "关于{subject}整改不力的约谈通知书",
}


@dataclass(frozen=True)
class IssuedDocument:
    document_id: int | None
    doc_no: str
    title: str


@dataclass(frozen=True)
class Interview:
    """约谈时间 and 约谈地点 of a 约谈通知书 the case is issued with (the documents app's `time` and `place`)."""

    time: str
    place: str


# The 提醒敦促函's {consequence} for a case issued with a 约谈通知书 (it is not summoned twice): the measures on funds
# of DOMAIN.md §5.4 and §2.5 (暂缓拨款; 核减 in later years' budgets, as the 整改通知书 says).
SUMMONED_CONSEQUENCE = "我局将按规定采取暂缓拨付资金、在安排以后年度预算时予以核减等措施"

# An escalation letter gives the unit a short new time limit (calendar days) to answer.
FOLLOWUP_DAYS = 5


def _numbered(rect: Rectification) -> str:
    findings = "\n".join(f"{i}. {f.description}" for i, f in enumerate(rect.findings.filter(is_deleted=False), 1))
    return findings or rect.title


def _issued_with(rect: Rectification) -> str:
    """《绩效管理意见书》（渠财绩〔2026〕3号）: the case's issuing document, named by the letters that follow it."""
    letter = issuing_letter(rect)
    if letter is None:
        return ""
    return f"《{letter.get_kind_display()}》" + (f"（{letter.doc_no}）" if letter.doc_no else "")


def _context(rect: Rectification, kind: str, today: date, interview: Interview | None = None) -> dict[str, str]:
    """Values for the documents app's placeholders (jixiao.documents.models.PLACEHOLDERS). `interview` is given
    when the case is issued with a 约谈通知书; without it a 约谈通知书 is the sweep's escalation."""
    addressee = str(rect.addressee)
    findings = _numbered(rect)
    deadline = official_date(rect.deadline) if rect.deadline else "另行通知"
    requirements = rect.requirements or "按通知要求完成整改"
    context = {
        "recipient": addressee,
        "subject": rect.title,
        "project": rect.project.name if rect.project_id else rect.title,  # type: ignore[union-attr]
        "department": rect.department.name,
        "unit": rect.unit.name if rect.unit_id else addressee,  # type: ignore[union-attr]
        "problems": findings,
        "requirements": requirements,
        "deadline": deadline,
        "year": str(rect.fiscal_year),
        "contact": "财政局预算绩效管理股室",
    }
    if kind in (Kind.NOTICE, Kind.OPINION):
        return context
    if kind == Kind.INTERVIEW and interview is not None:
        context.update(
            summary=(
                f"我局在{rect.fiscal_year}年度预算绩效管理工作中发现，你单位存在较为严重的问题（见约谈事由）。"
                f"整改要求：{requirements.rstrip('。；;，,. ')}。请于{deadline}前完成整改，并通过预算绩效管理信息系统"
                "反馈整改情况。"
            ),
            time=interview.time,
            place=interview.place,
        )
        return context
    overdue_days = max((today - rect.deadline).days, 0) if rect.deadline else 0
    issued_with = _issued_with(rect)
    overdue = (
        f"{rect.title}：我局{'以' + issued_with if issued_with else ''}通知你单位于{deadline}前"
        f"完成整改并反馈，你单位至今已逾期{overdue_days}天未反馈整改情况。"
    )
    followup = official_date(today + timedelta(days=FOLLOWUP_DAYS))
    if kind == Kind.REMINDER:
        context.update(problems=f"{overdue}\n存在的问题：\n{findings}", deadline=followup)
        context["requirements"] = "完成整改并通过预算绩效管理信息系统报送问题整改报告"
        if rect.letters.filter(kind=Kind.INTERVIEW).exists():
            # Summoned already (issued with a 约谈通知书): the sweep sends no second one, so the letter does not
            # threaten it; without this the template's default says 约谈 (documents.models.PLACEHOLDER_DEFAULTS).
            context["consequence"] = SUMMONED_CONSEQUENCE
        return context
    reminder = rect.letters.filter(kind=Kind.REMINDER).values_list("doc_no", flat=True).first()
    context.update(
        summary=f"{overdue}经发提醒敦促函{'（' + reminder + '）' if reminder else ''}督促，仍未整改到位。",
        deadline=followup,
        time="收到本通知后5个工作日内（具体时间另行通知）",
        place="财政局会议室",
    )
    return context


def issue_document(
    *,
    actor: Any,
    rect: Rectification,
    kind: str,
    today: date,
    issuing: bool = False,
    interview: Interview | None = None,
) -> IssuedDocument:
    """Issue one document for the case via jixiao.documents and return its id and 文号. `issuing`: the document
    the case is issued with (it carries the case's deadline as its 反馈期限), else one of the sweep's."""
    from jixiao.documents.services import document_issue

    subject = rect.project.name if rect.project_id else rect.title  # type: ignore[union-attr]
    if kind == Kind.OPINION and not rect.project_id:
        subject = str(rect.addressee)
    pattern = TITLES[kind] if issuing else ESCALATION_TITLES[kind]
    title = pattern.format(subject=subject, addressee=rect.addressee)[:200]
    document = document_issue(
        actor=actor,
        doc_type=DOC_TYPES[kind],
        region=rect.region,
        recipients=[rect.addressee],
        context=_context(rect, kind, today, interview if issuing else None),
        title=title,
        related=rect,
        feedback_deadline=rect.deadline if issuing else None,
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


def answer_issuing_document(*, actor: Any, rect: Rectification, text: str) -> None:
    """The unit's 整改反馈 also answers the document the case was issued with (整改通知书, 绩效管理意见书 or
    约谈通知书) and the sweep's 提醒敦促函 that chased it (it asks for exactly that: the 问题整改报告 through the
    system), so that they do not stay 待反馈 in 我收到的文书 after the unit has answered the case: one obligation,
    answered once. The sweep's 约谈通知书 asks for a written statement at the 约谈 and is left to the unit. Nothing
    happens when the responder is not an addressee, has answered already, or the document was closed."""
    from jixiao.documents.services import feedback_from_elsewhere

    letter = issuing_letter(rect)
    answered = [letter] if letter is not None else []
    answered += [x for x in rect.letters.all() if x.kind == RectificationLetter.Kind.REMINDER]
    for row in answered:
        feedback_from_elsewhere(actor=actor, document_id=row.document_id, text=f"已在问题整改中提交整改反馈：{text}")
