"""Demo 单位自评: the year's self-evaluation of the demo county, started by the performance section from the approved
targets. 县教育局's records are filled (a few with overclaimed scores, so the discrepancy flags show), given their
佐证资料 (a small PDF tied to a core indicator, a satisfaction survey workbook, a summary) and moved through the review
chain; one is returned; the rest wait to be filled, their flags listing what is missing. 教科文股 then draws a
真实性核查 of the finance-reviewed projects, so its page shows each core indicator beside its evidence, and the 绩效股
runs an upper-level one whose 印证资料 县教育局 has uploaded, one passed, one returned, one waiting for review.

The demo only has current-year targets, so the round is for `year` (the current year) rather than the previous one.
"""

from __future__ import annotations

import io
import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

import openpyxl
from django.core.files.base import ContentFile
from django.utils import timezone

from jixiao.accounts.models import User
from jixiao.core.errors import DomainError
from jixiao.demo.pdf import demo_pdf
from jixiao.evaluation import services, services_evidence, services_reeval, services_upper
from jixiao.evaluation.models import SelfEvalIndicator, SelfEvaluation
from jixiao.evaluation.scoring.rules import GROUP_OF_LV1, grade
from jixiao.evaluation.selectors import records_visible, scoring_config
from jixiao.indicators.valueparse import Kind, Op, format_number, parse_value

DEPARTMENT = "县教育局"
# How far each processed record goes after filling (number of records, actions, overclaimed?).
PLAN: list[tuple[int, list[tuple[str, str]], bool]] = [
    (
        2,
        [("unit", "submit"), ("dept", "dept_approve"), ("section", "section_approve"), ("perf", "final_approve")],
        False,
    ),
    (1, [("unit", "submit"), ("dept", "dept_approve"), ("section", "section_approve")], True),
    (2, [("unit", "submit"), ("dept", "dept_approve")], False),
    (2, [("unit", "submit")], True),
    (2, [], True),
]
OPINIONS = ["同意", "审核通过", "自评情况属实"]
EXPLANATION = "部分指标填报得分高于系统计算得分：实际完成量按验收单统计，相关佐证材料已上传，请审核。"
RETURN_OPINION = "满意度调查样本量不足，请补充问卷统计表后重新提交"
GOAL_ACTUAL = "年度总体目标基本完成，项目效益逐步显现。"
UPPER_NOTE = "已按核心指标上传验收单、支付凭证和项目合同"
UPPER_RETURN = "缺少设备入库单，请补充后重新提交"
UPPER_APPROVED = "资料齐全，与填报完成值一致"


def _users() -> dict[str, User | None]:
    names = {"perf": "jxg", "section": "jkw", "dept": "edu_admin", "unit": "edu_unit"}
    found = {u.username: u for u in User.objects.filter(username__in=names.values())}
    return {key: found.get(username) for key, username in names.items()}


def seed_selfevaluations(rng: random.Random, county: Any, year: int) -> int:
    """Start the demo round and walk part of 县教育局's records through the review chain. Returns the record count."""
    users = _users()
    perf, dept = users["perf"], users["dept"]
    if perf is None or dept is None or users["section"] is None:
        return 0
    try:
        task = services.task_start(actor=perf, fiscal_year=year, deadline=date(year + 1, 3, 31))
    except DomainError:
        return 0
    records = list(
        SelfEvaluation.objects.filter(task=task, department__name=DEPARTMENT, subject=SelfEvaluation.Subject.PROJECT)
        .select_related("region", "department", "unit")
        .order_by("unit__agency_code", "id")
    )
    unit_user = users["unit"]
    own = set(records_visible(unit_user).filter(task=task).values_list("pk", flat=True)) if unit_user else set()
    returned = next((r for r in records if r.pk in own), None)
    processing = [r for r in records if r.pk not in own and _fits(r)]
    for size, actions, overclaim in PLAN:
        for record in processing[:size]:
            filled = _fill(rng, dept, record, overclaim)
            _attach_evidence(dept, filled)
            _walk(rng, {**users, "unit": dept}, filled, actions)
        processing = processing[size:]
    if returned is not None and unit_user is not None and _fits(returned):
        record = _fill(rng, unit_user, returned, overclaim=False)
        _attach_evidence(unit_user, record)
        record = services.selfeval_transition(actor=unit_user, record=record, action="submit", comment=EXPLANATION)
        services.selfeval_transition(actor=dept, record=record, action="dept_return", comment=RETURN_OPINION)
    _seed_reevaluation(perf, year)
    _seed_authenticity(users["section"], year)
    _seed_upper_check(perf, dept, year)
    return task.records.count()


