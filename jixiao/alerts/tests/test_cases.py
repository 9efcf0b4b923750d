"""Disposition: the unit explains and proposes, finance decides, 调减/收回 become budget adjustments, overdue cases
escalate. Scoping: another unit's case is a 404."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from jixiao.alerts import services
from jixiao.alerts.models import CaseStatus, FundAdjustment, ProjectYearFlag, ReminderLetter, WarningCase
from jixiao.alerts.sweep import sweep_region
from jixiao.alerts.tests.conftest import pay, use_sichuan
from jixiao.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.core.todos import countdown, for_user

AS_OF = date(2026, 9, 4)


@pytest.fixture
def case(library: Any) -> WarningCase:
    use_sichuan(library.region)
    pay(library.school_project, "50000", date(2026, 3, 1))
    sweep_region(library.region, 2026, AS_OF)
    return WarningCase.objects.get(project=library.school_project, rule_code="W-EXEC-RATIO")


def test_unit_responds_and_finance_decides_adjust_down(library: Any, case: WarningCase) -> None:
    w = library
    unit = w.login("unit_user")
    response = unit.get(f"/alerts/cases/{case.pk}/")
    assert response.status_code == 200 and "说明原因并提出处置建议" in response.content.decode()
    response = unit.post(
        f"/alerts/cases/{case.pk}/respond/",
        {"explanation": "设备招标延后", "option": "ADJUST_DOWN", "amount_yuan": "15"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.PROPOSED and case.proposed_amount_yuan == Decimal("150000.00")
    finance = w.login("performance")
    response = finance.post(
        f"/alerts/cases/{case.pk}/decide/", {"option": "ADJUST_DOWN", "amount_yuan": "20", "reason": "按执行进度核定"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED and case.decided_amount_yuan == Decimal("200000.00")
    adjustment = FundAdjustment.objects.get(source_case=case)
    assert (adjustment.kind, adjustment.amount_yuan) == ("ADJUST_DOWN", Decimal("200000.00"))
    assert AuditEvent.objects.filter(event_type="alerts.fund_adjustment", object_id=str(adjustment.pk)).exists()
    assert AuditEvent.objects.filter(event_type="alerts.case_decide", object_id=str(case.pk)).exists()
    page = unit.get(f"/projects/{w.school_project.pk}/").content.decode()
    assert 'data-testid="fund-adjustments"' in page and "调减" in page and "20.00" in page and "绩效运行监控" in page


def test_a_refused_answer_or_decision_keeps_what_was_typed(library: Any, case: WarningCase) -> None:
    unit = library.login("unit_user")
    explanation = "设备招标延后，已重新挂网"
    bad = unit.post(
        f"/alerts/cases/{case.pk}/respond/", {"explanation": explanation, "option": "ADJUST_DOWN", "amount_yuan": "abc"}
    )
    page = bad.content.decode()
    assert bad.status_code == 400 and explanation in page and "请按提示修改后重新报送" in page
    assert "invalid-feedback" in page  # the error stands under the amount field, not in a banner alone
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and case.proposed_option == ""
    refused = unit.post(
        f"/alerts/cases/{case.pk}/respond/", {"explanation": explanation, "option": "RECOVER", "amount_yuan": "46"}
    )
    assert refused.status_code == 400 and explanation in refused.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert (
        unit.post(
            f"/alerts/cases/{case.pk}/respond/",
            {"explanation": explanation, "option": "ADJUST_DOWN", "amount_yuan": "15"},
        ).status_code
        == 302
    )
    finance = library.login("performance")
    reason = "按执行进度核定"
    bad = finance.post(
        f"/alerts/cases/{case.pk}/decide/", {"option": "ADJUST_DOWN", "amount_yuan": "x", "reason": reason}
    )
    assert bad.status_code == 400 and reason in bad.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.PROPOSED


def test_decision_changing_the_proposal_needs_a_reason(library: Any, case: WarningCase) -> None:
    w = library
    services.case_respond(
        actor=w.users["unit_user"], case=case, explanation="原因", option="CONTINUE", amount_yuan=None
    )
    with pytest.raises(DomainError, match="理由"):
        services.case_decide(
            actor=w.users["performance"], case=case, option="RECOVER", amount_yuan=Decimal(1000), reason=""
        )
    case.refresh_from_db()
    assert case.status == CaseStatus.PROPOSED
    services.case_decide(
        actor=w.users["performance"], case=case, option="RECOVER", amount_yuan=Decimal(1000), reason="资金闲置"
    )
    assert FundAdjustment.objects.get(source_case=case).kind == "RECOVER"
    with pytest.raises(ConflictError):
        services.case_decide(actor=w.users["performance"], case=case, option="CONTINUE", amount_yuan=None, reason="x")


def test_bad_input_is_rejected_in_chinese(library: Any, case: WarningCase) -> None:
    w = library
    unit = w.users["unit_user"]
    with pytest.raises(DomainError, match="金额"):
        services.case_respond(actor=unit, case=case, explanation="x", option="ADJUST_DOWN", amount_yuan=None)
    with pytest.raises(DomainError, match="尚未支出"):
        services.case_respond(actor=unit, case=case, explanation="x", option="RECOVER", amount_yuan=Decimal(460000))
    with pytest.raises(DomainError, match="说明"):
        services.case_respond(actor=unit, case=case, explanation=" ", option="CONTINUE", amount_yuan=None)
    client = w.login("unit_user")
    response = client.post(
        f"/alerts/cases/{case.pk}/respond/",
        {"explanation": "x", "option": "ADJUST_DOWN", "amount_yuan": ""},
        follow=True,
    )
    assert "须填写大于0的金额" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and not FundAdjustment.objects.exists()


def test_scoping_and_capabilities(library: Any, case: WarningCase) -> None:
    w = library
    other = w.login("other_unit_user")
    assert other.get(f"/alerts/cases/{case.pk}/").status_code == 404
    assert (
        other.post(f"/alerts/cases/{case.pk}/respond/", {"explanation": "x", "option": "CONTINUE"}).status_code == 404
    )
    assert w.login("unit_user").post(f"/alerts/cases/{case.pk}/decide/", {"option": "CONTINUE"}).status_code == 403
    with pytest.raises(NotFoundError):
        services.case_respond(
            actor=w.users["other_unit_user"], case=case, explanation="x", option="CONTINUE", amount_yuan=None
        )
    with pytest.raises(PermissionDeniedError):
        services.case_decide(actor=w.users["unit_user"], case=case, option="CONTINUE", amount_yuan=None, reason="")
    listing = other.get("/alerts/cases/").content.decode()
    assert w.school_project.name not in listing


def test_todos_for_unit_and_finance(library: Any, case: WarningCase) -> None:
    w = library
    unit_items = {i.title: i for i in for_user(w.users["unit_user"])}
    assert unit_items["红灯预警待说明"].count == 4  # the school and its branch, two rules each
    visible = WarningCase.objects.visible_to(w.users["unit_user"])  # type: ignore[attr-defined]
    first = min(visible.values_list("due_date", flat=True))
    assert unit_items["红灯预警待说明"].hint == f"最近期限 {first:%Y-%m-%d}，{countdown(first)[1]}"
    # A deadline passed reads so (已逾期n天), as the 监控表 and 整改 entries do.
    WarningCase.objects.filter(due_date=first).update(due_date=timezone.localdate() - timedelta(days=3))
    late = {i.title: i for i in for_user(w.users["unit_user"])}["红灯预警待说明"].hint
    assert late.endswith("，已逾期3天")
    # The entry's link opens the cases it counts, the escalated (已逾期) ones too.
    WarningCase.objects.filter(pk=case.pk).update(due_date=timezone.localdate() + timedelta(days=5))
    services.escalate_overdue(today=timezone.localdate())  # the three others are late
    statuses = set(WarningCase.objects.values_list("status", flat=True))
    assert statuses == {CaseStatus.OPEN, CaseStatus.OVERDUE}
    item = {i.title: i for i in for_user(w.users["unit_user"])}["红灯预警待说明"]
    listed = w.login("unit_user").get(item.url)
    assert listed.context["page"].paginator.count == item.count == 4
    assert [c.status for c in listed.context["page"]] == ["OVERDUE"] * 3 + ["OPEN"]  # the late ones first
    assert "待说明（含已逾期）" in listed.content.decode()
    services.case_respond(actor=w.users["unit_user"], case=case, explanation="x", option="CONTINUE", amount_yuan=None)
    finance_items = {i.title: i for i in for_user(w.users["performance"])}
    assert finance_items["预警处置待决定"].count == 1


def test_escalation_with_explicit_today(library: Any, case: WarningCase) -> None:
    w = library
    assert case.due_date == date(2026, 9, 18)
    assert services.escalate_overdue(today=case.due_date) == 0  # the deadline day itself is still in time
    escalated = services.escalate_overdue(today=case.due_date + timedelta(days=1))
    assert escalated == 6  # every open case of the county (3 projects × 2 rules)
    case.refresh_from_db()
    assert case.status == CaseStatus.OVERDUE
    flag = ProjectYearFlag.objects.get(project=w.school_project, fiscal_year=2026)
    assert flag.payment_suspended
    assert ReminderLetter.objects.filter(case=case, status="DRAFTED", document_id__isnull=False).count() == 1
    assert AuditEvent.objects.filter(event_type="alerts.case_escalate", object_id=str(case.pk)).count() == 1
    assert services.escalate_overdue(today=case.due_date + timedelta(days=5)) == 0  # idempotent
    # An overdue case can still be answered.
    services.case_respond(actor=w.users["unit_user"], case=case, explanation="x", option="CONTINUE", amount_yuan=None)
    case.refresh_from_db()
    assert case.status == CaseStatus.PROPOSED
    page = w.login("unit_user").get(f"/projects/{w.school_project.pk}/").content.decode()
    assert 'data-testid="payment-suspended"' in page


def test_escalation_command_and_page_load(library: Any, case: WarningCase) -> None:
    out = StringIO()
    call_command("escalate_warning_cases", "--today", "2026-09-18", stdout=out)
    assert "逾期处理0件" in out.getvalue()
    # Opening the list escalates what is overdue today (the test clock is past September 2026 or not: force it).
    WarningCase.objects.filter(pk=case.pk).update(due_date=date(2000, 1, 1))
    library.login("performance").get("/alerts/cases/")
    case.refresh_from_db()
    assert case.status == CaseStatus.OVERDUE


def test_two_cases_of_one_project_cannot_cut_more_than_the_unspent_budget(library: Any, case: WarningCase) -> None:
    """The school project (50万, 5万 paid) is red on two rules: two cases. 30万 cut on one leaves 15万 for the other."""
    w = library
    unit, finance = w.users["unit_user"], w.users["performance"]
    cut = Decimal(300000)
    services.case_respond(actor=unit, case=case, explanation="招标延后", option="ADJUST_DOWN", amount_yuan=cut)
    services.case_decide(actor=finance, case=case, option="ADJUST_DOWN", amount_yuan=Decimal(300000), reason="")
    other = WarningCase.objects.get(project=w.school_project, rule_code="W-EXEC-CHECKPOINT")
    page = w.login("unit_user").post(
        f"/alerts/cases/{other.pk}/respond/", {"explanation": "同上", "option": "RECOVER", "amount_yuan": "20"}
    )
    body = page.content.decode()
    assert page.status_code == 400 and "尚未支出的预算15.00万元" in body and "已决定调减的30.00万元" in body
    other.refresh_from_db()
    assert other.status == CaseStatus.OPEN
    services.case_respond(actor=unit, case=other, explanation="同上", option="RECOVER", amount_yuan=Decimal(100000))
    with pytest.raises(DomainError, match=r"15\.00万元"):
        services.case_decide(actor=finance, case=other, option="RECOVER", amount_yuan=Decimal(150001), reason="加收")
    services.case_decide(actor=finance, case=other, option="RECOVER", amount_yuan=Decimal(150000), reason="全部收回")
    total = sum(a.amount_yuan for a in FundAdjustment.objects.filter(project=w.school_project))
    assert total == Decimal("450000.00")


def test_a_decided_reallocation_takes_the_funds_it_moves(library: Any, case: WarningCase) -> None:
    """调剂 was bounds-checked but recorded nothing: a project with 45万 unspent could be decided 调剂 45万 on one case
    and 调减 45万 on the other. A decided 调剂 is a budget adjustment of its own kind, audited, and counts against
    what the project's year has left (DOMAIN.md §5.4: decisions create FundAdjustment rows)."""
    w = library
    unit, finance = w.users["unit_user"], w.users["performance"]
    services.case_respond(
        actor=unit, case=case, explanation="调往急需项目", option="REALLOCATE", amount_yuan=Decimal(300000)
    )
    services.case_decide(actor=finance, case=case, option="REALLOCATE", amount_yuan=Decimal(300000), reason="")
    adjustment = FundAdjustment.objects.get(source_case=case)
    assert (adjustment.kind, adjustment.amount_yuan, adjustment.source) == (
        "REALLOCATE",
        Decimal("300000.00"),
        "MONITORING",
    )
    assert AuditEvent.objects.filter(event_type="alerts.fund_adjustment", object_id=str(adjustment.pk)).exists()
    other = WarningCase.objects.get(project=w.school_project, rule_code="W-EXEC-CHECKPOINT")
    refused = w.login("unit_user").post(
        f"/alerts/cases/{other.pk}/respond/", {"explanation": "同上", "option": "ADJUST_DOWN", "amount_yuan": "45"}
    )
    body = refused.content.decode()
    assert refused.status_code == 400 and "尚未支出的预算15.00万元" in body and "已决定调剂的30.00万元" in body
    funds = body.split('data-testid="case-funds">', 1)[1].split("</td>", 1)[0]
    assert "已决定调剂30.00万元，尚可调剂、调减或收回15.00万元" in funds
    services.case_respond(actor=unit, case=other, explanation="同上", option="ADJUST_DOWN", amount_yuan=Decimal(1))
    with pytest.raises(DomainError, match=r"已决定调剂的30\.00万元"):
        services.case_decide(
            actor=finance, case=other, option="ADJUST_DOWN", amount_yuan=Decimal(450000), reason="全部"
        )
    other.refresh_from_db()
    assert other.status == CaseStatus.PROPOSED and FundAdjustment.objects.filter(project=w.school_project).count() == 1


