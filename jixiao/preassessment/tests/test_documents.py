"""Word documents of an assessment (opened again with python-docx) and the Excel export (opened with openpyxl)."""

from __future__ import annotations

import io
from decimal import Decimal
from urllib.parse import unquote

import docx
import openpyxl
import pytest
from django.utils import timezone

from conftest import World
from jixiao.core.models import AuditEvent
from jixiao.core.tests.helpers import tables_kept_whole
from jixiao.preassessment.documents import EXPORT_HEADERS, assessment_report_docx, review_opinion_docx
from jixiao.preassessment.models import Conclusion, PreAssessment, PreAssessmentStatus
from jixiao.preassessment.tests.factories import PreAssessmentFactory, concluded
from jixiao.projects.tests.factories import ProjectFactory

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _texts(content: bytes) -> list[str]:
    document = docx.Document(io.BytesIO(content))
    texts = [p.text for p in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return texts


def _reduced(world: World) -> PreAssessment:
    pa = concluded(world.school_project, Conclusion.SUPPORT_AFTER_ADJUSTMENT, "600000.00", requested="800000.00")
    pa.score = Decimal("72.50")
    pa.conclusion_opinion = "建议压减设备购置数量"
    pa.save(update_fields=["score", "conclusion_opinion"])
    return pa


def test_report_has_the_outline_the_filing_and_the_conclusion(world: World) -> None:
    texts = _texts(assessment_report_docx(_reduced(world)))
    joined = "\n".join(texts)
    assert texts[0] == "事前绩效评估报告"
    for heading in ["一、评估对象基本情况", "二、评估工作开展情况", "三、综合评估情况与评估结论", "四、相关建议"]:
        assert heading in texts
    assert "五、其他需要说明的问题" in texts
    assert "符合县委县政府部署，与部门职能相关" in texts
    assert "80.00" in texts  # requested amount in 万元 in the basics table
    assert "调整后支持" in joined and "支持金额60.00万元" in joined and "压减20.00万元" in joined
    assert "72.50分" in joined and "建议压减设备购置数量" in joined


def test_opinion_is_addressed_to_the_unit_with_amounts_score_and_date(world: World) -> None:
    pa = _reduced(world)
    texts = _texts(review_opinion_docx(pa))
    joined = "\n".join(texts)
    assert texts[0] == "事前绩效评估审核意见"
    assert "县第一中学：" in texts
    assert "调整后支持" in texts and "60.00" in texts and "20.00" in texts and "72.50分" in texts
    assert "建议压减设备购置数量" in joined
    assert "渠县财政局" in texts and any(t.endswith("日") and "年" in t and "月" in t for t in texts)


def test_control_characters_do_not_break_the_documents(world: World) -> None:
    pa = _reduced(world)
    pa.necessity = "必要\x00性\x07充分\r\n第二段\x1b"
    pa.conclusion_opinion = "意见\x0b内容"
    for content in (assessment_report_docx(pa), review_opinion_docx(pa)):
        joined = "\n".join(_texts(content))
        assert "\x00" not in joined and "\x07" not in joined
    report = _texts(assessment_report_docx(pa))
    assert "必要性充分" in report and "第二段" in report
    for content in (assessment_report_docx(pa), review_opinion_docx(pa)):
        assert tables_kept_whole(docx.Document(io.BytesIO(content)))


@pytest.mark.parametrize("persona", ["unit_user", "performance"])
@pytest.mark.parametrize(
    ("path", "event", "name"),
    [
        ("report", "preassessment.report_download", "事前绩效评估报告"),
        ("opinion", "preassessment.opinion_download", "事前绩效评估审核意见"),
    ],
)
def test_downloads_are_word_files_with_a_chinese_name_and_an_audit_event(
    world: World, persona: str, path: str, event: str, name: str
) -> None:
    pa = _reduced(world)
    response = world.login(persona).get(f"/preassessment/{pa.pk}/documents/{path}/")
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    disposition = unquote(response["Content-Disposition"])
    assert disposition.startswith("attachment") and name in disposition and "一中教学设备购置" in disposition
    assert _texts(response.content)[0] == name
    section = docx.Document(io.BytesIO(response.content)).sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)  # A4
    assert AuditEvent.objects.filter(event_type=event, object_id=str(pa.pk)).count() == 1


