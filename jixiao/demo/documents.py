"""Demo 文书: the county's 发文字号 (渠财绩, shared by every type), and a few issued documents — a 绩效管理意见书 to
县教育局 signed and answered, a 整改通知书 to 县第一中学 signed but not yet answered, an 评价结果反馈函 to 县卫健局
still unread, and one draft 提醒敦促函. Everything goes through the services, as the performance section (jxg), the
department (edu_admin) and the unit (edu_unit) would do it."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.utils import timezone

from jixiao.accounts.models import User
from jixiao.documents import selectors, services
from jixiao.documents.models import DocType, DocumentSeries
from jixiao.organizations.models import BudgetUnit, Department


def _users() -> dict[str, User]:
    return {u.username: u for u in User.objects.filter(username__in=["jxg", "edu_admin", "edu_unit"])}


def seed_documents(rng: random.Random, county: Any, year: int) -> None:
    DocumentSeries.objects.get_or_create(
        region=county,
        doc_type="",
        defaults={"abbrev": selectors.default_abbrev(county), "issuer_name": selectors.default_issuer(county)},
    )
    users = _users()
    perf, dept_user, unit_user = users.get("jxg"), users.get("edu_admin"), users.get("edu_unit")
    edu = Department.objects.filter(region=county, name="县教育局").first()
    health = Department.objects.filter(region=county, name="县卫健局").first()
    school = BudgetUnit.objects.filter(region=county, name="县第一中学").first()
    if perf is None or edu is None or school is None:
        return
    today = timezone.localdate()
    contact = f"绩效股 张晓燕 0818-72{rng.randint(10000, 99999)}"
    opinion = services.document_issue(
        actor=perf,
        doc_type=DocType.OPINION_LETTER,
        region=county,
        recipients=[edu],
        context={
            "subject": f"{year}年度绩效目标设置",
            "problems": "1.部分项目绩效目标未细化量化，产出指标缺少数量和质量指标；\n2.效益指标与项目内容关联度不高。",
            "requirements": "1.按照指标库规范修改绩效指标；\n2.补充满意度调查依据。",
            "deadline": f"{(today + timedelta(days=20)):%Y年%m月%d日}",
            "contact": contact,
        },
        feedback_deadline=today + timedelta(days=20),
        fiscal_year=year,
    )
    if dept_user is not None:
        services.document_mark_read(actor=dept_user, document=opinion)
        services.document_feedback(
            actor=dept_user, document=opinion, text="已组织所属单位逐项修改绩效指标，并补充满意度调查问卷。"
        )
    notice = services.document_issue(
        actor=perf,
        doc_type=DocType.RECTIFICATION_NOTICE,
        region=county,
        recipients=[school],
        context={
            "subject": "教学设备购置项目",
            "project": "县第一中学教学设备购置项目",
            "problems": "1.设备验收资料不完整；\n2.部分设备未登记固定资产。",
            "requirements": "补齐验收资料，完成固定资产登记。",
            "deadline": f"{(today + timedelta(days=30)):%Y年%m月%d日}",
            "contact": contact,
        },
        feedback_deadline=today + timedelta(days=30),
        fiscal_year=year,
    )
    if unit_user is not None:
        services.document_mark_read(actor=unit_user, document=notice)
    if health is not None:
        services.document_issue(
            actor=perf,
            doc_type=DocType.EVAL_FEEDBACK,
            region=county,
            recipients=[health],
            context={
                "project": "县人民医院信息化建设项目",
                "score": "82.50",
                "grade": "良",
                "result": "项目总体按计划实施，信息系统已上线运行。",
                "problems": "资金支付进度滞后于序时进度。",
                "deadline": f"{(today + timedelta(days=30)):%Y年%m月%d日}",
            },
            feedback_deadline=today + timedelta(days=30),
            fiscal_year=year,
        )
    services.document_draft(
        actor=perf,
        doc_type=DocType.REMINDER_LETTER,
        region=county,
        recipients=[edu],
        context={"subject": "绩效监控填报", "problems": "1—8月绩效运行监控表逾期未报送。"},
        fiscal_year=year,
    )