def test_reallocations_decided_before_the_kind_existed_get_their_adjustment(library: Any, case: WarningCase) -> None:
    """Migration 0011 records the 调剂 decided before a decision wrote one, so that they count too."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("jixiao.alerts.migrations.0011_fund_adjustment_reallocate")
    finance = library.users["performance"]
    WarningCase.objects.filter(pk=case.pk).update(
        status=CaseStatus.DECIDED,
        decided_option="REALLOCATE",
        decided_amount_yuan=Decimal(120000),
        decision_reason="调往急需项目",
        decided_by=finance,
    )
    migration.reallocations_of_decisions(apps, None)
    migration.reallocations_of_decisions(apps, None)  # a second run adds nothing
    adjustment = FundAdjustment.objects.get(source_case=case)
    assert (adjustment.kind, adjustment.amount_yuan, adjustment.created_by) == ("REALLOCATE", Decimal(120000), finance)
    assert services.selectors.project_funds(case.project, 2026).available_yuan == Decimal("330000.00")


def test_the_case_page_shows_the_funds_a_proposal_may_take(library: Any, case: WarningCase) -> None:
    """The unit proposing a 调减 / 收回 amount saw only the warning's figures of the day the case opened; the most it
    may propose was told only by a refusal. The page now shows the budget, what is spent, what is already cut on
    the project's year and what is left — the very bound the answer and the decision are checked against."""
    w = library
    unit, finance = w.users["unit_user"], w.users["performance"]
    page = w.login("unit_user").get(f"/alerts/cases/{case.pk}/").content.decode()
    funds = page.split('data-testid="case-funds">', 1)[1].split("</td>", 1)[0]
    assert funds == "预算50.00万元，已支出5.00万元（执行率10.00%，截至2026-09-04），尚未支出45.00万元"
    services.case_respond(
        actor=unit, case=case, explanation="招标延后", option="ADJUST_DOWN", amount_yuan=Decimal(300000)
    )
    services.case_decide(actor=finance, case=case, option="ADJUST_DOWN", amount_yuan=Decimal(300000), reason="")
    other = WarningCase.objects.get(project=w.school_project, rule_code="W-EXEC-CHECKPOINT")
    page = w.login("unit_user").get(f"/alerts/cases/{other.pk}/").content.decode()
    funds = page.split('data-testid="case-funds">', 1)[1].split("</td>", 1)[0]
    assert funds == (
        "预算50.00万元，已支出5.00万元（执行率10.00%，截至2026-09-04），已决定调减30.00万元，"
        "尚可调剂、调减或收回15.00万元"
    )
    with pytest.raises(DomainError, match=r"15\.00万元"):
        services.case_respond(
            actor=unit, case=other, explanation="同上", option="RECOVER", amount_yuan=Decimal("150000.01")
        )


