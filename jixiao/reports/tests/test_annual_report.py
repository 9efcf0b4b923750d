"""年度工作总结: one click computes every §2.9 figure from the records, the text is editable, Word opens (and converts
in LibreOffice when installed), and every figure equals a plain recomputation from the database."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import pytest
from django.urls import reverse

from conftest import World
from jixiao.accounts.models import User
from jixiao.core.models import AuditEvent, Job
from jixiao.reports import services
from jixiao.reports.models import AnnualReport
from jixiao.reports.statistics import CATALOGUE, in_catalogue_order
from jixiao.reports.tests.helpers import YEAR, arrange
from jixiao.reports.tests.recompute import assert_figures_match

GENERATE = reverse("reports:annual_generate")


def _generate(world: World, **extra: Any) -> AnnualReport:
    # The arranged evaluations are of the work year itself: name it (the default is the year before, FY = WY − 1).
    data = {"work_year": YEAR, "fiscal_year": YEAR, "kind": "UPWARD", **extra}
    client = world.login("performance")
    response = client.post(GENERATE, data)
    assert response.status_code == 302, response.content.decode()[:500]
    # Generation is a background job (issue 8); the job page links the draft once it is done.
    job = Job.objects.filter(kind="reports.annual_generate").latest("pk")
    assert response["Location"].startswith(f"/jobs/{job.pk}/") and job.status == Job.Status.DONE, job.message
    report = AnnualReport.objects.get(region=world.region, work_year=YEAR, kind="UPWARD")
    assert job.result_url == reverse("reports:annual_detail", args=[report.pk])
    assert job.result_url in client.get(f"/jobs/{job.pk}/").content.decode()
    return report


def _word_text(content: bytes) -> tuple[str, list[list[str]]]:
    document = docx.Document(io.BytesIO(content))
    text = "\n".join(p.text for p in document.paragraphs)
    rows = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    return text, rows


def test_one_click_computes_the_figures_of_the_arranged_county(world: World) -> None:
    arrange(world)
    report = _generate(world, self_score="96.5")
    stats = report.statistics

    assert stats["PA-1"]["values"] == {"count": 2, "requested_yuan": "800000.00"}
    assert stats["PA-2"]["values"]["supported_count"] == 1
    assert Decimal(stats["PA-3"]["values"]["reduction_yuan"]) == Decimal("400000.00")
    assert stats["TG-1"]["values"]["projects"] == 2
    assert stats["TG-3"]["values"] == {"reviewed": 1, "returned": 1, "rate": "100.00%"}
    assert stats["MON-3"]["values"]["red_projects"] == 1  # the far region's red project is not counted
    assert stats["RA-1"]["values"]["by_kind"]["ADJUST_DOWN"] == {
        "label": "调减",
        "count": 1,
        "projects": 1,
        "amount_yuan": "100000.00",
    }
    assert stats["RA-1"]["values"]["by_kind"]["RECOVER"]["count"] == 0
    assert stats["RA-1"]["values"]["by_source"]["TARGET_REVIEW"]["amount_yuan"] == "50000.00"
    # Each stage's adjustments are counted under it: 目标审核 核减 (TG-4), 事前评估 追减 (PA-3(b)), 监控 调减 (MON-4).
    assert stats["TG-4"]["available"] is True
    assert stats["TG-4"]["values"]["projects"] == 1
    assert stats["TG-4"]["values"]["by_kind"]["REDUCE_ON_REVIEW"]["amount_yuan"] == "50000.00"
    assert stats["PA-3"]["values"]["retro_reduce_yuan"] == "30000.00"
    assert stats["MON-4"]["values"]["by_kind"]["ADJUST_DOWN"]["count"] == 1
    assert stats["MON-4"]["values"]["by_kind"]["REDUCE_ON_REVIEW"]["count"] == 0
    assert "压减支出40.00万元，对1个项目追减预算3.00万元" in report.sections["work_pa"]["text"]
    assert "通过目标审核调整1个项目预算5.00万元（核减1个项目5.00万元）" in report.sections["work_tg"]["text"]
    assert "自评得分96.5分" in report.sections["self_score"]["text"]
    assert_figures_match(stats, world.region.path, YEAR, YEAR)
    assert AuditEvent.objects.filter(event_type="reports.annual_generate", object_id=str(report.pk)).exists()


def test_the_word_file_has_the_structure_the_figures_and_the_appendix(world: World) -> None:
    arrange(world)
    report = _generate(world)
    response = world.login("leader").get(reverse("reports:annual_export", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    content = b"".join(response.streaming_content) if response.streaming else response.content

    text, rows = _word_text(content)
    assert report.title in text
    for heading in (
        "一、工作开展情况",
        "（一）事前绩效评估",
        "二、自评得分情况",
        "三、存在的问题",
        "四、下一步工作打算",
        "附表",
    ):
        assert heading in text, heading
    assert "全年共申报事前绩效评估项目2个，涉及金额80.00万元" in text
    assert "1个项目触发红色预警" in text
    assert rows[0] == ["序号", "统计项", "指标", "数值"]
    numbers = [row[0] for row in rows[1:]]
    assert numbers[0] == "1" and sorted(set(numbers), key=int) == [str(n) for n in range(1, len(report.statistics) + 1)]
    assert ["1", "事前绩效评估申报", "申报金额（万元）", "80.00"] in rows
    assert not any(code in text for code in ("PA-1", "TG-1", "DOMAIN.md"))
    assert AuditEvent.objects.filter(event_type="reports.annual_export", object_id=str(report.pk)).exists()
    _converts_to_pdf(content)


def _converts_to_pdf(content: bytes) -> None:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        return  # LibreOffice not installed here: the python-docx checks above stand
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "report.docx"
        source.write_bytes(content)
        subprocess.run(
            [
                office,
                "--headless",
                f"-env:UserInstallation=file://{tmp}/profile",
                "--convert-to",
                "pdf",
                "--outdir",
                tmp,
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        pdf = Path(tmp) / "report.pdf"
        assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")


def test_edited_text_survives_regeneration_unless_overwritten(world: World) -> None:
    arrange(world)
    report = _generate(world)
    client = world.login("performance")
    data = {
        "version": report.version,
        "title": report.title,
        "doc_no": "渠财绩〔2027〕1号",
        "addressees": "四川省财政厅、达州市财政局",
        **{f"section_{k}": v["text"] for k, v in report.sections.items()},
    }
    data["section_problems"] = "（一）手工填写的问题。"
    response = client.post(reverse("reports:annual_detail", args=[report.pk]), data)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.sections["problems"] == {
        **report.sections["problems"],
        "text": "（一）手工填写的问题。",
        "edited": True,
    }
    assert report.sections["work_pa"]["edited"] is False
    assert AuditEvent.objects.filter(event_type="reports.annual_edit", object_id=str(report.pk)).exists()

    report = _generate(world)
    assert report.sections["problems"]["text"] == "（一）手工填写的问题。"
    assert report.doc_no == "渠财绩〔2027〕1号"

    report = _generate(world, overwrite="on")
    assert report.sections["problems"]["text"] == report.sections["problems"]["generated"]
    assert "手工" not in report.sections["problems"]["text"]

    text, _rows = _word_text(services.annual_report_export(actor=world.users["performance"], report=report))
    assert "渠财绩〔2027〕1号" in text and "四川省财政厅、达州市财政局：" in text


def test_a_stale_edit_is_refused_and_changes_nothing(world: World) -> None:
    report = _generate(world)
    stale = {"version": report.version - 1 if report.version > 1 else 99, "title": "新标题"}
    response = world.login("performance").post(reverse("reports:annual_detail", args=[report.pk]), stale)
    assert response.status_code == 409
    assert "已被他人修改" in response.content.decode()
    report.refresh_from_db()
    assert report.title != "新标题"


def test_bad_input_is_refused_in_chinese_and_nothing_is_written(world: World) -> None:
    response = world.login("performance").post(GENERATE, {"work_year": "1800", "kind": "UPWARD"})
    assert response.status_code == 400
    assert "2000" in response.content.decode()
    response = world.login("performance").post(GENERATE, {"work_year": YEAR, "kind": "NOPE"})
    assert response.status_code == 400
    assert not AnnualReport.objects.exists()


def test_a_final_report_cannot_be_regenerated_or_edited(world: World) -> None:
    report = _generate(world)
    client = world.login("performance")
    response = client.post(reverse("reports:annual_finalize", args=[report.pk]), {"version": report.version})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == AnnualReport.Status.FINAL
    response = client.post(GENERATE, {"work_year": YEAR, "kind": "UPWARD"})
    assert response.status_code == 409
    assert "已定稿" in response.content.decode()
    # 定稿 pressed again on a page of before: the report's page with the reason and 409, not a redirect; its edit
    # form (none now: final) and links name the report's own address.
    again = client.post(reverse("reports:annual_finalize", args=[report.pk]), {"version": report.version - 1})
    assert again.status_code == 409 and 'data-testid="edit-form"' not in again.content.decode()
    broken = client.post(reverse("reports:annual_finalize", args=[report.pk]), {"version": "x"})
    assert broken.status_code == 400 and "操作无效" in broken.content.decode()


@pytest.mark.parametrize("persona", ["dept_admin", "unit_user", "business", "expert"])
def test_departments_units_and_others_cannot_open_the_summary(world: World, persona: str) -> None:
    report = _generate(world)
    client = world.login(persona)
    assert client.get(reverse("reports:annual_list")).status_code == 403
    assert client.get(reverse("reports:annual_export", args=[report.pk])).status_code == 403


def test_readers_cannot_generate_or_edit(world: World) -> None:
    report = _generate(world)
    client = world.login("leader")
    assert client.get(reverse("reports:annual_detail", args=[report.pk])).status_code == 200
    assert client.post(GENERATE, {"work_year": YEAR, "kind": "UPWARD"}).status_code == 403
    response = client.post(
        reverse("reports:annual_detail", args=[report.pk]), {"version": report.version, "title": "x"}
    )
    assert response.status_code == 403


def test_another_regions_summary_is_not_found(world: World) -> None:
    other = AnnualReport.objects.create(region=world.other_region, work_year=YEAR, fiscal_year=YEAR, title="宣汉县报告")
    client = world.login("performance")
    assert client.get(reverse("reports:annual_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("reports:annual_export", args=[other.pk])).status_code == 404
    assert "宣汉县报告" not in client.get(reverse("reports:annual_list")).content.decode()


@pytest.mark.django_db
def test_every_figure_of_the_demo_county_report_matches_the_database(demo_county: str) -> None:
    """The issue's quality bar: the demo county's report, each figure recomputed with plain ORM reads."""
    perf = User.objects.get(username="jxg")
    report = services.annual_report_generate(actor=perf, work_year=2026, fiscal_year=2026)
    stats = report.statistics
    region = perf.active_membership.region  # type: ignore[union-attr]
    assert_figures_match(stats, region.path, 2026, 2026)
    # The demo exercises the stages: the report is not a page of zeros.
    assert stats["TG-1"]["values"]["projects"] > 0
    assert stats["MON-1"]["values"]["units"] > 0
    assert stats["MON-3"]["values"]["monitored_projects"] > 0
    assert (stats["REG-1"]["values"]["issued"], stats["REG-1"]["values"]["forwarded"]) == (1, 1)
    text, rows = _word_text(services.annual_report_export(actor=perf, report=report))
    assert str(stats["TG-1"]["values"]["projects"]) in text
    assert len(rows) > len(stats)


def test_the_appendix_follows_the_catalogue_whatever_order_the_snapshot_keeps() -> None:
    shuffled = {code: {"label": code} for code in reversed(list(CATALOGUE))}
    assert [code for code, _figure in in_catalogue_order(shuffled)] == list(CATALOGUE)
    assert [code for code, _ in in_catalogue_order({"ZZ-9": {}, "TG-1": {}, "PA-1": {}})] == ["PA-1", "TG-1", "ZZ-9"]


def _report_text(html: str) -> str:
    """The read-only text block of the summary page (what a reader sees and what prints)."""
    start = html.index('data-testid="report-text"')
    return html[start : html.index("</div>\n<!-- /report-text -->", start)]


def test_a_reader_sees_the_headings_the_word_file_has(world: World) -> None:
    """一、工作开展情况 heads its seven parts on the page as in the Word file (it was missing on the page)."""
    report = _generate(world)
    html = world.login("leader").get(reverse("reports:annual_detail", args=[report.pk])).content.decode()
    text = _report_text(html)
    headings = ["一、工作开展情况", "（一）事前绩效评估", "二、自评得分情况", "三、存在的问题", "四、下一步工作打算"]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    assert '<h2 class="h6 mt-3"></h2>' not in text  # the untitled opening has no empty heading


def test_the_editors_page_prints_the_report_not_the_text_boxes(world: World) -> None:
    """Printed from the 绩效股's page, the summary reads as text (a 6-line box cut off longer sections on paper):
    the boxes and buttons are for the screen only."""
    report = _generate(world)
    html = world.login("performance").get(reverse("reports:annual_detail", args=[report.pk])).content.decode()
    text = _report_text(html)
    assert "d-none d-print-block" in html[html.rindex("<div", 0, html.index('data-testid="report-text"')) :][:200]
    report.refresh_from_db()
    assert report.sections["next_steps"]["text"].split("\n")[-1] in text
    assert 'class="d-print-none" data-testid="edit-form"' in html


def test_finalising_asks_first_and_warns_that_unsaved_edits_are_not_kept(world: World) -> None:
    """定稿 cannot be undone and sends only the version, not the text typed in the boxes below: the button asks
    before it locks the report, naming both."""
    report = _generate(world)
    html = world.login("performance").get(reverse("reports:annual_detail", args=[report.pk])).content.decode()
    action = reverse("reports:annual_finalize", args=[report.pk])
    form = html[html.index(f'action="{action}"') :].split(">", 1)[0]
    assert "data-confirm=" in form
    assert "不能再修改" in form and "保存修改" in form


def test_the_appendix_keeps_each_row_whole_and_repeats_its_head_on_every_page(world: World) -> None:
    """The 附表 runs over several pages: its column heads (序号 统计项 指标 数值) were on the first page only."""
    import io

    from docx import Document
    from docx.oxml.ns import qn

    from jixiao.reports.documents import render_annual_report

    arrange(world)
    report = _generate(world)
    table = Document(io.BytesIO(render_annual_report(report, "渠县财政局"))).tables[-1]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)


def test_the_appendix_table_keeps_its_fonts_and_column_widths() -> None:
    """序号 统计项 指标 数值 in 仿宋_GB2312 10.5pt (the head bold) at fixed widths, so 统计项 and 指标 fit; a control
    character in a stored figure is dropped, the file still opens."""
    import datetime as dt

    from docx import Document

    from jixiao.core.tests.helpers import cell_look, head_repeats, tables_kept_whole
    from jixiao.reports.documents import render_annual_report

    report = AnnualReport(
        work_year=YEAR,
        kind="UPWARD",
        title="2026年度预算绩效管理工作总结",
        sections={},
        statistics={"PA-1": {"label": "事前\x01评估项目", "table": [["项目数", "12个"]]}},
        generated_at=dt.datetime(2026, 12, 6, tzinfo=dt.UTC),
    )
    word = Document(io.BytesIO(render_annual_report(report, "渠县财政局")))
    table = word.tables[-1]
    assert [cell_look(c) for c in table.rows[0].cells] == [
        (text, "仿宋_GB2312", 10.5, True) for text in ("序号", "统计项", "指标", "数值")
    ]
    assert [cell_look(c) for c in table.rows[1].cells] == [
        (text, "仿宋_GB2312", 10.5, False) for text in ("1", "事前评估项目", "项目数", "12个")
    ]
    widths = [2.0, 4.0, 6.6, 3.0]  # cm
    assert [round(c.width.cm, 2) for c in table.rows[1].cells] == widths
    assert [round(c.width.cm, 2) for c in table.columns] == widths
    assert not table.autofit and tables_kept_whole(word) and head_repeats(table)


def test_the_years_rules_are_the_eighth_part_and_an_older_report_reads_without_it(world: World) -> None:
    import datetime as dt

    from jixiao.regulations.services import regulation_create

    perf = world.users["performance"]
    rule = {"category": "comprehensive", "issuer": "渠县财政局", "is_current": True, "note": "", "doc_no": ""}
    regulation_create(actor=perf, data={**rule, "title": "渠县预算绩效管理办法", "action": "issued",
                                         "issued_on": dt.date(YEAR, 3, 1)})  # fmt: skip
    regulation_create(actor=perf, data={**rule, "title": "转发省厅通知", "action": "forwarded",
                                         "issued_on": dt.date(YEAR, 5, 1)})  # fmt: skip
    regulation_create(actor=perf, data={**rule, "title": "旧办法", "action": "revised",
                                         "issued_on": dt.date(YEAR - 1, 5, 1)})  # fmt: skip
    report = _generate(world)
    assert report.statistics["REG-1"]["values"] == {"records": 2, "issued": 1, "forwarded": 1, "revised": 0}
    assert report.sections["work_reg"]["text"] == "出台预算绩效管理制度办法1项，转发1项，修订0项。"
    text, rows = _word_text(services.annual_report_export(actor=perf, report=report))
    assert "（七）绩效考核、培训与第三方管理" in text and "（八）制度建设" in text
    assert any(row[2:] == ["出台制度办法（项）", "1"] for row in rows)
    # A report generated before the part existed reads and exports as it was written: no empty （八）.
    older = {key: value for key, value in report.sections.items() if key != "work_reg"}
    AnnualReport.objects.filter(pk=report.pk).update(sections=older)
    report.refresh_from_db()
    text, _rows = _word_text(services.annual_report_export(actor=perf, report=report))
    assert "（七）绩效考核、培训与第三方管理" in text and "（八）制度建设" not in text
    page = world.login("performance").get(reverse("reports:annual_detail", args=[report.pk])).content.decode()
    assert "（七）绩效考核、培训与第三方管理" in page and "（八）制度建设" not in page


def test_the_suggestions_are_printed_when_they_have_text_and_left_out_when_cleared(world: World) -> None:
    perf = world.users["performance"]
    report = _generate(world)
    assert report.sections["suggestions"]["text"].startswith("（一）对预算绩效管理业务培训")
    text, _rows = _word_text(services.annual_report_export(actor=perf, report=report))
    assert text.index("四、下一步工作打算") < text.index("五、意见建议") < text.index("附件：")
    client = world.login("performance")
    edit = client.get(reverse("reports:annual_detail", args=[report.pk])).content.decode()
    assert "留空则报告中不含本节" in edit
    # Cleared: no heading on the page or in the Word file; the other parts read as before.
    sections = {key: dict(value) for key, value in report.sections.items()}
    sections["suggestions"]["text"] = "  "
    AnnualReport.objects.filter(pk=report.pk).update(sections=sections)
    report.refresh_from_db()
    text, _rows = _word_text(services.annual_report_export(actor=perf, report=report))
    assert "五、意见建议" not in text and "四、下一步工作打算" in text
    page = world.login("leader").get(reverse("reports:annual_detail", args=[report.pk])).content.decode()
    assert "五、意见建议" not in page and "四、下一步工作打算" in page


def test_scored_target_reviews_are_reported_where_the_county_scores_them(world: World) -> None:
    """TG-5 (seed 003 S18): the targets scored in 复审, their mean, and those graded 差 with their funds; not printed
    where the county grades without scores."""
    from jixiao.targets import services as target_services
    from jixiao.targets.models import TargetReviewSettings
    from jixiao.targets.tests.pages_helpers import TO_PERF_REVIEW, make_target, move

    target = move(world, make_target(world), *TO_PERF_REVIEW)
    report = _generate(world)
    assert report.statistics["TG-5"]["available"] is False
    assert "评分审核" not in report.sections["work_tg"]["generated"]

    TargetReviewSettings.objects.create(region=world.region, fiscal_year=None, scored=True)
    scores = {"完整性": Decimal(15), "相关性": Decimal(14), "适当性": Decimal(15), "可行性": Decimal("11.5")}
    target_services.target_transition(
        actor=world.users["performance"], target=target, action="grade_poor", comment="不达标", scores=scores
    )
    report.delete()
    report = _generate(world)
    stats = report.statistics
    assert stats["TG-5"]["values"] == {"scored": 1, "mean": "55.50", "poor": 1, "poor_yuan": "500000.00"}
    assert (
        "对1个绩效目标逐项评审打分，平均得分55.50分，1个目标评分不达标（评为“差”），涉及资金50.00万元"
        in (report.sections["work_tg"]["generated"])
    )
    assert_figures_match(stats, world.region.path, YEAR, YEAR)


def test_the_sections_quarterly_checks_are_reported_in_the_monitoring_part(world: World) -> None:
    """MON-6 (seed 003 S40): the checks recorded in 季度检查, the departments covered and those that found problems;
    not printed in a year without checks."""
    import datetime as dt

    from jixiao.inspections.services import inspection_create

    report = _generate(world)
    assert report.statistics["MON-6"]["available"] is False
    assert "季度检查" not in report.sections["work_mon"]["generated"]
    check = {"fiscal_year": YEAR, "inspectors": "教科文股 张三", "subject": "", "opinions": "加快支出进度"}
    business, perf = world.users["business"], world.users["performance"]
    rows = [
        (business, 1, world.edu, dt.date(YEAR, 3, 20), "支出进度慢"),
        (business, 2, world.edu, dt.date(YEAR, 6, 20), ""),
        (perf, 2, world.health, dt.date(YEAR, 6, 21), ""),
    ]
    for actor, quarter, department, day, findings in rows:
        data = {**check, "quarter": quarter, "department": department, "inspected_on": day, "findings": findings}
        inspection_create(actor=actor, data=data)
    report.delete()
    report = _generate(world)
    stats = report.statistics
    assert stats["MON-6"]["values"] == {"checks": 3, "departments": 2, "with_problems": 1}
    assert (
        "按季度检查专项业务经费使用情况3次（第一季度1次、第二季度2次），覆盖2个主管部门（乡镇），1次检查发现问题并提出意见"
        in report.sections["work_mon"]["generated"]
    )
    assert_figures_match(stats, world.region.path, YEAR, YEAR)


def test_a_city_reads_a_countys_summary_but_does_not_edit_or_finalise_it(world: World) -> None:
    from jixiao.accounts.models import Membership
    from jixiao.accounts.tests.factories import UserFactory
    from jixiao.core.errors import PermissionDeniedError
    from jixiao.organizations.tests.factories import city_with_counties

    city, _counties = city_with_counties(world.region)
    city_perf = UserFactory(username="city_perf")
    Membership.objects.create(user=city_perf, role="performance", region=city)
    county = AnnualReport.objects.create(region=world.region, work_year=YEAR, fiscal_year=YEAR, title="渠县报告")
    client = world.login("performance")
    client.force_login(city_perf)
    page = client.get(reverse("reports:annual_detail", args=[county.pk]))
    assert page.status_code == 200 and "渠县报告" in page.content.decode()
    body = page.content.decode()
    assert 'data-testid="edit-form"' not in body and reverse("reports:annual_finalize", args=[county.pk]) not in body
    edit = client.post(reverse("reports:annual_detail", args=[county.pk]), {"version": county.version, "title": "x"})
    assert edit.status_code == 403
    finalize = client.post(reverse("reports:annual_finalize", args=[county.pk]), {"version": county.version})
    assert finalize.status_code == 403
    city_perf = User.objects.get(pk=city_perf.pk)
    with pytest.raises(PermissionDeniedError, match="只能查看"):
        services.annual_report_finalize(actor=city_perf, report=county, version=county.version)
    with pytest.raises(PermissionDeniedError, match="只能查看"):
        services.annual_report_update(actor=city_perf, report=county, texts={}, version=county.version, title="x")
    county.refresh_from_db()
    assert (county.title, county.status, county.version) == ("渠县报告", AnnualReport.Status.DRAFT, 1)
    assert not AuditEvent.objects.filter(event_type__startswith="reports.annual").exists()


def test_the_evaluated_year_defaults_to_the_year_before_the_work_year(world: World) -> None:
    """DOMAIN.md §0.3, §2.9: a 2026 report gives the 2025 self-evaluations and key evaluations (FY = WY − 1)."""
    arrange(world)
    client = world.login("performance")
    response = client.post(GENERATE, {"work_year": YEAR, "kind": "UPWARD"})
    assert response.status_code == 302
    report = AnnualReport.objects.get(region=world.region, work_year=YEAR, kind="UPWARD")
    assert report.fiscal_year == YEAR - 1
    assert report.statistics["EV-1"]["params"]["fiscal_year"] == YEAR - 1
    assert report.statistics["TG-1"]["values"]["projects"] == 2  # the work year's own goals are still counted
    assert_figures_match(report.statistics, world.region.path, YEAR, YEAR - 1)
    assert (
        f"工作年度 {YEAR}，评价对象年度 {YEAR - 1}"
        in client.get(reverse("reports:annual_detail", args=[report.pk])).content.decode()
    )


def test_two_first_generations_at_once_refuse_the_second_with_a_conflict(world: World, monkeypatch: Any) -> None:
    """Another generation saves the region's first report while this one computes: this one is refused (409, in
    words), not a failed job with a database error, and nothing of it is written."""
    from jixiao.core.errors import ConflictError
    from jixiao.reports import services as report_services

    real = report_services.compute_all

    def racing(scope: Any) -> Any:
        figures = real(scope)
        AnnualReport.objects.create(region=world.region, work_year=YEAR, fiscal_year=YEAR, title="他人生成的报告")
        return figures

    monkeypatch.setattr(report_services, "compute_all", racing)
    perf = User.objects.get(pk=world.users["performance"].pk)
    with pytest.raises(ConflictError, match="报告正在由他人生成，请稍后刷新"):
        services.annual_report_generate(actor=perf, work_year=YEAR, fiscal_year=YEAR)
    assert not AnnualReport.objects.exists()  # the whole generation rolled back, the racing row with it
    assert not AuditEvent.objects.filter(event_type="reports.annual_generate").exists()
    monkeypatch.setattr(report_services, "compute_all", racing)
    response = world.login("performance").post(GENERATE, {"work_year": YEAR, "fiscal_year": YEAR, "kind": "UPWARD"})
    job = Job.objects.filter(kind="reports.annual_generate").latest("pk")
    assert response.status_code == 302 and job.status == Job.Status.FAILED
    assert job.message == "报告正在由他人生成，请稍后刷新"
