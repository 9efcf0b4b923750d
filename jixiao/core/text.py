"""Checks on names typed into editable grids (template rows): refused, never cut short or stored with a NUL."""

from __future__ import annotations

import re
from collections.abc import Iterable

from jixiao.core.errors import DomainError

CONTROL_CHARS = re.compile("[\x00-\x1f\x7f-\x9f]")


def check_row_names(rows: Iterable[tuple[int, str | None]], limit: int) -> None:
    """Raise DomainError naming the first row (numbered as the page shows it) whose new name is longer than `limit`
    or holds a control character (NUL included: PostgreSQL refuses it, a 500). A row with no new name is skipped."""
    for number, name in rows:
        if name is None:
            continue
        if len(name.strip()) > limit:
            raise DomainError(f"第{number}行名称不能超过{limit}个字")
        if CONTROL_CHARS.search(name):
            raise DomainError(f"第{number}行名称不能包含控制字符")
