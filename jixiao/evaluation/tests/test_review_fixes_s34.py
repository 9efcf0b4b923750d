"""Review fixes (s34): a 自评表 with a NaN, infinite or absurd 执行率 or a year before 1000 is refused with its cell, a
28-digit 实际完成值 scores instead of failing, re-score notes with control characters are refused, control characters
never break an export, the exports and the circular are audited, a return clears the rows' 审定得分, and a new record
takes the region's 预算执行率 points."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import World
from jixiao.core.errors import DomainError
from jixiao.core.models import AuditEvent
from jixiao.core.spreadsheets import put, write_workbook
from jixiao.evaluation import services, services_reeval
from jixiao.evaluation.models import ReEvaluationBatch, ScoringSettings, SelfEvalStatus, SelfEvaluation
from jixiao.evaluation.samples import example_sheet
from jixiao.evaluation.scoring import evaluate, rules
from jixiao.evaluation.scoring.config import NATIONAL_DEFAULT
from jixiao.evaluation.selfeval_xlsx import SelfEvalFormatError, read_selfevaluations, write_selfevaluations
from jixiao.evaluation.tests.selfeval_helpers import (
    YEAR,
    approved_target,
    fill_clean,
    pay,
    school_record,
    set_amounts,
    start,
)
from jixiao.evaluation.tests.test_reeval import final_records
from jixiao.indicators.valueparse import Op

CHECK = "/evaluation/selfeval-check/"
API = "/api/v1/selfevaluation-check/"
HUGE = "1" * 28  # the most digits the value parser reads


def _upload(content: bytes, name: str = "自评表.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _edited(content: bytes, **cells: Any) -> bytes:
    """The workbook with some cells overwritten (a value, or (value, number format))."""
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    ws = workbook.worksheets[0]
    for address, value in cells.items():
        value, shown = value if isinstance(value, tuple) else (value, None)
        ws[address] = value
        if shown:
            ws[address].number_format = shown
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sample(**cells: Any) -> bytes:
    return _edited(write_selfevaluations([example_sheet(YEAR)]), **cells)


# ---- 1. the 执行率 cell


@pytest.mark.parametrize(
    "value",
    ["NaN", "NaN%", "sNaN", "sNaN%", "Infinity", "-Infinity%", "1E+10", (1e10, "0.00%"), (1e300, "General"), "-5%"],
)
def test_a_rate_that_is_not_a_finite_number_in_range_is_refused_with_its_cell(value: Any) -> None:
    with pytest.raises(SelfEvalFormatError, match="单元格G6（执行率）数值超出范围"):
        read_selfevaluations(_sample(G6=value))


def test_rates_in_every_usual_form_are_still_read() -> None:
    [sheet] = read_selfevaluations(_sample(G6=(0.955, "0.00%"), G7="95.5%", G8="—", G9=(150, "General")))
    assert sheet.funds["TOTAL"].rate_claimed == Decimal("0.955")
    assert sheet.funds["FISCAL"].rate_claimed == Decimal("0.955")
    assert sheet.funds["CARRYOVER"].rate_claimed is None
    assert sheet.funds["OTHER"].rate_claimed == Decimal("1.5")
    [sheet] = read_selfevaluations(_sample(G6="99900%"))
    assert sheet.funds["TOTAL"].rate_claimed == Decimal(999)


@pytest.mark.django_db
def test_the_check_page_and_the_import_refuse_a_nan_rate_with_400(world: World) -> None:
    response = world.login("performance").post(CHECK, {"file": _upload(_sample(G6="sNaN%"))})
    assert response.status_code == 400 and "单元格G6（执行率）数值超出范围" in response.content.decode()
    set_amounts(world.school_project, fiscal="100000")
    approved_target(world)
    start(world)
    record = school_record(world)
    client = world.login("unit_user")
    exported = client.get(f"/evaluation/self/{record.pk}/export/").content
    imported = client.post(f"/evaluation/self/{record.pk}/import/", {"file": _upload(_edited(exported, G6="1E+10"))})
    assert imported.status_code == 400 and "单元格G6（执行率）数值超出范围" in imported.content.decode()
    assert record.funds.get(fund_source="TOTAL").exec_rate is None


# ---- 2. a huge 实际完成值


def test_a_28_digit_actual_against_a_small_target_is_flagged_not_an_exception() -> None:
    issue = rules.overshoot(Op.GE, Decimal("0.01"), Decimal(HUGE), NATIONAL_DEFAULT)
    assert issue is not None and issue.code == "W_OVERSHOOT" and "超过目标值的10000倍" in issue.message
    modest = rules.overshoot(Op.GE, Decimal(100), Decimal(150), NATIONAL_DEFAULT)
    assert modest is not None and "实际值为目标值的150%" in modest.message
    sheet = example_sheet(YEAR)
    sheet.rows[0].actual_text = f"{HUGE}人"
    row = evaluate(sheet).indicators[0]
    assert row.computed.value == Decimal("20.00") and "W_OVERSHOOT" in {i.code for i in row.issues}


def test_rounding_never_exceeds_the_decimal_precision() -> None:
    """An execution over a budget of a fraction of a cent (a 万元 cell with eleven decimals) gives a rate of 24 digits
    before the point: rounding it to 0.000001 needed more than 28 digits."""
    result = rules.exec_score(Decimal("0.0000001"), Decimal("9999999999999999"), NATIONAL_DEFAULT)
    assert result.score.value == Decimal("10.00") and result.rate == Decimal("99999999999999990000000.000000")
    assert rules.q2(Decimal(HUGE) * 100) == Decimal(f"{HUGE}00.00")


@pytest.mark.django_db
def test_the_check_page_and_the_api_score_a_huge_actual(world: World) -> None:
    client = world.login("performance")
    content = _sample(F13=f"{HUGE}人")
    response = client.post(CHECK, {"file": _upload(content)})
    assert response.status_code == 200 and "超过目标值的10000倍" in response.content.decode()
    payload = {
        "fiscal_year": YEAR,
        "funds": {"TOTAL": {"initial_wan": "1", "annual_wan": "1", "exec_wan": "1"}},
        "exec_weight": "10",
        "indicators": [
            {
                "lv1": "产出指标",
                "lv2": "数量指标",
                "name": "人数",
                "target": "≥0.01人",
                "actual": f"{HUGE}人",
                "weight": 90,
            }
        ],
    }
    answer = client.post(API, payload, content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert "W_OVERSHOOT" in answer.json()["indicators"][0]["flags"]


# ---- 3. the year in A2


@pytest.mark.parametrize("title", ["（0999年度）", "（0000年度）"])
def test_a_year_before_1000_is_refused_with_cell_a2(title: str) -> None:
    with pytest.raises(SelfEvalFormatError, match="单元格A2的年度"):
        read_selfevaluations(_sample(A2=title))


@pytest.mark.django_db
def test_the_check_page_refuses_a_year_before_1000_with_400(world: World) -> None:
    response = world.login("performance").post(CHECK, {"file": _upload(_sample(A2="（0999年度）"))})
    assert response.status_code == 400 and "单元格A2的年度“0999”无效" in response.content.decode()


# ---- 4. re-score notes


def _drawn_sample(world: World) -> Any:
    final_records(world)
    perf = world.users["performance"]
    values = {"fiscal_year": YEAR, "subject": "project", "rate": Decimal(1), "n_min": 1}
    batch = services_reeval.batch_draw(actor=perf, batch=services_reeval.batch_create(actor=perf, data=values))
    return batch.samples.get(code="P-SCHOOL")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("comment", "message"), [("属实\x00", "控制字符"), ("核\x07实", "控制字符"), ("长" * 501, "500")]
)
def test_a_rescore_note_with_a_control_character_or_too_long_is_refused(
    world: World, comment: str, message: str
) -> None:
    sample = _drawn_sample(world)
    scores = {r["key"]: r["score"] for r in sample.rows} | {"exec": "10"}
    with pytest.raises(DomainError, match=message):
        services_reeval.sample_rescore(
            actor=world.users["performance"], sample=sample, scores=scores, comments={"exec": comment}
        )
    sample.refresh_from_db()
    assert sample.re_score is None


@pytest.mark.django_db
def test_the_sample_page_answers_400_for_a_nul_in_a_note_and_keeps_a_tab_as_a_space(world: World) -> None:
    sample = _drawn_sample(world)
    client = world.login("performance")
    data = {f"score-{r['key']}": r["score"] for r in sample.rows} | {"score-exec": "10", "opinion": "属实"}
    refused = client.post(f"/evaluation/reeval/samples/{sample.pk}/", data | {"comment-exec": "属\x00实"})
    assert refused.status_code == 400 and "“预算执行率”的说明不能包含控制字符" in refused.content.decode()
    saved = client.post(f"/evaluation/reeval/samples/{sample.pk}/", data | {"comment-exec": "执行\t属实"})
    assert saved.status_code == 302
    sample.refresh_from_db()
    assert sample.rows[0]["comment"] == "执行 属实"


# ---- 5. control characters in exports


def test_the_workbook_helpers_drop_characters_a_cell_cannot_hold() -> None:
    content = write_workbook([("表", ["名称\x02"], [["甲\x00乙\x1f丙\t丁\n戊", 1]])], title="标题\x03")
    ws = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    assert ws["A1"].value == "标题" and ws["A2"].value == "名称" and ws["A3"].value == "甲乙丙\t丁\n戊"
    workbook = openpyxl.Workbook()
    put(workbook.active, "A1", "=说明\x0b")
    assert workbook.active["A1"].value == "=说明" and workbook.active["A1"].data_type == "s"


@pytest.mark.django_db
def test_the_selfevaluation_export_survives_control_characters_and_is_audited(world: World) -> None:
    set_amounts(world.school_project, fiscal="100000")
    pay(world.school_project, "100000", date(YEAR, 11, 30))
    approved_target(world)
    start(world)
    record = fill_clean(world, school_record(world), goal_actual="已购置\x01教学设备\x1b120台")
    client = world.login("unit_user")
    response = client.get(f"/evaluation/self/{record.pk}/export/")
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert ws["F11"].value == "已购置教学设备120台"
    event = AuditEvent.objects.get(event_type="evaluation.selfeval_export")
    assert event.object_id == str(record.pk) and event.changes["file"][1].endswith(f"_{YEAR}.xlsx")


# ---- 6. the re-evaluation downloads are audited


@pytest.mark.django_db
def test_the_results_export_and_the_circular_are_audited(world: World) -> None:
    sample = _drawn_sample(world)
    perf = world.users["performance"]
    for each in sample.batch.samples.all():
        scores = {r["key"]: r["score"] for r in each.rows} | {"exec": "10"}
        services_reeval.sample_rescore(actor=perf, sample=each, scores=scores)
    batch = services_reeval.batch_finish(actor=perf, batch=sample.batch)
    assert batch.status == ReEvaluationBatch.Status.FINISHED
    client = world.login("performance")
    assert client.get(f"/evaluation/reeval/{batch.pk}/export/").status_code == 200
    assert client.get(f"/evaluation/reeval/{batch.pk}/circular/").status_code == 200
    for code in ("evaluation.reeval_export", "evaluation.reeval_circular"):
        event = AuditEvent.objects.get(event_type=code)
        assert event.object_id == str(batch.pk) and event.actor_id == perf.pk


# ---- 7. a return clears the 审定得分


def _overridden(world: World) -> tuple[SelfEvaluation, Any]:
    """The school's record submitted, with the 主管部门's 审定得分 24 (of 30) on 教学条件改善情况."""
    set_amounts(world.school_project, fiscal="100000")
    pay(world.school_project, "100000", date(YEAR, 11, 30))
    approved_target(world)
    start(world)
    record = fill_clean(world, school_record(world))
    record = services.selfeval_transition(actor=world.users["unit_user"], record=record, action="submit")
    row = record.indicators.get(name="教学条件改善情况")
    services.selfeval_override(
        actor=world.users["dept_admin"], record=record, row=row, score=Decimal(24), reason="佐证不足"
    )
    record.refresh_from_db()
    return record, row


@pytest.mark.django_db
@pytest.mark.parametrize(("reviewer", "action"), [("dept_admin", "dept_return"), ("unit_user", "withdraw")])
def test_a_record_sent_back_to_the_unit_loses_its_rows_reviewer_scores(
    world: World, reviewer: str, action: str
) -> None:
    u = world.users
    record, row = _overridden(world)
    record = services.selfeval_transition(actor=u[reviewer], record=record, action=action, comment="请补充佐证")
    assert record.status in (SelfEvalStatus.RETURNED, SelfEvalStatus.FILLING)
    row.refresh_from_db()
    assert (row.final_score, row.override_reason, row.overridden_by) == (None, "", None)
    assert row.claimed_score == Decimal("30.00")
    cleared = record.events.get(action="override_clear")
    assert "“教学条件改善情况”" in cleared.comment
    event = AuditEvent.objects.get(event_type=f"evaluation.selfeval_{action}")
    assert event.changes["overrides_cleared"] == [None, ["教学条件改善情况"]]
    # The resubmitted record starts a re-score from the computed score, not from the old 审定得分.
    record = services.selfeval_transition(actor=u["unit_user"], record=record, action="submit")
    start_rows = {r["name"]: r["score"] for r in services_reeval.initial_rows(record)}
    row.refresh_from_db()
    assert start_rows["教学条件改善情况"] == str(row.auto_score) != "24.00"


@pytest.mark.django_db
def test_an_approval_keeps_the_reviewer_scores(world: World) -> None:
    record, row = _overridden(world)
    services.selfeval_transition(actor=world.users["dept_admin"], record=record, action="dept_approve", comment="同意")
    row.refresh_from_db()
    assert row.final_score == Decimal("24.00") and row.override_reason == "佐证不足"
    assert not record.events.filter(action="override_clear").exists()


# ---- 8. the 预算执行率 points of the region


@pytest.mark.django_db
def test_a_new_record_takes_the_execution_points_of_the_scoring_settings(world: World) -> None:
    ScoringSettings.objects.create(
        region=world.region, fiscal_year=YEAR, exec_weight=Decimal(20), weight_output=Decimal(40)
    )
    set_amounts(world.school_project, fiscal="100000")
    pay(world.school_project, "50000", date(YEAR, 11, 30))
    approved_target(world)
    start(world)
    record = SelfEvaluation.objects.get(project=world.school_project)
    assert record.exec_weight == Decimal(20)
    assert record.exec_score_computed == Decimal("10.00")  # 50% × 20
    weights = dict(record.indicators.values_list("name", "weight"))
    assert weights["购置教学设备数量"] == Decimal(40)
    assert "E_WEIGHT_SUM" not in record.flags["flags"]
