"""A filled 项目支出绩效自评表: written in the standard layout, read back, scored, compared (no database)."""

from __future__ import annotations

import io
import json
from decimal import Decimal as D  # noqa: N817
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from jixiao.core.spreadsheets import SpreadsheetError
from jixiao.evaluation.scoring import FundRow, IndicatorRow, SelfEvalSheet, as_dict, evaluate
from jixiao.evaluation.selfeval_xlsx import SelfEvalFormatError, read_selfevaluations, write_selfevaluations

WAN = D(10000)


def _sheet(**overrides: object) -> SelfEvalSheet:
    rows = [
        IndicatorRow(13, "产出指标", "数量指标", "培训人数", "≥500人", "480人", D(20), D(20)),
        IndicatorRow(14, "产出指标", "质量指标", "培训合格率", "≥95%", "96%", D(15), D(15)),
        IndicatorRow(15, "产出指标", "时效指标", "完成时间", "9月底前", "2026年9月20日", D(5), D(5)),
        IndicatorRow(16, "产出指标", "成本指标", "人均培训成本", "≤500元", "520元", D(10), D(10)),
        IndicatorRow(17, "效益指标", "社会效益指标", "群众知晓率", "显著提升", "明显提升", D(30), D(30)),
        IndicatorRow(18, "满意度指标", "服务对象满意度指标", "学员满意度", "≥90%", "92%", D(10), D(10)),
    ]
    sheet = SelfEvalSheet(
        fiscal_year=2026,
        project_name="农村实用人才培训",
        department="县农业农村局",
        unit="县农技推广中心",
        funds={
            "TOTAL": FundRow(100 * WAN, 100 * WAN, 95 * WAN, D("0.95")),
            "FISCAL": FundRow(80 * WAN, 80 * WAN, 76 * WAN, D("0.95")),
            "CARRYOVER": FundRow(20 * WAN, 20 * WAN, 19 * WAN, D("0.95")),
            "OTHER": FundRow(D(0), D(0), D(0), None),
        },
        exec_weight=D(10),
        exec_score_claimed=D("9.5"),
        goal_expected="培训农村实用人才500人",
        goal_actual="培训480人，合格率96%",
        rows=rows,
        total_weight=D(100),
        total_claimed=D("99.5"),
        grade_claimed="优",
    )
    for key, value in overrides.items():
        setattr(sheet, key, value)
    return sheet


def _roundtrip(sheet: SelfEvalSheet) -> SelfEvalSheet:
    [read] = read_selfevaluations(write_selfevaluations([sheet]))
    return read


def test_roundtrip_keeps_every_value() -> None:
    read = _roundtrip(_sheet())
    assert (read.fiscal_year, read.project_name, read.department, read.unit) == (
        2026,
        "农村实用人才培训",
        "县农业农村局",
        "县农技推广中心",
    )
    assert read.funds["TOTAL"].annual_yuan == D(1_000_000) and read.funds["OTHER"].executed_yuan == 0
    assert [r.name for r in read.rows] == [r.name for r in _sheet().rows]
    assert read.rows[0].target_text == "≥500人" and read.rows[2].actual_text == "2026年9月20日"
    assert (read.total_claimed, read.grade_claimed, read.exec_score_claimed) == (D("99.5"), "优", D("9.5"))


def test_scores_every_row_and_flags_what_the_unit_overclaimed() -> None:
    result = evaluate(_roundtrip(_sheet()))
    computed = [r.computed.value for r in result.indicators]
    assert computed == [D("19.20"), D("15.00"), D("5.00"), D("9.60"), D("30.00"), D("10.00")]
    assert result.exec.computed.value == D("9.50") and result.exec.issues == []
    assert result.total_computed == D("98.30") and result.grade_computed == "优"
    first = {i.code for i in result.indicators[0].issues}
    assert {"D_SCORE_MISMATCH", "D_FULL_BUT_UNMET"} <= first
    assert "D_TOTAL_VS_COMPUTED" in {i.code for i in result.issues}
    assert not result.has_errors  # only warnings: the paper table itself is consistent
    assert "480 ÷ 目标值 500 × 分值 20 = 19.2" in result.indicators[0].computed.formula


