"""Normalisation of target/actual texts, in the order of DOMAIN.md §4.2."""

from __future__ import annotations

import re
import unicodedata

_WHITESPACE = re.compile(r"[\s\u200b\u200c\u200d\ufeff]+")
_OP_PAIRS = re.compile(r">=|=>|<=|=<")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(\D|$))")
# `⩾`/`⩽` (Word's slanted signs) are an addition to the §4.2 list: they mean exactly ≥/≤.
_SIGN_VARIANTS = str.maketrans({"≧": "≥", "⩾": "≥", "≦": "≤", "⩽": "≤"})
_CJK = re.compile("[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002a6df]")


def normalize(text: str) -> str:
    """NFKC, no whitespace, ≥/≤ spelled one way, no thousands separators, no trailing 。."""
    s = unicodedata.normalize("NFKC", text)
    s = _WHITESPACE.sub("", s)
    s = s.translate(_SIGN_VARIANTS)
    s = _OP_PAIRS.sub(lambda m: "≥" if ">" in m.group() else "≤", s)
    s = _THOUSANDS.sub("", s)
    return s.removesuffix("。")


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None
