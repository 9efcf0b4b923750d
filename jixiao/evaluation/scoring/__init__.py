"""Self-evaluation scoring (DOMAIN.md §4): pure functions over plain data, no Django models, no database."""

from .check import Evaluation, ExecResult, IndicatorResult, evaluate
from .config import NATIONAL_DEFAULT, ScoringConfig
from .report import as_dict
from .rules import Issue, Score
from .sheet import FundRow, IndicatorRow, SelfEvalSheet

__all__ = [
    "NATIONAL_DEFAULT",
    "Evaluation",
    "ExecResult",
    "FundRow",
    "IndicatorResult",
    "IndicatorRow",
    "Issue",
    "Score",
    "ScoringConfig",
    "SelfEvalSheet",
    "as_dict",
    "evaluate",
]
