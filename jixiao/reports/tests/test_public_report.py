"""The public 工作情况说明 (seed 001): its own two sections — 一、公开重大政策和重点项目绩效执行结果
(EV-3 by every object type, zeros included; the issued reports as a 序号/评价报告 table; how many of them were withheld)
and 二、工作开展情况说明 (the work done) — in the Word file and on the page; no unit-internal opinion, no self-score,
no problems list."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import docx
import pytest
from django.urls import reverse

from conftest import World
from jixiao.core.models import Job
from jixiao.disclosure import services as disclosure_services
from jixiao.disclosure.models import ItemType
from jixiao.disclosure.tests.helpers import YEAR, generate, item_of, make_sources
from jixiao.keyeval.models import EvalTemplate, KeyEvalStatus, KeyEvaluation
from jixiao.reports.models import AnnualReport
from jixiao.reports.narrative import build_sections, merge_sections

RESULTS = "一、公开重大政策和重点项目绩效执行结果"
WORK = "二、工作开展情况说明"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _public(world: World) -> AnnualReport:
    client = world.login("performance")
    response = client.post(
        reverse("reports:annual_generate"), {"work_year": YEAR, "fiscal_year": YEAR, "kind": "PUBLIC"}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    job = Job.objects.filter(kind="reports.annual_generate").latest("pk")
    assert job.status == Job.Status.DONE, job.message
    return AnnualReport.objects.get(region=world.region, work_year=YEAR, kind="PUBLIC")


def _word(world: World, report: AnnualReport) -> tuple[list[str], list[list[list[str]]]]:
    response = world.login("leader").get(reverse("reports:annual_export", args=[report.pk]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    document = docx.Document(io.BytesIO(content))
    paragraphs = [p.text for p in document.paragraphs]
    tables = [[[c.text for c in row.cells] for row in table.rows] for table in document.tables]
    return paragraphs, tables


def _arrange(world: World) -> None:
    """An issued project evaluation (make_sources), a policy evaluation still under way, one item withheld 涉密."""
    make_sources(world)
    KeyEvaluation.objects.create(
        region=world.region,
        fiscal_year=YEAR,
        title="学生营养改善计划政策评价",
        object_type=KeyEvaluation.ObjectType.POLICY,
        mode=KeyEvaluation.Mode.THIRD_PARTY,
        department=world.edu,
        template=EvalTemplate.objects.filter(region__isnull=True).order_by("id").first(),
        amount_yuan=Decimal("800000.00"),
        status=KeyEvalStatus.FIELDWORK,
    )
    generate(world)
    reviewer = world.users["performance"]
    item = disclosure_services.disclosure_transition(
        actor=reviewer, item=item_of(ItemType.MONITOR_SUMMARY), action="propose"
    )
    disclosure_services.disclosure_transition(actor=reviewer, item=item, action="exempt_secret", comment="涉密")


def test_the_public_word_file_has_its_own_two_sections_with_every_object_type_and_the_reports_table(
    world: World,
) -> None:
    _arrange(world)
    report = _public(world)
    paragraphs, tables = _word(world, report)
    text = "\n".join(paragraphs)

    assert paragraphs.index(RESULTS) < paragraphs.index(WORK)
    for upward_only in ("二、自评得分情况", "三、存在的问题", "四、下一步工作打算", "一、工作开展情况\n"):
        assert upward_only not in text + "\n", upward_only
    # EV-3: every object type with its count, zeros included, and the money.
    assert "共选取2个评价对象" in text
    for label, count in (
        ("项目", 1),
        ("财政政策", 1),
        ("部门整体", 0),
        ("下级政府财政综合运行", 0),
        ("政府采购项目", 0),
        ("政府购买服务项目", 0),
        ("专项债券项目", 0),
        ("其他重大项目", 0),
    ):
        assert f"{label}{count}个" in text, label
    assert "评价资金总额200.00万元" in text
    assert "形成1个评价报告" in text
    # The issued reports as 序号 / 评价报告, under section 一 (before 二).
    reports = next(t for t in tables if t[0] == ["序号", "评价报告"])
    assert reports[1:] == [["1", "一中教学设备购置"]]
    section_one = paragraphs[paragraphs.index(RESULTS) : paragraphs.index(WORK)]
    assert f"{YEAR}年度{world.region.name}财政重点绩效评价报告" in section_one
    # The withheld sentence counts the key-evaluation reports of the table, not DIS-1's withheld 监控汇总 (涉密).
    assert "0个项目报告涉及涉密及敏感信息，不予公开" in text
    assert report.statistics["DIS-1"]["values"]["withheld_total"] == 1
    # 二: the work done, from the figures.
    assert paragraphs.index("（一）事前绩效评估") > paragraphs.index(WORK)
    assert "（四）绩效评价" in paragraphs
    # Nothing private: the unit's internal opinion, the self-score.
    assert "内部审核意见" not in text and "自评得分" not in text

    page = world.login("leader").get(reverse("reports:annual_detail", args=[report.pk])).content.decode()
    assert page.index(RESULTS) < page.index("一中教学设备购置") < page.index(WORK)


def test_an_empty_year_reads_as_sentences_with_zero(world: World) -> None:
    report = _public(world)
    paragraphs, tables = _word(world, report)
    text = "\n".join(paragraphs)
    assert "共选取0个评价对象" in text and "下级政府财政综合运行0个" in text
    assert "形成0个评价报告" in text
    assert "本年度暂无已下达结果的重点绩效评价报告" in text
    assert not any(t[0] == ["序号", "评价报告"] for t in tables)
    assert "0个项目报告涉及涉密及敏感信息，不予公开" in text


def test_the_public_report_edits_its_own_sections(world: World) -> None:
    report = _public(world)
    data = {
        "version": report.version,
        "title": report.title,
        **{f"section_{k}": v["text"] for k, v in report.sections.items()},
        "section_public_results": "手工修改的公开说明。",
    }
    response = world.login("performance").post(reverse("reports:annual_detail", args=[report.pk]), data)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.sections["public_results"]["text"] == "手工修改的公开说明。"
    assert report.sections["public_results"]["edited"] is True
    assert "problems" not in report.sections and "self_score" not in report.sections


def test_the_public_report_page_asks_for_no_self_score(world: World) -> None:
    """The public 工作情况说明 prints no 考核自评得分, so its edit form does not offer the box."""
    report = _public(world)
    page = world.login("performance").get(reverse("reports:annual_detail", args=[report.pk])).content.decode()
    assert 'name="section_public_results"' in page
    assert 'name="self_score"' not in page and "考核自评得分" not in page


def test_a_public_report_written_in_the_upward_sections_keeps_them_until_regenerated(world: World) -> None:
    """A public report generated before it had sections of its own (a finalised one above all) exports as written."""
    texts = build_sections({}, region_name=world.region.name, work_year=YEAR, self_score=None)
    old = AnnualReport.objects.create(
        region=world.region,
        work_year=YEAR,
        fiscal_year=YEAR,
        kind="PUBLIC",
        title="旧的工作情况说明",
        sections=merge_sections({}, {**texts, "problems": "（一）旧稿的问题。"}, overwrite=False),
        status=AnnualReport.Status.FINAL,
    )
    paragraphs, _tables = _word(world, old)
    assert "三、存在的问题" in paragraphs and "（一）旧稿的问题。" in paragraphs
    assert RESULTS not in paragraphs
    page = world.login("leader").get(reverse("reports:annual_detail", args=[old.pk])).content.decode()
    assert "（一）旧稿的问题。" in page and RESULTS not in page

    AnnualReport.objects.filter(pk=old.pk).update(status=AnnualReport.Status.DRAFT)
    regenerated = _public(world)
    assert regenerated.pk == old.pk
    paragraphs, _tables = _word(world, regenerated)
    assert RESULTS in paragraphs and "三、存在的问题" not in paragraphs


def test_a_report_whose_disclosure_was_withheld_is_counted_but_not_named(world: World) -> None:
    """A public document must not name a 涉密 report: it still counts among the reports formed, but its title is left
    out of the 序号/评价报告 table."""
    _arrange(world)
    reviewer = world.users["performance"]
    item = disclosure_services.disclosure_transition(
        actor=reviewer, item=item_of(ItemType.KEY_EVAL_REPORT), action="propose"
    )
    disclosure_services.disclosure_transition(actor=reviewer, item=item, action="exempt_secret", comment="涉密")
    paragraphs, tables = _word(world, _public(world))
    text = "\n".join(paragraphs)
    # One report withheld of the one formed; the withheld 监控汇总 of _arrange is no evaluation report.
    assert "形成1个评价报告" in text and "1个项目报告涉及涉密及敏感信息，不予公开" in text
    assert "因其他原因" not in text
    assert "一中教学设备购置" not in text + str(tables)
    assert "本年度暂无已下达结果的重点绩效评价报告。" in text
    assert "附表" not in paragraphs and tables == []  # no reports table to show, and no 附表 in a public document


def test_a_report_of_a_department_flagged_secret_after_publication_is_not_named_but_counted_as_withheld(
    world: World,
) -> None:
    """The public site hides the published report of a 主管部门 flagged 涉密 afterwards and counts it as withheld; the
    public 工作情况说明 does the same: no title in its table, counted in “N个项目报告涉及涉密及敏感信息，不予公开”."""
    sources = make_sources(world)
    generate(world)
    reviewer = world.users["performance"]
    item = item_of(ItemType.KEY_EVAL_REPORT, sources.key_eval)
    item = disclosure_services.disclosure_transition(actor=reviewer, item=item, action="propose")
    disclosure_services.disclosure_transition(actor=reviewer, item=item, action="publish")
    world.edu.is_secret = True
    world.edu.save(update_fields=["is_secret"])

    report = _public(world)
    paragraphs, tables = _word(world, report)
    text = "\n".join(paragraphs)
    assert "形成1个评价报告" in text
    assert "1个项目报告涉及涉密及敏感信息，不予公开" in text
    assert not any(t[0] == ["序号", "评价报告"] for t in tables)
    assert "一中教学设备购置" not in text
    assert report.statistics["EV-3"]["values"]["public_reports"] == []