def test_another_units_documents_do_not_exist(world: World) -> None:
    pa = _reduced(world)
    client = world.login("other_unit_user")
    for path in ("report", "opinion"):
        assert client.get(f"/preassessment/{pa.pk}/documents/{path}/").status_code == 404
    assert not AuditEvent.objects.filter(event_type__endswith="_download").exists()


def test_opinion_of_an_unconcluded_assessment_is_a_conflict(world: World) -> None:
    pa = PreAssessmentFactory(project=world.school_project, fin_review=True)
    client = world.login("unit_user")
    response = client.get(f"/preassessment/{pa.pk}/documents/opinion/")
    assert response.status_code == 409 and "尚未作出评估结论" in response.content.decode()
    assert client.get(f"/preassessment/{pa.pk}/documents/report/").status_code == 200


def test_detail_page_links_the_documents(world: World) -> None:
    pa = _reduced(world)
    body = world.login("unit_user").get(f"/preassessment/{pa.pk}/").content.decode()
    assert f"/preassessment/{pa.pk}/documents/report/" in body and f"/preassessment/{pa.pk}/documents/opinion/" in body


def test_export_holds_exactly_the_visible_rows_as_numbers(world: World) -> None:
    _reduced(world)
    PreAssessmentFactory(project=world.hospital_project)  # another unit's: invisible
    PreAssessmentFactory(project=world.branch_project, fiscal_year=2027)  # visible, but another year
    PreAssessmentFactory(project=ProjectFactory(unit=world.school, code="P-FORMULA", name="=HYPERLINK(1)"))
    client = world.login("unit_user")
    assert "/preassessment/export/" in client.get("/preassessment/").content.decode()
    response = client.get("/preassessment/export/?fiscal_year=2026")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "2026年度事前绩效评估.xlsx" in unquote(response["Content-Disposition"])
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == EXPORT_HEADERS
    by_code = {row[1]: row for row in rows[1:]}
    assert sorted(by_code) == ["P-FORMULA", "P-SCHOOL"]
    assert by_code["P-SCHOOL"] == (
        2026,
        "P-SCHOOL",
        "一中教学设备购置",
        "县教育局",
        "县第一中学",
        80,
        "已出结论",
        "调整后支持",
        60,
        20,
        72.5,
        world.region.name,
    )
    assert by_code["P-FORMULA"][7:] == (None, None, None, None, world.region.name)
    formula_row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "P-FORMULA")
    assert formula_row[2].value == "=HYPERLINK(1)" and formula_row[2].data_type == "s"
    assert AuditEvent.objects.filter(event_type="preassessment.export").count() == 1


def test_the_report_tells_how_far_the_assessment_has_come(world: World) -> None:
    pa = _reduced(world)
    done = "\n".join(_texts(assessment_report_docx(pa)))
    assert "由财政绩效管理机构组织评审" in done and "评审正在进行中" not in done
    pa.status, pa.submitted_at = PreAssessmentStatus.DRAFT, None
    draft = "\n".join(_texts(assessment_report_docx(pa)))
    assert "申报单位尚未提交评估材料" in draft and "审核" not in draft.split("二、评估工作开展情况")[1].split("三、")[0]
    pa.status, pa.submitted_at = PreAssessmentStatus.SUBMITTED, timezone.now()
    assert f"目前待主管部门{pa.department.name}审核" in "\n".join(_texts(assessment_report_docx(pa)))
    pa.status = PreAssessmentStatus.FIN_REVIEW
    assert "评审正在进行中" in "\n".join(_texts(assessment_report_docx(pa)))


def test_the_opinion_table_is_written_in_the_opinions_own_style(world: World) -> None:
    """审核意见's figures table: label and value in the document's text style (仿宋_GB2312 14pt), no head row."""
    from jixiao.core.tests.helpers import cell_look, head_repeats

    word = docx.Document(io.BytesIO(review_opinion_docx(_reduced(world))))
    (table,) = word.tables
    assert [cell_look(c) for c in table.rows[0].cells] == [
        ("评估结论", None, None, False),
        ("调整后支持", None, None, False),
    ]
    assert cell_look(table.rows[4].cells[1]) == ("72.50分", None, None, False)
    assert not head_repeats(table) and tables_kept_whole(word)
