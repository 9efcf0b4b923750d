"""The 自评表校验 page and API: real uploads and JSON, scoped to roles that may use it, nothing stored."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from jixiao.core.models import AuditEvent
from jixiao.evaluation.samples import example_sheet
from jixiao.evaluation.selfeval_xlsx import read_selfevaluations, write_selfevaluations

URL = "/evaluation/selfeval-check/"
API = "/api/v1/selfevaluation-check/"


def _upload(content: bytes, name: str = "自评表.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_unit_uploads_a_sheet_and_sees_computed_scores(world: Any) -> None:
    sheet = example_sheet(2026)
    sheet.rows[0].actual_text = "450人"  # claimed full marks for 450 of 500: 18 points, flagged
    client = world.login("unit_user")
    response = client.post(URL, {"file": _upload(write_selfevaluations([sheet]))})
    assert response.status_code == 200
    page = response.content.decode()
    assert "D_SCORE_MISMATCH" in page and "D_FULL_BUT_UNMET" in page and "需人工评分" not in page
    assert "450 ÷ 目标值 500 × 分值 20 = 18" in page
    assert AuditEvent.objects.filter(event_type="evaluation.selfeval_check").count() == 1
    # The parsed values are named in Chinese, not by the parser's codes (“NUM GE 500人”, “QUAL QUAL”).
    parsed = page.split('data-testid="check-parsed">')[1:]
    shown = [p.split("</div>")[0] for p in parsed]
    assert "数值 ≥500人" in shown and "数值 450人" in shown and "时间 ≤2026-10-31" in shown and "定性" in shown
    assert not any(code in text for text in shown for code in ("NUM", "QUAL", "TIME", " GE", " LE"))


def test_sample_download_is_a_valid_standard_sheet(world: Any) -> None:
    response = world.login("dept_admin").get(URL + "sample.xlsx")
    assert response.status_code == 200
    [sheet] = read_selfevaluations(response.content)
    assert sheet.total_claimed == Decimal("99.6") and len(sheet.rows) == 6


def test_bad_files_get_a_chinese_error_and_4xx(world: Any) -> None:
    client = world.login("unit_user")
    not_xlsx = client.post(URL, {"file": _upload(b"a,b", "x.csv")})
    assert not_xlsx.status_code == 400 and "请上传 .xlsx" in not_xlsx.content.decode()
    broken = client.post(URL, {"file": _upload(b"PK\x03\x04garbage")})
    assert broken.status_code == 400 and "文件" in broken.content.decode()


def test_roles_without_business_data_cannot_use_it(world: Any) -> None:
    assert world.login("sys_admin").get(URL).status_code == 403
    assert world.login("expert").post(API, {}, content_type="application/json").status_code == 403


def _payload() -> dict[str, Any]:
    return {
        "fiscal_year": 2026,
        "project": "农村实用人才培训",
        "funds": {
            "TOTAL": {"initial_wan": "100", "annual_wan": "100", "exec_wan": "95", "rate": "0.95"},
            "FISCAL": {"initial_wan": "100", "annual_wan": "100", "exec_wan": "95"},
        },
        "exec_weight": "10",
        "exec_score_claimed": "9.5",
        "indicators": [
            {
                "lv1": "产出",
                "lv2": "数量指标",
                "name": "培训人数",
                "target": "≥500人",
                "actual": "480人",
                "weight": 50,
                "claimed": 50,
            },
            {
                "lv1": "效益指标",
                "lv2": "社会效益指标",
                "name": "能力提升",
                "target": "显著提升",
                "actual": "明显提升",
                "weight": 40,
                "claimed": 40,
            },
        ],
        "total_claimed": "99.5",
        "grade_claimed": "优",
    }


def test_api_scores_the_same_table_as_json(world: Any) -> None:
    response = world.login("performance").post(API, _payload(), content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["exec"] == body["exec"] | {"rate": 0.95, "claimed": 9.5, "computed": 9.5, "flags": []}
    first = body["indicators"][0]
    assert first["target"]["kind"] == "NUM" and first["target"]["op"] == "GE" and first["target"]["num"] == 500
    assert first["computed"] == 48 and "D_SCORE_MISMATCH" in first["flags"]
    assert body["total"] == {"claimed": 99.5, "computed": 97.5}
    assert body["grade"] == {"claimed": "优", "computed": "优"}


def test_api_rejects_malformed_tables_in_chinese(world: Any) -> None:
    client = world.login("unit_user")
    bad = _payload() | {"funds": {"NOPE": {}}}
    response = client.post(API, bad, content_type="application/json")
    assert response.status_code == 400 and "未知的资金行" in response.content.decode()
    empty = client.post(API, _payload() | {"indicators": []}, content_type="application/json")
    assert empty.status_code == 400


def test_a_region_row_changes_the_rules_for_that_region_only(world: Any) -> None:
    from jixiao.evaluation.models import ScoringSettings
    from jixiao.evaluation.selectors import scoring_config

    national = scoring_config(world.region, 2026)
    assert national.grade_bands["优"] == 90 and national.exec_weight == 10
    ScoringSettings.objects.create(region=world.region, fiscal_year=2026, grade_excellent=Decimal(98))
    assert scoring_config(world.region, 2026).grade_bands["优"] == 98
    assert scoring_config(world.region, 2025).grade_bands["优"] == 90
    assert scoring_config(world.other_region, 2026).grade_bands["优"] == 90
    body = world.login("performance").post(API, _payload(), content_type="application/json").json()
    assert body["grade"] == {"claimed": "优", "computed": "良"}  # 97.5 is 良 under a 98-point 优 band
