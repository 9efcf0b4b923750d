"""Filling a template's `{placeholders}`: pure text in, text out (no database)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from jixiao.core.errors import DomainError
from jixiao.documents.models import PLACEHOLDERS

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Filled only when the document is issued (the number and the date of signature are unknown before).
LATE_PLACEHOLDERS = ("doc_no", "date")


# A value the template asked for and the context did not give (see `fill`).
MARKER = re.compile(r"【待填写：[^】]*】")


def missing_marker(name: str) -> str:
    return f"【待填写：{PLACEHOLDERS.get(name, name)}】"


def placeholders_in(text: str) -> list[str]:
    return list(dict.fromkeys(PLACEHOLDER.findall(text or "")))


def check_placeholders(*texts: str, what: str = "模板") -> None:
    """DomainError in Chinese when a text uses a placeholder the system does not know (`what`: the text's name in
    the message, 模板 or 正文)."""
    unknown = [name for text in texts for name in placeholders_in(text) if name not in PLACEHOLDERS]
    if unknown:
        names = "、".join("{" + n + "}" for n in dict.fromkeys(unknown))
        allowed = "、".join("{" + k + "}" + v for k, v in PLACEHOLDERS.items())
        raise DomainError(f"{what}中有无法识别的占位符：{names}。可用的占位符：{allowed}")


# What is left once the placeholders are taken out: `{项目名称}` or `｛project｝` (a full-width brace from the input
# method) would otherwise print as typed in an official document, and so would a lone brace.
BRACED = re.compile(r"[{｛][^{}｛｝\n]*[}｝]")
BRACE = re.compile(r"[{}｛｝]")


def check_template(*texts: str, what: str = "模板") -> None:
    """`check_placeholders`, and no brace outside a placeholder: a template, or a draft's title and text, is refused
    on save (DomainError)."""
    check_placeholders(*texts, what=what)
    rest = [PLACEHOLDER.sub("", text or "") for text in texts]
    odd = list(dict.fromkeys(match.group(0) for text in rest for match in BRACED.finditer(text)))
    if odd:
        allowed = "、".join("{" + k + "}" + v for k, v in PLACEHOLDERS.items())
        raise DomainError(
            f"{what}中有无法识别的占位符：{'、'.join(odd)}。占位符用半角花括号和英文名称，如 {{subject}}；"
            f"可用的占位符：{allowed}"
        )
    if any(BRACE.search(text) for text in rest):
        raise DomainError(f"{what}中有不成对的花括号，请删除多余的“{{”或“}}”，或补全占位符（如 {{subject}}）")


def fill(text: str, context: Mapping[str, Any], *, keep: tuple[str, ...] = ()) -> str:
    """Replace known placeholders with the context's values; a missing or empty value becomes a visible
    【待填写：名称】 marker; names in `keep` stay as they are (filled later)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in PLACEHOLDERS or name in keep:
            return match.group(0)
        value = context.get(name)
        text_value = "" if value is None else str(value).strip()
        return text_value or missing_marker(name)

    return PLACEHOLDER.sub(replace, text or "")


def clean_context(context: Mapping[str, Any] | None) -> dict[str, str]:
    """The caller's context as str → str (values stringified, None dropped)."""
    if not context:
        return {}
    return {str(k): str(v) for k, v in context.items() if v is not None}
