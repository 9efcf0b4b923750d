"""预算调整登记: the finance bureau registers the budget adjustments decided at stages other than a warning case (a
目标审核 核减, a 事前评估 追减…), with the stage, so that the 年度工作总结 counts each under it. Scoping, refusals,
double posts, 撤销 with a reason, the export, and the links from a target's and a 事前评估's page."""

from __future__ import annotations

import importlib
import io
from datetime import date
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.apps import apps as django_apps

from jixiao.alerts import services
from jixiao.alerts.models import FundAdjustment
from jixiao.core.errors import DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.models import AuditEvent

NEW = "/alerts/adjustments/new/"
LIST = "/alerts/adjustments/"


def _form(project: Any, **extra: Any) -> dict[str, Any]:
    return {
        "project": project.pk,
        "fiscal_year": project.fiscal_year,
        "source": "TARGET_REVIEW",
        "kind": "REDUCE_ON_REVIEW",
        "amount_yuan": "12.5",
        "reason": "绩效目标不明确且未按期修改，核减部分资金",
        **extra,
    }


def test_finance_registers_a_goal_review_reduction_and_the_list_shows_it(library: Any) -> None:
    w = library
    finance = w.login("performance")
    page = finance.get(f"{NEW}?project={w.school_project.pk}&source=TARGET_REVIEW").content.decode()
    assert "登记预算调整" in page and w.school_project.name in page  # the link names the project and the stage
    assert 'value="TARGET_REVIEW" selected' in page and 'value="REDUCE_ON_REVIEW" selected' in page
    response = finance.post(NEW, _form(w.school_project))
    assert response.status_code == 302
    adjustment = FundAdjustment.objects.get(project=w.school_project)
    assert (adjustment.source, adjustment.kind, adjustment.amount_yuan) == (
        "TARGET_REVIEW",
        "REDUCE_ON_REVIEW",
        Decimal("125000.00"),
    )
    assert adjustment.created_by == w.users["performance"] and adjustment.source_case is None
    event = AuditEvent.objects.get(event_type="alerts.fund_adjustment", object_id=str(adjustment.pk))
    assert event.changes["source"] == [None, "TARGET_REVIEW"]
    listed = finance.get(f"{LIST}?fiscal_year={adjustment.fiscal_year}&source=TARGET_REVIEW").content.decode()
    assert "绩效目标审核" in listed and "核减" in listed and "12.50" in listed and w.school_project.name in listed
    assert 'data-testid="adjustments-total">12.50' in listed
    # Another stage filters it out.
    other = finance.get(f"{LIST}?fiscal_year={adjustment.fiscal_year}&source=PRE_ASSESSMENT").content.decode()
    assert w.school_project.name not in other and "没有预算调整记录" in other


