"""工作总结 in seed 004's structure (S90): 一、工作开展情况 with the eight parts, 二、取得的成效 from the figures,
三、存在的不足, 四、下一步工作打算及建议; no 自评得分 section and no score box; the 附表 of figures kept for the upper
level. In the Word file, on the edit page, and for an empty year."""

from __future__ import annotations

import io
from decimal import Decimal

import docx
from django.urls import reverse

from conftest import World
from jixiao.core.models import Job
from jixiao.reports.models import AnnualReport
from jixiao.reports.narrative import build_sections
from jixiao.reports.statistics import Figure
from jixiao.reports.tests.helpers import YEAR, arrange


def _generate(world: World) -> AnnualReport:
    client = world.login("performance")
    assert "工作总结（开展情况、成效、不足、打算）" in client.get(reverse("reports:annual_list")).content.decode()
    response = client.post(
        reverse("reports:annual_generate"), {"work_year": YEAR, "fiscal_year": YEAR, "kind": "EFFECTS"}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    job = Job.objects.filter(kind="reports.annual_generate").latest("pk")
    assert job.status == Job.Status.DONE, job.message
    return AnnualReport.objects.get(region=world.region, work_year=YEAR, kind="EFFECTS")


def test_the_word_file_reads_in_the_four_part_structure(world: World) -> None:
    arrange(world)
    report = _generate(world)
    assert report.title == f"渠县财政局关于{YEAR}年度预算绩效管理工作开展情况的报告"  # seed 004's title
    response = world.login("leader").get(reverse("reports:annual_export", args=[report.pk]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    document = docx.Document(io.BytesIO(content))
    paragraphs = [p.text for p in document.paragraphs]
    headings = ["一、工作开展情况", "（一）事前绩效评估", "二、取得的成效", "三、存在的不足"]
    headings.append("四、下一步工作打算及建议")
    positions = [paragraphs.index(h) for h in headings]
    assert positions == sorted(positions)
    text = "\n".join(paragraphs)
    assert "二、自评得分情况" not in text and "考核评分表" not in text and "五、意见建议" not in text
    # 取得的成效 from the arranged figures: one target reviewed and returned, the 事前评估's 40万 reduction.
    effects = report.sections["effects"]["text"]
    assert effects.startswith("（一）绩效目标编制质量再提高。全年审核绩效目标1个，对1个提出修改意见并退回")
    assert "事前绩效评估把关作用再增强" in effects and "核减40.00万元" in effects
    assert "绩效结果应用再深化。全年运用绩效结果压减、核减、收回等预算3笔18.00万元" in effects
    assert effects in text
    assert "（五）建议上级财政部门" in report.sections["next_steps"]["text"]
    assert "附表" in text and document.tables[0].rows[0].cells[0].text == "序号"
    # The edit page has no score box for this kind.
    page = world.login("performance").get(reverse("reports:annual_detail", args=[report.pk])).content.decode()
    assert "二、取得的成效" in page and 'name="self_score"' not in page


def test_an_empty_year_has_no_invented_effects() -> None:
    empty = {"TG-3": Figure("TG-3", "目标审核", {"reviewed": 0, "returned": 0, "rate": "0.00%"}, {}, "")}
    texts = build_sections(empty, region_name="渠县", work_year=2026, self_score=Decimal(90), kind="EFFECTS")
    assert texts["effects"] == "暂无数据。"
    assert "self_score" not in texts and "suggestions" not in texts


def test_the_results_point_counts_cuts_not_increases_and_names_idle_funds() -> None:
    def kind(count: int, amount: str) -> dict[str, object]:
        return {"label": "", "count": count, "projects": count, "amount_yuan": Decimal(amount)}

    ra1 = Figure(
        "RA-1",
        "结果应用预算效果",
        {
            "by_kind": {"RECOVER": kind(2, "300000"), "ADJUST_DOWN": kind(1, "100000"), "INCREASE": kind(1, "900000")},
            "by_source": {"IDLE_FUNDS": kind(2, "300000")},
        },
        {},
        "",
    )
    ev3 = Figure("EV-3", "重点绩效评价", {"n": 2, "amount": Decimal(2000000), "regulations_on_results": 1}, {}, "")
    figures = {"RA-1": ra1, "EV-3": ev3}
    texts = build_sections(figures, region_name="渠县", work_year=2026, self_score=None, kind="EFFECTS")
    assert (
        "重点评价效果再凸显。开展财政重点绩效评价2个，涉及资金200.00万元，根据评价结果出台或修订制度办法1项"
        in (texts["effects"])
    )
    assert "压减、核减、收回等预算3笔40.00万元，其中清理盘活存量资金30.00万元" in texts["effects"]
