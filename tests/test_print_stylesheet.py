"""What the internal pages print: the content, not the menu or the page's buttons (static/css/jixiao.css)."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

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