@cache
def _survey_xlsx() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "满意度调查统计"
    for line in (
        ["调查对象", "发放问卷（份）", "回收问卷（份）", "满意及基本满意（份）", "满意度"],
        ["师生", 200, 192, 181, "94.27%"],
        ["家长", 100, 95, 88, "92.63%"],
    ):
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _attach_evidence(actor: User, record: SelfEvaluation) -> None:
    """A 验收资料 PDF tied to the first core indicator (the first row if none is core), a survey workbook tied to a
    satisfaction row, a summary tied to none: what the 真实性核查 checks the actuals against."""
    rows = list(record.indicators.select_related("indicator").order_by("seq", "id"))
    if not rows:
        return
    core = next((r for r in rows if r.indicator is not None and r.indicator.is_core), rows[0])
    add = services_evidence.selfeval_evidence_add
    code = record.project.code if record.project is not None else record.department.dept_code
    pdf = demo_pdf(f"Jixiao demo evidence: acceptance record of {code}")
    add(
        actor=actor, record=record, files=[ContentFile(pdf, name="验收单及入库单.pdf")], row_id=core.pk, note="验收资料"
    )
    satisfaction = next((r for r in rows if "满意" in r.name), None)
    if satisfaction is not None:
        survey = ContentFile(_survey_xlsx(), name="满意度调查统计表.xlsx")
        add(actor=actor, record=record, files=[survey], row_id=satisfaction.pk, note="问卷回收及统计")
    summary = ContentFile(demo_pdf("Jixiao demo evidence: annual implementation summary"), name="项目实施情况总结.pdf")
    add(actor=actor, record=record, files=[summary], note="年度实施情况总结")


def _seed_authenticity(section: User | None, year: int) -> None:
    """教科文股's 真实性核查 of its finance-reviewed projects, drawn and waiting for its findings."""
    if section is None:
        return
    check = services_reeval.check_create(actor=section, fiscal_year=year, title=f"{year}年度预算绩效真实性核查（演示）")
    try:
        services_reeval.check_draw(actor=section, check=check)
    except DomainError:
        return


def _seed_upper_check(perf: User, dept: User, year: int) -> None:
    """The 绩效股's 上级核查 (seed 001: the region's check of 4 projects, the county supplying 印证资料), drawn.
    县教育局 has uploaded the 印证资料 of its projects: the first waits for the 绩效股's review, the second was returned
    for more, the third passed (further ones are not uploaded yet): jxg and edu_admin each find it in 我的待办."""
    check = services_reeval.check_create(
        actor=perf,
        fiscal_year=year,
        title=f"{year}年度上级财政预算绩效真实性核查（演示）",
        sample_size=4,
        upper_level_request=True,
        materials_deadline=timezone.localdate() + timedelta(days=20),
    )
    try:
        check = services_reeval.check_draw(actor=perf, check=check)
    except DomainError:
        return
    entries = list(check.upper_projects.select_related("self_eval").order_by("code", "id"))
    reviews = [None, ("upper_return", UPPER_RETURN), ("upper_approve", UPPER_APPROVED)]
    for entry, review in zip(entries, reviews, strict=False):
        for item in list(check.items.filter(self_eval=entry.self_eval).order_by("id"))[:2]:
            pdf = demo_pdf(f"Jixiao demo: supporting record of {entry.code}, indicator {item.row_id}")
            upload = ContentFile(pdf, name=f"{item.indicator_name[:40]}印证资料.pdf")
            services_upper.upper_evidence_add(
                actor=dept, entry=entry, files=[upload], row_id=item.row_id, note="验收单及支付凭证"
            )
        contract = ContentFile(demo_pdf(f"Jixiao demo: contract of {entry.code}"), name="项目合同.pdf")
        services_upper.upper_evidence_add(actor=dept, entry=entry, files=[contract], note="项目合同")
        entry = services_upper.entry_transition(actor=dept, entry=entry, action="upper_submit", comment=UPPER_NOTE)
        if review is not None:
            services_upper.entry_transition(actor=perf, entry=entry, action=review[0], comment=review[1])