def test_inconsistent_paper_table_gets_every_error() -> None:
    sheet = _sheet(exec_score_claimed=D(10), total_claimed=D(95), grade_claimed="良")
    sheet.funds["FISCAL"] = FundRow(70 * WAN, 80 * WAN, 76 * WAN, D("0.95"))
    sheet.rows[1] = IndicatorRow(14, "产出指标", "质量指标", "培训合格率", "≥95%", "85%", D(15), D(12))
    result = evaluate(_roundtrip(sheet))
    codes = {i.code for i in result.all_issues()}
    assert {"D_EXEC_SCORE", "E_FUNDS_SUM", "D_TOTAL", "D_GRADE", "E_DEVIATION_TEXT_MISSING"} <= codes
    assert result.has_errors


def test_qualitative_level_from_text_disagreeing_with_the_claimed_score() -> None:
    sheet = _sheet()
    sheet.rows[4] = IndicatorRow(17, "效益指标", "社会效益指标", "群众知晓率", "显著提升", "未完成", D(30), D(30))
    result = evaluate(_roundtrip(sheet))
    row = result.indicators[4]
    assert row.level_suggested == "NOT_ACHIEVED" and row.computed.value == D("9.00")
    assert "D_QUAL_LEVEL_TEXT" in {i.code for i in row.issues}


def test_numeric_percent_cells_become_text_as_the_spec_says() -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(write_selfevaluations([_sheet()])))
    ws = workbook.active
    ws["E14"] = 0.955
    ws["E14"].number_format = "0.0%"
    ws["F14"] = 0.96
    ws["F14"].number_format = "0%"
    buffer = io.BytesIO()
    workbook.save(buffer)
    [read] = read_selfevaluations(buffer.getvalue())
    assert (read.rows[1].target_text, read.rows[1].actual_text) == ("95.5%", "96%")


def test_layout_errors_name_the_cell() -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(write_selfevaluations([_sheet()])))
    workbook.active["A1"] = "项目绩效表"
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(SelfEvalFormatError, match="A1"):
        read_selfevaluations(buffer.getvalue())
    workbook.active["A1"] = "项目支出绩效自评表"
    workbook.active.unmerge_cells("A19:F19")
    workbook.active["A19"] = None
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(SelfEvalFormatError, match="E_NO_TOTAL_ROW"):
        read_selfevaluations(buffer.getvalue())
    with pytest.raises(SpreadsheetError):
        read_selfevaluations(b"not a workbook")


def test_as_dict_shape_is_the_documented_one() -> None:
    payload = as_dict(evaluate(_sheet()))
    assert set(payload) >= {"exec", "indicators", "total", "grade", "flags"}
    assert set(payload["exec"]) >= {"rate", "claimed", "computed", "flags"}
    row = payload["indicators"][0]
    assert set(row) >= {"row", "name", "weight", "target", "actual", "claimed", "computed", "flags"}
    assert row["target"] | {} == row["target"] and {"kind", "op", "num", "unit"} <= set(row["target"])
    assert row["target"]["kind"] == "NUM" and row["target"]["op"] == "GE" and row["target"]["num"] == 500
    assert payload["indicators"][2]["target"]["kind"] == "TIME"
    assert payload["indicators"][4]["target"]["kind"] == "QUAL"
    assert payload["total"] == {"claimed": 99.5, "computed": 98.3}
    assert payload["grade"] == {"claimed": "优", "computed": "优"}
    json.dumps(payload)  # JSON-ready


def test_command_prints_json_without_any_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "自评表.xlsx"
    path.write_bytes(write_selfevaluations([_sheet()]))
    call_command("check_selfevaluation", str(path), "--json")
    payload = json.loads(capsys.readouterr().out)
    assert payload["exec"]["rate"] == 0.95 and payload["exec"]["computed"] == 9.5
    assert payload["indicators"][0]["computed"] == 19.2 and payload["indicators"][0]["claimed"] == 20
    assert "D_SCORE_MISMATCH" in payload["indicators"][0]["flags"]
    assert payload["indicators"][3]["actual"]["unit"] == "元"


def test_command_text_output_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.xlsx"
    path.write_bytes(write_selfevaluations([_sheet(), _sheet(project_name="第二个项目")]))
    call_command("check_selfevaluation", str(path))
    out = capsys.readouterr().out
    assert "农村实用人才培训" in out and "第二个项目" in out and "计算得分 19.2" in out
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("check_selfevaluation", str(tmp_path / "missing.xlsx"))
