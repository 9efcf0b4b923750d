"""What the internal pages print: the content, not the menu or the page's buttons (static/css/jixiao.css)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format

from conftest import World

CSS = Path(settings.BASE_DIR) / "static" / "css" / "jixiao.css"


def _hidden_in_print() -> set[str]:
    css = CSS.read_text(encoding="utf-8")
    hidden: set[str] = set()
    for block in re.findall(r"@media print\s*\{(.*?)\}\s*\}", css, flags=re.S):
        for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", block + "}"):
            if re.search(r"display\s*:\s*none", body):
                hidden |= {s.strip() for s in selectors.split(",")}
    return hidden


def test_a_printed_page_leaves_out_the_menu_and_every_button() -> None:
    """A 考核评分表, a 重点评价 or a 自评 page printed from the browser carried its 导出评分表 / 下载Word / 修改
    buttons on the paper: only buttons someone had marked no-print were left out. Every .btn is now."""
    hidden = _hidden_in_print()
    assert {".jx-sidebar", ".jx-topbar", ".breadcrumb", ".no-print"} <= hidden
    assert {".btn", ".btn-group"} <= hidden


@pytest.mark.django_db
def test_a_printed_page_says_whose_sheet_it_is_and_when_it_was_printed(world: World) -> None:
    """A 预警列表 printed by 县教育局, or a 结果应用建议 list printed by the 绩效股, carried no word of whose sheet it
    was nor of the day it was printed: the top bar that names the identity is not printed. Every internal page now
    prints, above its content, the identity (主管部门 · 县教育局), the user's name and the date."""
    page = world.login("dept_admin").get("/alerts/").content.decode()
    meta = page.split('data-testid="print-meta"', 1)[1].split("</div>", 1)[0]
    membership = world.users["dept_admin"].memberships.get()
    assert str(membership) in meta and world.users["dept_admin"].display_name in meta
    assert f"打印日期：{date_format(timezone.localdate(), 'Y年n月j日')}" in meta
    tag = page.split('data-testid="print-meta"', 1)[0].rsplit("<div", 1)[1]
    assert "d-none" in tag and "d-print-block" in tag  # on paper only


def _print_rules() -> dict[str, str]:
    css = CSS.read_text(encoding="utf-8")
    rules: dict[str, str] = {}
    for block in re.findall(r"@media print\s*\{(.*?)\}\s*\}", css, flags=re.S):
        for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", block + "}"):
            for selector in selectors.split(","):
                rules[selector.strip()] = rules.get(selector.strip(), "") + body
    return rules


def test_a_printed_wide_table_fits_the_page_instead_of_being_cut() -> None:
    """The 四挂钩统计 printed on A4 lost its 本年预算, 建议增减 and 决定增减 columns at the right edge: its fourteen
    column heads do not break (按未执行额比例核减 on one line) and the table's scroll box cut the rest off unseen.
    On paper the heads may wrap and the box no longer clips."""
    rules = _print_rules()
    assert re.search(r"white-space\s*:\s*normal", rules.get(".table th", ""))
    assert re.search(r"overflow\s*:\s*visible", rules.get(".table-responsive", ""))