def _seed_reevaluation(perf: User, year: int) -> None:
    """A drawn re-evaluation batch (50% of the finance-reviewed records) with its first sample re-scored lower."""
    batch = services_reeval.batch_create(
        actor=perf,
        data={
            "fiscal_year": year,
            "subject": "project",
            "rate": Decimal("0.5"),
            "n_min": 1,
            "title": f"{year}年度部门自评财政再评价（演示）",
        },
    )
    try:
        batch = services_reeval.batch_draw(actor=perf, batch=batch)
    except DomainError:
        return
    sample = batch.samples.order_by("id").first()
    if sample is None:
        return
    scores = {row["key"]: row["score"] if row["score"] is not None else (row["self"] or "0") for row in sample.rows}
    lowered = next((row for row in sample.rows if row["key"] != "exec" and row["weight"]), None)
    if lowered is not None:
        scores[lowered["key"]] = str((Decimal(lowered["weight"]) / 2).quantize(Decimal("0.01")))
    services_reeval.sample_rescore(
        actor=perf,
        sample=sample,
        scores=scores,
        comments={lowered["key"]: "佐证资料只能证明完成一半"} if lowered else {},
        opinion="部分指标完成情况佐证不足，再评价扣分。",
    )


def _fits(record: SelfEvaluation) -> bool:
    """Only records whose indicators all sit in a 10号 group with points are walked through the review."""
    return all(GROUP_OF_LV1.get(row.lv1) and row.weight for row in record.indicators.all())


def _actual(rng: random.Random, row: SelfEvalIndicator, year: int, short: bool) -> str:
    parsed = parse_value(row.target_text, fiscal_year=year)
    if parsed.kind is Kind.NUM and parsed.num is not None:
        factor = Decimal(str(rng.uniform(0.7, 0.85))) if short else Decimal(str(rng.uniform(1.0, 1.1)))
        if parsed.op in (Op.LE, Op.LT):
            factor = Decimal(1) / factor if short else Decimal(str(rng.uniform(0.9, 1.0)))
        percent = "%" in (parsed.unit_raw or "")
        # A count (人, 所, 次 …: an integral target in a unit that is no percentage) is reported whole.
        places = Decimal("0.01") if percent or parsed.num != parsed.num.to_integral_value() else Decimal(1)
        value = (parsed.num * factor).quantize(places, rounding=ROUND_HALF_UP)
        if percent and value > 100:
            value = Decimal(100)
        return f"{format_number(value)}{parsed.unit_raw or ''}"
    if parsed.kind is Kind.TIME and parsed.deadline is not None:
        return f"{parsed.deadline:%Y年%m月%d日}完成"
    return "达到预期目标，效果明显"


def _fill(
    rng: random.Random, actor: User, record: SelfEvaluation, overclaim: bool, goal_actual: str = GOAL_ACTUAL
) -> SelfEvaluation:
    """Fill the actual values, then claim the computed scores (an overclaim claims full marks on a missed row)."""
    rows = list(record.indicators.all())
    short = rows[0].pk if overclaim and rows else None
    data: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry: dict[str, Any] = {"actual_text": _actual(rng, row, record.fiscal_year, row.pk == short)}
        if row.is_qualitative:
            entry["qual_level"] = "ACHIEVED"
        data[row.pk] = entry
    record = services.selfeval_save(actor=actor, record=record, data={"goal_actual": goal_actual}, rows=data)
    claims: dict[int, dict[str, Any]] = {}
    total = record.exec_score_computed or Decimal(0)
    for row in record.indicators.all():
        weight = row.weight or Decimal(0)
        claimed = weight if row.pk == short or row.auto_score is None else row.auto_score
        claims[row.pk] = {
            "claimed_score": claimed,
            "deviation_analysis": "" if claimed >= weight else "受实施进度影响未全部完成，下年度加强进度管理。",
        }
        total += claimed
    cfg = scoring_config(record.region, record.fiscal_year)
    return services.selfeval_save(
        actor=actor,
        record=record,
        data={
            "exec_score_claimed": record.exec_score_computed,
            "total_claimed": total,
            "grade_claimed": grade(total, cfg) or "",
            "flag_explanation": EXPLANATION if overclaim else "",
        },
        rows=claims,
    )


def _walk(rng: random.Random, users: dict[str, User | None], record: SelfEvaluation, actions: list[Any]) -> None:
    for who, action in actions:
        actor = users[who]
        assert actor is not None
        comment = EXPLANATION if action == "submit" else rng.choice(OPINIONS)
        try:
            record = services.selfeval_transition(actor=actor, record=record, action=action, comment=comment)
        except DomainError:
            return  # a record the demo could not fill cleanly stays where it is, its flags shown
