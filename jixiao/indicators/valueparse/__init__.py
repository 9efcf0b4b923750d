"""Parser of free-text indicator target and actual values (DOMAIN.md §4.2).

A pure package: standard library and ``decimal`` only, no Django, no database.
"""

from .compare import Alignment, align, suggest_level
from .display import describe, format_number
from .normalize import normalize
from .parser import classify, parse_op, parse_value
from .values import SEVERITY, Flag, FlagCode, Hint, Kind, LevelHint, Op, ParsedValue, Severity
from .vocab import OPW, SUF, UNITS, canonical_unit

__all__ = [
    "OPW",
    "SEVERITY",
    "SUF",
    "UNITS",
    "Alignment",
    "Flag",
    "FlagCode",
    "Hint",
    "Kind",
    "LevelHint",
    "Op",
    "ParsedValue",
    "Severity",
    "align",
    "canonical_unit",
    "classify",
    "describe",
    "format_number",
    "normalize",
    "parse_op",
    "parse_value",
    "suggest_level",
]
