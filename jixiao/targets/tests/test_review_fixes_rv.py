"""Defects found by the second review of the targets app: the 批复 by department refuses a set of targets that changed
since the page was shown; the flat exchange export refuses a list too long to build in memory; the API's grid and
steps take the page's version, and the grid its row limit."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import QuerySet
from django.test import Client

from conftest import World
from jixiao.accounts.models import Membership
from jixiao.accounts.tests.factories import TEST_PASSWORD, UserFactory
from jixiao.core.errors import ConflictError
from jixiao.core.models import AuditEvent, Job
from jixiao.organizations.tests.factories import BudgetUnitFactory
from jixiao.targets import exports, services, services_rules, views_exchange
from jixiao.targets.imports import weight_of
from jixiao.targets.models import PerformanceTarget, SmartCheckRule
from jixiao.targets.tests.pages_helpers import TO_READY, make_target, move, valid_rows

pytestmark = pytest.mark.django_db


def _branch_target(world: World) -> PerformanceTarget:
    dept = world.users["dept_admin"]
    target = services.target_create_for_project(actor=dept, project=world.branch_project)
    return services.target_save_indicators(actor=dept, target=target, rows=valid_rows(target))


def _shown_token(page: str) -> str:
    match = re.search(r'name="lock_token" value="([0-9a-f]+)"', page)
    assert match is not None, page[:2000]
    return match.group(1)


def test_batch_approval_from_a_stale_page_is_refused_and_approves_nothing(world: World) -> None:
    first = move(world, make_target(world), *TO_READY)
    second = _branch_target(world)
    client = world.login("budget")
    page = client.get("/targets/approve/", {"fiscal_year": 2026}).content.decode()
    token = _shown_token(page)  # the page shows (and its confirmation names) one target of 县教育局
    move(world, second, ("dept_admin", "submit"), *TO_READY[1:])  # a second one comes ready meanwhile
    post = {"department": world.edu.pk, "fiscal_year": 2026, "lock_token": token}
    response = client.post("/targets/approve/", post)
    assert response.status_code == 409
    assert "该部门待批复的绩效目标在您打开页面后有变化（现有2个）" in response.content.decode()
    assert set(PerformanceTarget.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {
        "ready_for_budget"
    }
    page = client.get("/targets/approve/", {"fiscal_year": 2026}).content.decode()
    post["lock_token"] = _shown_token(page)
    response = client.post("/targets/approve/", post, follow=True)
    assert "已随预算批复2个绩效目标" in response.content.decode()


def test_batch_approval_of_a_set_approved_meanwhile_is_refused(world: World) -> None:
    target = move(world, make_target(world), *TO_READY)
    client = world.login("budget")
    token = _shown_token(client.get("/targets/approve/", {"fiscal_year": 2026}).content.decode())
    services.targets_approve_batch(actor=world.users["budget"], department_id=world.edu.pk, fiscal_year=2026)
    response = client.post("/targets/approve/", {"department": world.edu.pk, "fiscal_year": 2026, "lock_token": token})
    assert response.status_code == 409 and "现有0个" in response.content.decode()
    target.refresh_from_db()
    assert target.status == "approved"


def test_a_long_flat_export_is_written_by_a_job_and_imports_back(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The flat exchange workbook was built in memory and refused beyond 1,000 targets (a county's year). It is now
    written a target at a time: a short list at once, a longer one by a background job whose file (audited with the
    list's conditions) imports back unchanged. Only the job's owner downloads it."""
    first = make_target(world)
    second = _branch_target(world)
    monkeypatch.setattr(views_exchange, "FLAT_SYNC_TARGETS", 1)
    client = world.login("dept_admin")
    response = client.get("/targets/exchange/flat.xlsx", {"fiscal_year": 2026, "status": ""})
    job = Job.objects.get(kind="target.export_flat")
    assert response.status_code == 302 and response["Location"].startswith(f"/jobs/{job.pk}/?back=")
    # The job page's 返回 goes back to the list as filtered, its whole query kept.
    assert 'href="/targets/?fiscal_year=2026&amp;status="' in client.get(response["Location"]).content.decode()
    assert job.status == Job.Status.DONE and job.progress_done == job.progress_total == 2, job.message
    content = client.get(f"/jobs/{job.pk}/download/result/").getvalue()  # type: ignore[attr-defined]
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["说明", "主表", "资金", "指标", "_meta"] and book["_meta"].sheet_state == "hidden"
    codes = [c.value for c in book["主表"][2]]
    names = sorted(row[codes.index("pro_name")] for row in book["主表"].iter_rows(min_row=3, values_only=True))
    assert names == sorted([first.name, second.name])
    indicator_count = first.indicators.count() + second.indicators.count()
    assert book["指标"].max_row == 2 + indicator_count and book["资金"].max_row == 2 + 3 * 2
    event = AuditEvent.objects.get(event_type="target.export_flat")
    assert "2026" in event.reason and event.changes == {"targets": 2}
    assert world.login("performance").get(f"/jobs/{job.pk}/download/result/").status_code == 404
    upload = SimpleUploadedFile("flat.xlsx", content)
    assert client.post("/targets/exchange/import/", {"file": upload}).status_code == 302
    # A short list is answered at once, as before.
    response = client.get("/targets/exchange/flat.xlsx", {"fiscal_year": 2026, "unit": world.school.pk})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert Job.objects.filter(kind="target.export_flat").count() == 1


