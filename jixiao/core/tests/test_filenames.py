"""Download file names made from user text (`core.views_helpers.filename_part`), shared by every Word download."""

from __future__ import annotations

import pytest

from jixiao.core.views_helpers import filename_part


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("2026年度 教育项目", 60, "2026年度_教育项目"),
        ('a/b\\c:d*e?f"g<h>i|j', 60, "a_b_c_d_e_f_g_h_i_j"),
        ("../../etc/passwd", 60, ".._.._etc_passwd"),  # no separator survives
        ("名\t称\r\n\x01\x7f尾", 60, "名_称_尾"),  # whitespace and control characters
        ("半\ud800个\ufffe字", 60, "半_个_字"),  # what a Word file cannot hold either
        ("  //  ", 60, ""),  # nothing left: the caller uses the row's id
        (None, 60, ""),
        ("项目名称很长", 4, "项目名称"),
    ],
)
def test_filename_part(text: object, limit: int, expected: str) -> None:
    assert filename_part(text, limit) == expected
