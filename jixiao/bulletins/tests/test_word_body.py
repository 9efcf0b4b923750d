"""The 通报 Word file reads as the issued document does: 称谓, the template's opening and closing around the narrative,
附表, then the 落款 — and a bulletin to every department is addressed “各部门（单位）”, not by a hundred names."""

from __future__ import annotations

import io
from typing import Any

import pytest
from docx import Document

from jixiao.bulletins import services
from jixiao.bulletins.tests.test_bulletins import _round

pytestmark = pytest.mark.django_db

OPENING = "根据预算绩效运行监控工作安排，我局对2026年度预算项目绩效目标实现程度和预算执行进度开展了监控。"
CLOSING = "请各部门（单位）针对监控发现的问题及时采取措施纠偏，确保绩效目标如期实现。"


def _paragraphs(content: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(content)).paragraphs if p.text.strip()]


def test_the_word_file_has_the_opening_closing_and_a_collective_addressee(world: Any) -> None:
    task = _round(world)
    perf = world.users["performance"]
    bulletin = services.bulletin_generate(actor=perf, kind="MONITORING", fiscal_year=2026, source_id=str(task.pk))
    client = world.login("performance")
    draft = _paragraphs(client.get(f"/bulletins/{bulletin.pk}/docx/").content)
    assert "各部门（单位）：" in draft and any(OPENING in p for p in draft) and CLOSING in draft
    assert draft[-2:] == ["【印发时生成：成文日期】", "附表1：红色预警项目"]
    bulletin = services.bulletin_issue(actor=perf, bulletin=bulletin)
    document = bulletin.document
    assert document is not None and document.recipients.count() == 2  # still delivered to each department
    assert document.body.startswith("各部门（单位）：") and "县教育局、" not in document.body
    issued = _paragraphs(client.get(f"/bulletins/{bulletin.pk}/docx/").content)
    assert document.doc_no in issued and "各部门（单位）：" in issued
    assert any(OPENING in p for p in issued) and CLOSING in issued
    narrative = bulletin.narrative.split("\n")[0]
    assert issued.index(CLOSING) > issued.index(narrative)
    # 落款 and 成文日期 close the text; the 附表 follow them, as 公文 attachments do.
    date = document.body.split("\n")[-1]
    assert issued.index("渠县财政局") > issued.index(CLOSING) and issued.index(date) == issued.index("渠县财政局") + 1
    assert issued[-1] == "附表1：红色预警项目"


def test_the_departments_receive_the_annex_tables_with_the_bulletin(world: Any) -> None:
    task = _round(world)
    perf = world.users["performance"]
    bulletin = services.bulletin_generate(actor=perf, kind="MONITORING", fiscal_year=2026, source_id=str(task.pk))
    document = services.bulletin_issue(actor=perf, bulletin=bulletin).document
    assert document is not None and [t["title"] for t in document.tables] == ["红色预警项目"]
    red = document.tables[0]["rows"][0][1]  # a red-light project's name
    dept = world.login("dept_admin")
    for url in (f"/documents/{document.pk}/", f"/documents/{document.pk}/print/"):
        page = dept.get(url).content.decode()
        assert "附表1：红色预警项目" in page and red in page, url
    word = Document(io.BytesIO(dept.get(f"/documents/{document.pk}/docx/").content))
    assert "附表1：红色预警项目" in [p.text for p in word.paragraphs]
    assert red in [c.text for t in word.tables for r in t.rows for c in r.cells]