def test_a_flat_export_beyond_one_sheet_of_indicators_fails_with_the_reason(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_target(world)
    monkeypatch.setattr(views_exchange, "FLAT_SYNC_TARGETS", 0)
    monkeypatch.setattr(exports, "MAX_SHEET_ROWS", 2)
    world.login("performance").get("/targets/exchange/flat.xlsx", {"fiscal_year": 2026})
    job = Job.objects.get(kind="target.export_flat")
    assert job.status == Job.Status.FAILED and "超过Excel单表上限2行，请按年度、部门或状态筛选后分批导出" in job.message
    assert not job.result_file and not AuditEvent.objects.filter(event_type="target.export_flat").exists()


GRID = [
    {"lv1": "产出指标", "lv2": "数量指标", "name": "新购设备数量", "target_text": "≥80台", "unit": "台"},
    {"lv1": "效益指标", "lv2": "社会效益指标", "name": "学生满意率", "target_text": "≥90%", "unit": "%"},
]


def test_api_grid_put_over_a_newer_version_is_refused_and_its_rows_are_limited(world: World) -> None:
    target = make_target(world)
    client = world.login("unit_user")
    url = f"/api/v1/targets/{target.pk}/indicators/"
    read = client.get(f"/api/v1/targets/{target.pk}/").json()["version"]
    services.target_update(actor=world.users["dept_admin"], target=target, data={"annual_goal": "部门改过的目标"})
    names = sorted(target.indicators.values_list("name", flat=True))
    stale = client.put(url, {"indicators": GRID, "version": read}, content_type="application/json")
    assert stale.status_code == 409 and "已被他人修改" in stale.json()["detail"]
    too_many = [{**GRID[0], "name": f"指标{i}"} for i in range(201)]
    long = client.put(url, {"indicators": too_many}, content_type="application/json")
    assert long.status_code == 400 and "每个绩效目标最多200个指标（现有201个）" in long.content.decode()
    assert sorted(target.indicators.values_list("name", flat=True)) == names
    fresh = client.get(f"/api/v1/targets/{target.pk}/").json()["version"]
    saved = client.put(url, {"indicators": GRID, "version": fresh}, content_type="application/json")
    assert saved.status_code == 200
    assert [i["name"] for i in saved.json()["indicators"]] == ["新购设备数量", "学生满意率"]


def test_api_judging_an_adjustment_changed_since_it_was_read_is_refused(world: World) -> None:
    target = move(world, make_target(world), *TO_READY, ("budget", "approve"), ("unit_user", "request_adjustment"))
    budget = world.login("budget")
    url = f"/api/v1/targets/{target.pk}/transition/"
    read = budget.get(f"/api/v1/targets/{target.pk}/").json()["version"]
    services.target_update(actor=world.users["unit_user"], target=target, data={"annual_goal": "调整后的年度目标"})
    stale = budget.post(url, {"action": "approve_adjustment", "version": read}, content_type="application/json")
    assert stale.status_code == 409 and "单位在您打开页面后修改了调整内容" in stale.json()["detail"]
    target.refresh_from_db()
    assert target.status == "adjusting" and target.goal_version == 1
    fresh = budget.get(f"/api/v1/targets/{target.pk}/").json()["version"]
    done = budget.post(url, {"action": "approve_adjustment", "version": fresh}, content_type="application/json")
    assert done.status_code == 200 and done.json()["goal_version"] == 2


def test_a_rule_parameter_with_a_nul_or_an_overlong_word_is_refused_in_chinese_and_nothing_is_saved(
    world: World,
) -> None:
    client = world.login("performance")
    data = {"severity": "warning", "is_enabled": "on", "param-keyword": "产\x00出"}
    response = client.post("/targets/rules/T-NO-OUTPUT/", data)
    assert response.status_code == 400 and "含有不可见的控制字符" in response.content.decode()
    response = client.post("/targets/rules/T-VAGUE/", {**data, "param-words": "显著、" + "长" * 101})
    assert response.status_code == 400 and "每项不超过100个字" in response.content.decode()
    assert not SmartCheckRule.objects.filter(region=world.region).exists()


def test_a_rule_row_saved_by_another_user_meanwhile_is_a_conflict_not_a_500(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    actor = world.users["performance"]
    services_rules.check_rule_set(actor=actor, code="T-VAGUE", severity="warning", is_enabled=True, params={})
    # The other user's row is there, but this save read before it was (a race): the insert meets the unique key.
    monkeypatch.setattr(QuerySet, "first", lambda self: None)
    with pytest.raises(ConflictError, match="规则 T-VAGUE 在本区划的设置已被他人保存，请刷新后重试"):
        services_rules.check_rule_set(actor=actor, code="T-VAGUE", severity="error", is_enabled=True, params={})
    monkeypatch.undo()
    assert SmartCheckRule.objects.get(code="T-VAGUE", region=world.region).severity == "warning"


@pytest.mark.parametrize("typed", ["999.999", 999.995, "999.9951"])
def test_an_imported_weight_rounding_to_1000_is_a_cell_error_not_a_database_error(typed: object) -> None:
    with pytest.raises(ValueError, match=re.escape("分值应为0～999.99之间的数字")):
        weight_of(typed)
    assert weight_of("999.994") == Decimal("999.99")


def test_only_the_user_of_the_departments_own_unit_starts_its_overall_target(world: World) -> None:
    # 县教育局本级 (lowest code) is the unit a 部门整体 target is filed as; 县第一中学 is another first-level unit.
    own = BudgetUnitFactory(department=world.edu, agency_code="101000", name="县教育局本级", level=1)
    school = world.login("unit_user")
    assert "县教育局" not in school.get("/targets/dept/start/?fiscal_year=2026").content.decode()
    response = school.post("/targets/dept/start/", {"department": world.edu.pk, "fiscal_year": 2026})
    assert response.status_code == 404
    assert not PerformanceTarget.objects.filter(subject_type="dept_overall").exists()
    Membership.objects.create(user=UserFactory(username="p_own"), role="unit_user", region=world.region, unit=own)
    client = Client()
    assert client.login(username="p_own", password=TEST_PASSWORD)
    response = client.post("/targets/dept/start/", {"department": world.edu.pk, "fiscal_year": 2026})
    target = PerformanceTarget.objects.get(subject_type="dept_overall", department=world.edu)
    assert target.unit == own and client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("typed", ["1e999999999", "-2000000000"])
def test_a_rule_number_no_check_can_compute_with_is_refused_at_its_field(world: World, typed: str) -> None:
    data = {"severity": "warning", "is_enabled": "on", "param-ratio": typed}
    response = world.login("performance").post("/targets/rules/T-FAR-ABOVE-HISTORY/", data)
    assert response.status_code == 400
    assert "参数“超过历史最好水平的倍数”的绝对值不能超过1000000000" in response.content.decode()
    with pytest.raises(services_rules.ParamError, match="绝对值不能超过"):
        services_rules.check_rule_set(
            actor=world.users["performance"],
            code="T-WEIGHT-SUM",
            severity="warning",
            is_enabled=True,
            params={"total": typed},
        )
    assert not SmartCheckRule.objects.filter(region=world.region).exists()
