"""The 提醒敦促函 of an escalated 预警处置 case, drafted through jixiao.documents.

Kept apart so the escalation in `services` reads as the flow. The documents app renders the region's REMINDER_LETTER
template, and the 绩效股 reviews and issues the draft in 文书管理 (the 文号 is taken then); the addressed unit
then finds it in 我收到的文书 and answers it there by the feedback deadline. The placeholders are those of the
rectification stage's 提醒敦促函 (jixiao.rectification.letters): recipient, subject, project, unit, problems,
requirements, deadline.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from jixiao.alerts.models import (
    ANSWERABLE_STATES,
    LETTER_ACTIONS,
    CaseStatus,
    OnTimeout,
    Option,
    ReminderLetter,
    WarningCase,
)
from jixiao.core.errors import DomainError
from jixiao.core.word import official_date
from jixiao.documents.models import DocType
from jixiao.documents.services import document_draft, feedback_from_elsewhere

CONTACT = "财政局预算绩效管理股室"
logger = logging.getLogger(__name__)


def _case_lines(case: WarningCase, today: date) -> list[str]:
    """One case's warning (rule, indicator, light) and what was late."""
    rule = case.rule
    overdue_days = max((today - case.due_date).days, 0)
    lines = [
        f"预警规则：{rule.name}；预警指标：{rule.get_metric_display()}；"
        f"预警灯：红灯，{case.reason or '指标值超出红灯标准'}；",
        f"{official_date(case.opened_on)}下达红灯预警处置，要求于{official_date(case.due_date)}前说明预警原因并提出"
        f"处置建议，截至{official_date(today)}已逾期{overdue_days}天仍未报送。",
    ]
    if rule.on_timeout == OnTimeout.SUSPEND_PAYMENT:
        lines.append("根据预警规则，该项目已暂停拨付。")
    return lines


def _projects(cases: list[WarningCase]) -> list[Any]:
    """The cases' projects, each once, in the cases' order."""
    seen: dict[int, Any] = {}
    for case in cases:
        seen.setdefault(case.project_id, case.project)
    return list(seen.values())


def _problems(cases: list[WarningCase], today: date) -> str:
    """The cases of one unit, one numbered block per case (a single case: its points numbered)."""
    if len(cases) == 1:
        case = cases[0]
        project = case.project
        head = f"{project.name}（项目编码{project.code}）在{case.fiscal_year}年度预算绩效运行监控中触发红灯预警："
        return "\n".join([head, *(f"{i}. {line}" for i, line in enumerate(_case_lines(case, today), 1))])
    head = f"你单位以下项目在{cases[0].fiscal_year}年度预算绩效运行监控中触发红灯预警，逾期未报送处置说明："
    blocks = [
        f"{i}. {case.project.name}（项目编码{case.project.code}）：" + "".join(_case_lines(case, today))
        for i, case in enumerate(cases, 1)
    ]
    return "\n".join([head, *blocks])


def _requirements(cases: list[WarningCase]) -> str:
    offered: list[str] = []
    for case in cases:
        for value, label in Option.choices:
            if value in (case.rule.disposition_options or []) and str(label) not in offered:
                offered.append(str(label))
    options = f"（{'、'.join(offered)}）" if offered else ""
    what = "逐项" if len(cases) > 1 else ""
    return f"通过预算绩效管理信息系统{what}说明红灯预警原因并提出处置建议{options}"


def reminder_context(cases: list[WarningCase], today: date, deadline: date) -> dict[str, str]:
    """Values for the documents app's placeholders (jixiao.documents.models.PLACEHOLDERS)."""
    projects = _projects(cases)
    project = projects[0]
    subject = f"{project.name}预警处置逾期" if len(projects) == 1 else f"{len(projects)}个项目预警处置逾期"
    return {
        "recipient": project.unit.name,
        "subject": subject,
        "project": "、".join(item.name for item in projects)[:500],
        "department": project.department.name,
        "unit": project.unit.name,
        "problems": _problems(cases, today),
        "requirements": _requirements(cases),
        "deadline": official_date(deadline),
        "year": str(cases[0].fiscal_year),
        "contact": CONTACT,
    }


def _title(cases: list[WarningCase]) -> str:
    projects = _projects(cases)
    if len(projects) == 1:
        return f"关于{projects[0].name}预警处置逾期的提醒敦促函"[:200]
    return f"关于督促{projects[0].unit.name}{len(projects)}个项目预警处置逾期的提醒敦促函"[:200]