def test_finance_lifts_a_suspension_with_a_reason_and_the_unit_cannot(library: Any, case: WarningCase) -> None:
    """暂停拨付 stayed on for good: no page lifted it, whatever finance decided. 恢复拨付 is finance's, with a reason,
    audited; a later overdue case or decision suspends again."""
    w = library
    services.escalate_overdue(today=case.due_date + timedelta(days=1))
    flag = ProjectYearFlag.objects.get(project=w.school_project, fiscal_year=2026)
    assert flag.payment_suspended
    url = f"/alerts/cases/{case.pk}/resume-payment/"
    unit = w.login("unit_user")
    page = unit.get(f"/alerts/cases/{case.pk}/").content.decode()
    assert 'data-testid="payment-suspension"' in page and 'data-testid="payment-resume"' not in page
    assert unit.post(url, {"reason": "已整改"}).status_code == 403
    finance = w.login("performance")
    page = finance.get(f"/alerts/cases/{case.pk}/").content.decode()
    assert "预警处置逾期（期限2026-09-18）" in page and 'data-testid="payment-resume"' in page
    empty = finance.post(url, {"reason": "  "})
    assert empty.status_code == 400 and "请填写恢复拨付的理由" in empty.content.decode()
    assert finance.post(url, {"reason": "单位已说明原因并完成整改"}).status_code == 302
    flag.refresh_from_db()
    assert not flag.payment_suspended and flag.reason == "恢复拨付：单位已说明原因并完成整改"
    event = AuditEvent.objects.get(event_type="alerts.payment_resume", object_id=str(case.pk))
    assert event.changes["payment_suspended"] == [True, False]
    assert 'data-testid="payment-suspended"' not in finance.get(f"/projects/{w.school_project.pk}/").content.decode()
    again = finance.post(url, {"reason": "再次恢复"})
    assert again.status_code == 409 and "未暂停拨付" in again.content.decode()
    # A decision to suspend switches it on again, with its own time and reason.
    other = WarningCase.objects.filter(project=w.school_project).exclude(pk=case.pk).get()
    unit_user, finance_user = w.users["unit_user"], w.users["performance"]
    services.case_respond(actor=unit_user, case=other, explanation="x", option="CONTINUE", amount_yuan=None)
    services.case_decide(actor=finance_user, case=other, option="SUSPEND", amount_yuan=None, reason="仍未整改")
    flag.refresh_from_db()
    assert flag.payment_suspended and flag.reason == "财政决定暂停拨付"


