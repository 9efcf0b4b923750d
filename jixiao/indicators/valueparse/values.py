"""Value types of the free-text target/actual parser (DOMAIN.md §4.2)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Kind(StrEnum):
    NUM = "NUM"
    RANGE = "RANGE"
    TIME = "TIME"
    QUAL = "QUAL"
    EMPTY = "EMPTY"
    UNPARSED = "UNPARSED"


class Op(StrEnum):
    GE = "GE"
    GT = "GT"
    EQ = "EQ"
    LE = "LE"
    LT = "LT"
    QUAL = "QUAL"


class Severity(StrEnum):
    ERROR = "ERROR"
    WARN = "WARN"
    INFO = "INFO"


class Hint(StrEnum):
    """Target hints of a qualitative text (§4.2 "Target hints")."""

    PASS = "PASS"  # noqa: S105 (a hint name, not a password)
    IMPROVE = "IMPROVE"
    MAINTAIN = "MAINTAIN"
    TIMELY = "TIMELY"


class LevelHint(StrEnum):
    """Tone of an actual text, used to suggest a qualitative level (§4.2 keyword lists, §4.6).

    POS suggests ACHIEVED, PARTIAL suggests PARTIAL, NEG suggests NOT_ACHIEVED.
    """

    NEG = "NEG"
    PARTIAL = "PARTIAL"
    POS = "POS"


class FlagCode(StrEnum):
    P_UNPARSED = "P_UNPARSED"
    P_OP_CONFLICT = "P_OP_CONFLICT"
    P_MONTH_BEFORE_AMBIGUOUS = "P_MONTH_BEFORE_AMBIGUOUS"
    # §4.2 says 百分点 is "flagged INFO" without naming the code; this is the name jixiao uses.
    P_PERCENTAGE_POINTS = "P_PERCENTAGE_POINTS"
    P_UNIT_ASSUMED = "P_UNIT_ASSUMED"
    P_PERCENT_SCALE = "P_PERCENT_SCALE"
    P_ACTUAL_HAS_OPERATOR = "P_ACTUAL_HAS_OPERATOR"
    E_UNIT_MISMATCH = "E_UNIT_MISMATCH"


# Severities as in the DOMAIN.md §4.8 table.
SEVERITY: dict[FlagCode, Severity] = {
    FlagCode.P_UNPARSED: Severity.WARN,
    FlagCode.P_OP_CONFLICT: Severity.WARN,
    FlagCode.P_MONTH_BEFORE_AMBIGUOUS: Severity.INFO,
    FlagCode.P_PERCENTAGE_POINTS: Severity.INFO,
    FlagCode.P_UNIT_ASSUMED: Severity.INFO,
    FlagCode.P_PERCENT_SCALE: Severity.WARN,
    FlagCode.P_ACTUAL_HAS_OPERATOR: Severity.WARN,
    FlagCode.E_UNIT_MISMATCH: Severity.WARN,
}


@dataclass(frozen=True)
class Flag:
    code: FlagCode
    severity: Severity
    message: str


def flag(code: FlagCode, message: str) -> Flag:
    return Flag(code=code, severity=SEVERITY[code], message=message)


@dataclass(frozen=True)
class ParsedValue:
    """One parsed target or actual text.

    - ``op``: the operator to use (text, else the declared column, else EQ for NUM; None when nothing applies).
    - ``text_op``: the operator the text itself states (NUM: an operator word; TIME: LE; QUAL: QUAL), else None.
    - ``num``: the number as written (NUM only); ``base_value = num × factor`` in ``unit_canon``.
    - ``lo``/``hi`` (RANGE): bounds already converted to ``unit_canon`` (comparable with ``base_value``).
    - ``dimension``: e.g. ``MONEY``, ``PERCENT``, ``COUNT:人``, ``OTHER:<unit>``; None without a unit.
    - ``pattern``: the §4.2 pattern row that matched (``P0`` … ``P10``), None for UNPARSED.
    - ``normalized``: the text after the §4.2 normalisation steps.
    """

    kind: Kind
    op: Op | None = None
    num: Decimal | None = None
    unit_raw: str | None = None
    unit_canon: str | None = None
    base_value: Decimal | None = None
    lo: Decimal | None = None
    hi: Decimal | None = None
    deadline: datetime.date | None = None
    hint: Hint | None = None
    flags: tuple[Flag, ...] = ()
    dimension: str | None = None
    factor: Decimal | None = None
    level_hint: LevelHint | None = None
    text_op: Op | None = None
    pattern: str | None = None
    normalized: str = ""

    @property
    def flag_codes(self) -> tuple[FlagCode, ...]:
        return tuple(f.code for f in self.flags)

    def has_flag(self, code: str) -> bool:
        return any(f.code == code for f in self.flags)
