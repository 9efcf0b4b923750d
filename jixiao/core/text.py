"""Checks on text typed into editable grids and boxes read from the raw request (no form field checked it): refused,
never cut short or stored with a NUL."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from jixiao.core.errors import DomainError

CONTROL_CHARS = re.compile("[\x00-\x1f\x7f-\x9f]")
# In a multi-line box tabs and line breaks are text; every other control character is not (NUL: a 500 on PostgreSQL).
CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def login_name(text: object) -> str:
    """The one form of a typed login name that the login lock and the per-name rate limit count against: NFKC (as
    Django's UsernameField applies before authenticate(), so `ｚｈａｎｇ` is `zhang`), stripped, lower-cased, at most
    150 characters."""
    return unicodedata.normalize("NFKC", str(text or "")).strip().lower()[:150]


def checked_text(text: object, label: str, limit: int) -> str:
    """A box's text read straight from the request, stripped: refused (DomainError naming `label`) when longer than
    `limit` or holding a control character other than tab and line breaks."""
    value = str(text or "").strip()
    if CONTROL_IN_TEXT.search(value):
        raise DomainError(f"{label}不能包含控制字符")
    if len(value) > limit:
        raise DomainError(f"{label}不能超过{limit}个字（现有{len(value)}个字）")
    return value


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