def test_a_decision_from_a_page_opened_before_the_unit_supplemented_its_proposal_is_a_conflict(
    library: Any, case: WarningCase
) -> None:
    """Answered through its 提醒敦促函 (a 说明, no proposal), the case waits for finance; the unit may still add its
    proposal. A decision posted from a page opened before that answered 400 about a proposal the page never showed
    (改变单位建议…须填写理由); now it is 409 with the page as it stands, the proposal shown, the choice as typed."""
    w = library
    WarningCase.objects.filter(pk=case.pk).update(status=CaseStatus.PROPOSED, explanation="正在核实", version=3)
    finance = w.login("performance")
    shown = finance.get(f"/alerts/cases/{case.pk}/").content.decode()
    assert 'name="version" value="3"' in shown
    response = w.login("unit_user").post(
        f"/alerts/cases/{case.pk}/respond/",
        {"explanation": "设备招标延后", "option": "ADJUST_DOWN", "amount_yuan": "15"},
    )
    assert response.status_code == 302
    decide = {"option": "CONTINUE", "amount_yuan": "", "reason": "", "version": "3"}
    response = finance.post(f"/alerts/cases/{case.pk}/decide/", decide)
    page = response.content.decode()
    assert response.status_code == 409 and "页面打开后单位更新了情况说明或处置建议" in page
    assert "设备招标延后" in page and 'name="version" value="4"' in page
    case.refresh_from_db()
    assert case.status == CaseStatus.PROPOSED and case.decided_option == ""
    # Checked on that page, the decision goes through (changing the proposal takes a reason, as always).
    response = finance.post(f"/alerts/cases/{case.pk}/decide/", {**decide, "version": "4", "reason": "已追加资金"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED and case.decided_option == "CONTINUE"


def test_a_printed_case_names_the_unit_and_who_explained_and_decided_when(library: Any, case: WarningCase) -> None:
    """The 绩效股 prints a decided case for the file (归档): the sheet named the project only, without its code, its
    department and unit, and without who explained and who decided it when (the code stood in the breadcrumb,
    which is not printed). The page now states them under the title and beside the 单位说明 and 处置决定."""
    w = library
    unit = w.login("unit_user")
    unit.post(f"/alerts/cases/{case.pk}/respond/", {"explanation": "设备招标延后", "option": "CONTINUE"})
    w.login("performance").post(f"/alerts/cases/{case.pk}/decide/", {"option": "CONTINUE", "reason": "同意继续执行"})
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED
    page = w.login("performance").get(f"/alerts/cases/{case.pk}/").content.decode()
    project = w.school_project
    heading = page.split('data-testid="case-project"', 1)[1].split("</div>", 1)[0]
    assert project.code in heading and project.department.name in heading and project.unit.name in heading
    proposal = page.split('data-testid="case-proposed-by"', 1)[1].split("</", 1)[0]
    assert "p_unit" in proposal and timezone.localtime(case.proposed_at).strftime("%Y-%m-%d %H:%M") in proposal
    decision = page.split('data-testid="case-decided-by"', 1)[1].split("</", 1)[0]
    assert "p_perf" in decision and timezone.localtime(case.decided_at).strftime("%Y-%m-%d %H:%M") in decision