@pytest.mark.parametrize("project", ["²", "٣", "99999999999999999999999", "-1", "abc"])
def test_a_link_naming_no_project_opens_an_empty_form(library: Any, project: str) -> None:
    """`?project=²` was a 500: "²".isdigit() is True but int("²") raises. A link whose project cannot be an id opens
    the form with no project chosen, the stage still filled."""
    response = library.login("performance").get(NEW, {"project": project, "source": "TARGET_REVIEW"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="TARGET_REVIEW" selected' in page and library.school_project.name not in page


def test_bad_input_is_refused_in_chinese_and_nothing_is_written(library: Any) -> None:
    w = library
    finance = w.login("budget")
    for data, message in (
        (_form(w.school_project, amount_yuan="0"), "确保该值大于或等于"),
        (_form(w.school_project, amount_yuan="abc"), "输入一个数字"),
        (_form(w.school_project, reason=""), "该字段是必填项"),
        (_form(w.school_project, kind="CUT"), "选择一个有效的选项"),
        (_form(w.school_project, fiscal_year="20266"), "2100"),
        (_form(w.far_project), "选择一个有效的选项"),  # another county's project is not among the choices
    ):
        response = finance.post(NEW, data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    assert not FundAdjustment.objects.exists()


def test_a_double_post_is_refused_naming_the_first(library: Any) -> None:
    w = library
    finance = w.login("performance")
    assert finance.post(NEW, _form(w.school_project)).status_code == 302
    again = finance.post(NEW, _form(w.school_project))
    assert again.status_code == 409
    page = again.content.decode()
    assert "请勿重复登记" in page and "绩效目标审核核减12.50万元" in page
    assert "绩效目标不明确且未按期修改" in page  # what was typed stays in the form
    assert FundAdjustment.objects.count() == 1
    # A different amount is a second adjustment, not a duplicate.
    assert finance.post(NEW, _form(w.school_project, amount_yuan="3")).status_code == 302
    assert FundAdjustment.objects.count() == 2


def test_who_may_register_and_who_sees_what(library: Any) -> None:
    w = library
    assert w.login("unit_user").get(NEW).status_code == 403
    assert w.login("business").post(NEW, _form(w.school_project)).status_code == 403
    for actor, project, source, refusal, message in (
        ("dept_admin", w.school_project, "TARGET_REVIEW", PermissionDeniedError, None),
        ("performance", w.far_project, "TARGET_REVIEW", NotFoundError, "项目不存在"),  # another county's project
        ("performance", w.school_project, "AUDIT", DomainError, "调整环节无效"),
    ):
        with pytest.raises(refusal, match=message):
            services.adjustment_record(
                actor=w.users[actor],
                project=project,
                fiscal_year=2026,
                source=source,
                kind="WRITE_OFF",
                amount_yuan=Decimal("1"),
                reason="x",
            )
    assert not FundAdjustment.objects.exists()
    mine = FundAdjustment.objects.create(
        project=w.school_project, fiscal_year=2026, source="TARGET_REVIEW", kind="WRITE_OFF", amount_yuan=Decimal("9")
    )
    FundAdjustment.objects.create(
        project=w.hospital_project, fiscal_year=2026, source="TARGET_REVIEW", kind="WRITE_OFF", amount_yuan=Decimal("8")
    )
    unit_page = w.login("unit_user").get(f"{LIST}?fiscal_year=2026").content.decode()
    assert w.school_project.name in unit_page and w.hospital_project.name not in unit_page
    assert "登记预算调整" not in unit_page.split("<h1", 1)[1].split("</p>", 1)[0]  # no 登记 button for a unit
    assert "确认撤销" not in unit_page
    # Another unit's record cannot be undone, even by URL: 404 for a record the user does not see.
    other = w.login("other_unit_user")
    assert other.post(f"/alerts/adjustments/{mine.pk}/delete/", {"reason": "x"}).status_code == 403
    far = FundAdjustment.objects.create(
        project=w.far_project, fiscal_year=2026, source="TARGET_REVIEW", kind="WRITE_OFF", amount_yuan=Decimal("7")
    )
    assert w.login("performance").post(f"/alerts/adjustments/{far.pk}/delete/", {"reason": "x"}).status_code == 404


def test_undo_needs_a_reason_is_audited_and_spares_a_warning_decision(library: Any) -> None:
    w = library
    finance = w.login("performance")
    wrong = FundAdjustment.objects.create(
        project=w.school_project, fiscal_year=2026, source="TARGET_REVIEW", kind="WRITE_OFF", amount_yuan=Decimal("9")
    )
    refused = finance.post(f"/alerts/adjustments/{wrong.pk}/delete/", {"reason": ""})
    assert refused.status_code == 400 and "请填写撤销理由" in refused.content.decode()
    assert FundAdjustment.objects.filter(pk=wrong.pk).exists()
    done = finance.post(f"/alerts/adjustments/{wrong.pk}/delete/", {"reason": "金额登记错误"})
    assert done.status_code == 302
    assert not FundAdjustment.objects.filter(pk=wrong.pk).exists()
    event = AuditEvent.objects.get(event_type="alerts.fund_adjustment_delete", object_id=str(wrong.pk))
    assert event.reason == "金额登记错误" and event.changes["kind"] == ["WRITE_OFF", None]
    again = finance.post(f"/alerts/adjustments/{wrong.pk}/delete/", {"reason": "再点一次"})
    assert again.status_code == 404  # already gone (a second tab)


def test_a_warning_decision_is_not_undone_here(library: Any, case: Any) -> None:
    w = library
    case_adjustment = FundAdjustment.objects.create(
        project=w.school_project,
        fiscal_year=2026,
        source="MONITORING",
        kind="ADJUST_DOWN",
        amount_yuan=Decimal("5"),
        source_case=case,
    )
    finance = w.login("performance")
    page = finance.get(f"{LIST}?fiscal_year=2026").content.decode()
    assert "预警处置决定" in page and "确认撤销" not in page
    refused = finance.post(f"/alerts/adjustments/{case_adjustment.pk}/delete/", {"reason": "误登"})
    assert refused.status_code == 400 and "由预警处置决定产生" in refused.content.decode()
    assert FundAdjustment.objects.filter(pk=case_adjustment.pk).exists()


def test_the_export_opens_with_the_filtered_rows(library: Any) -> None:
    w = library
    FundAdjustment.objects.create(
        project=w.school_project,
        fiscal_year=2026,
        source="PRE_ASSESSMENT",
        kind="RETRO_REDUCE",
        amount_yuan=Decimal("400000"),
        reason="不予支持，追减已安排预算",
    )
    FundAdjustment.objects.create(
        project=w.hospital_project, fiscal_year=2026, source="TARGET_REVIEW", kind="WRITE_OFF", amount_yuan=Decimal("8")
    )
    response = w.login("performance").get("/alerts/adjustments/export/?fiscal_year=2026&source=PRE_ASSESSMENT")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(r for r in rows if r and r[0] == "预算年度")
    data = rows[rows.index(header) + 1 :]
    assert header[5:8] == ["调整环节", "调整类型", "调整金额（万元）"]
    assert len([r for r in data if r[1]]) == 1
    row = next(r for r in data if r[1])
    assert row[1] == w.school_project.code and row[5] == "事前绩效评估" and row[6] == "追减"
    assert Decimal(str(row[7])) == Decimal("40")
    assert AuditEvent.objects.filter(event_type="alerts.adjustment_export").exists()


def test_the_migration_marks_the_decided_adjustments_as_monitoring(library: Any, case: Any) -> None:
    w = library
    decided = FundAdjustment.objects.create(
        project=w.school_project, fiscal_year=2026, kind="ADJUST_DOWN", amount_yuan=Decimal("5"), source_case=case
    )
    other = FundAdjustment.objects.create(
        project=w.school_project, fiscal_year=2026, kind="INCREASE", amount_yuan=Decimal("5")
    )
    assert decided.source == other.source == "OTHER"  # as the rows stood before the stage was kept
    migration = importlib.import_module("jixiao.alerts.migrations.0008_fund_adjustment_source")
    migration.sources_of_decisions(django_apps, None)
    decided.refresh_from_db()
    other.refresh_from_db()
    assert (decided.source, other.source) == ("MONITORING", "OTHER")


@pytest.fixture
def case(library: Any) -> Any:
    from jixiao.alerts.models import WarningCase, WarningRule

    rule = WarningRule.objects.filter(profile="national_default").order_by("sort", "code").first()
    assert rule is not None
    return WarningCase.objects.create(
        project=library.school_project,
        fiscal_year=2026,
        rule=rule,
        rule_code=rule.code,
        reason="执行率偏低",
        opened_on=date(2026, 9, 4),
        due_date=date(2026, 9, 18),
    )


def test_a_target_and_a_concluded_assessment_link_to_the_register_for_finance_only(library: Any) -> None:
    from jixiao.monitoring.tests.helpers import approved_target
    from jixiao.preassessment.tests.factories import concluded

    w = library
    target = approved_target(w)
    assessment = concluded(w.school_project, "REJECT", None, requested="400000")
    link = f"{NEW}?project={w.school_project.pk}&amp;source="
    finance = w.login("performance")
    assert link + "TARGET_REVIEW" in finance.get(f"/targets/{target.pk}/").content.decode()
    assert link + "PRE_ASSESSMENT" in finance.get(f"/preassessment/{assessment.pk}/").content.decode()
    unit = w.login("unit_user")
    assert NEW not in unit.get(f"/targets/{target.pk}/").content.decode()
    assert NEW not in unit.get(f"/preassessment/{assessment.pk}/").content.decode()
    # The assessment's link starts the form on 事前绩效评估 and 追减.
    form = finance.get(f"{NEW}?project={w.school_project.pk}&source=PRE_ASSESSMENT").content.decode()
    assert 'value="PRE_ASSESSMENT" selected' in form and 'value="RETRO_REDUCE" selected' in form


def test_a_long_export_is_a_job_with_the_same_filter_and_scope(library: Any, settings: Any) -> None:
    from jixiao.core.models import Job

    w = library
    for project in (w.school_project, w.hospital_project, w.far_project):
        FundAdjustment.objects.create(
            project=project, fiscal_year=2026, source="TARGET_REVIEW", kind="WRITE_OFF", amount_yuan=Decimal("8")
        )
    settings.JIXIAO_EXPORT_SYNC_ROWS = 0
    client = w.login("dept_admin")  # 县教育局: its school's record only
    response = client.get("/alerts/adjustments/export/?fiscal_year=2026&source=TARGET_REVIEW")
    job = Job.objects.get(kind="alerts.adjustment_export")
    assert response.status_code == 302 and job.status == Job.Status.DONE, job.message
    download = client.get(f"/jobs/{job.pk}/download/result/")
    rows = list(
        openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active.iter_rows(values_only=True)
    )
    header = next(i for i, r in enumerate(rows) if r and r[0] == "预算年度")
    assert [r[2] for r in rows[header + 1 :] if r[1]] == [w.school_project.name]


def test_a_double_click_on_register_is_sent_to_the_list_not_a_409(library: Any) -> None:
    w = library
    finance = w.login("performance")
    page = finance.get(NEW).content.decode()
    token = page.split('name="submit_token" value="')[1].split('"')[0]
    form = {**_form(w.school_project), "submit_token": token}
    first = finance.post(NEW, form)
    second = finance.post(NEW, form, follow=True)
    assert first.status_code == 302 and second.redirect_chain == [(first["Location"], 302)]
    assert "该表单已提交，未重复登记" in second.content.decode()
    assert FundAdjustment.objects.count() == 1