def reminder_draft(*, cases: list[WarningCase], today: date, feedback_days: int) -> list[ReminderLetter]:
    """One REMINDER_LETTER draft for escalated cases of one unit, addressed to it and answerable within
    `feedback_days` calendar days of `today` (the day of escalation); each case gets its letter row pointing at the
    shared document. Runs inside the caller's transaction, as the system (`actor=None`)."""
    first = cases[0]
    deadline = today + timedelta(days=feedback_days)
    title = _title(cases)
    try:
        document = document_draft(
            actor=None,
            doc_type=DocType.REMINDER_LETTER,
            region=first.project.region,
            recipients=[first.project.unit],
            context=reminder_context(cases, today, deadline),
            title=title,
            related=first,
            feedback_deadline=deadline,
            fiscal_year=first.fiscal_year,
        )
    except DomainError as exc:
        # The escalation runs when a list page is opened: a letter that cannot be drafted (the project's unit outside
        # the project's region) must not stop it. The cases are escalated with placeholders the 绩效股 sees on the
        # case page, and it drafts the letter by hand in 文书管理.
        logger.warning("提醒敦促函未能起草（预警处置%s）：%s", ",".join(str(c.pk) for c in cases), exc.message)
        document = None
    return [
        ReminderLetter.objects.create(
            project=case.project,
            fiscal_year=case.fiscal_year,
            case=case,
            title=title if document is not None else f"关于{case.project.name}预警处置逾期的提醒敦促函"[:200],
            status=ReminderLetter.Status.DRAFTED if document is not None else ReminderLetter.Status.PENDING,
            document_id=document.pk if document is not None else None,
            feedback_deadline=deadline,
        )
        for case in cases
    ]


def missing(region: Any | None) -> Any:
    """Escalated cases of `region` and the regions under it (all, for None) whose rule sends a 提醒敦促函 and that
    have no letter row yet (drafted, or a placeholder that could not be drafted)."""
    pending = WarningCase.objects.filter(
        status=CaseStatus.OVERDUE, rule__on_timeout__in=LETTER_ACTIONS, letters__isnull=True
    )
    if region is not None:
        pending = pending.filter(project__region__path__startswith=region.path)
    return pending


def draft_missing(*, today: date, region: Any | None, feedback_days: Callable[[Any, int], int]) -> int:
    """The letters of escalated cases that have none (their rule sends one on timeout): ONE letter per unit and
    year covering all its cases, so a unit late on several projects gets one 提醒敦促函, not one per project, and
    the 绩效股 issues one document per unit. `feedback_days(region, year)` is the setting in force. Idempotent: a
    case with a letter row is never drafted again (the rows are written with the document, under the cases' lock).
    Returns the number of documents drafted."""
    pending = missing(region)
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    rows = pending.order_by("pk").values_list("pk", "project__unit_id", "project__region_id", "fiscal_year")
    for pk, unit_id, region_id, year in rows:
        groups[(unit_id, region_id, year)].append(pk)
    drafted = 0
    for pks in groups.values():
        with transaction.atomic():
            cases = list(
                WarningCase.objects.select_for_update(of=("self",))
                .filter(pk__in=pks, status=CaseStatus.OVERDUE, letters__isnull=True)
                .select_related("project__region", "project__unit", "project__department", "rule")
                .order_by("pk")
            )
            if not cases:  # drafted meanwhile by another request
                continue
            letters = reminder_draft(
                cases=cases, today=today, feedback_days=feedback_days(cases[0].project.region, cases[0].fiscal_year)
            )
            drafted += letters[0].document_id is not None
    return drafted


def reminder_answer(*, actor: Any, case: WarningCase, text: str) -> None:
    """The unit's 说明 on the case also answers the issued 提醒敦促函 it was sent, so that the letter does not stay
    待反馈 in 我收到的文书 after the unit has done what it asks: one obligation, answered once (as the rectification
    stage's `answer_notice`). A letter covering several cases is answered with the last of them. Nothing happens
    when there is no issued letter, the responder is not its addressee (a 主管部门 answering for its unit), the
    addressee has answered already or the document was closed."""
    letter = ReminderLetter.objects.filter(case=case, document_id__isnull=False).first()
    if letter is None:
        return
    covered = ReminderLetter.objects.filter(document_id=letter.document_id)
    if covered.exclude(case=case).filter(case__status__in=ANSWERABLE_STATES).exists():
        return  # the letter's other projects still wait for their 说明
    if covered.count() > 1:
        text = f"{covered.count()}项预警均已说明，最后一项：{text}"
    feedback_from_elsewhere(
        actor=actor, document_id=letter.document_id, text=f"已在预警处置中说明原因并提出处置建议：{text}"
    )
