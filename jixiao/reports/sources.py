"""The later stages' read contracts (issue 7) that the dashboard and the annual report use, in one place.

Each is called with the viewer (dashboards) or the generating user (the report: the performance section sees its
whole region), so the later stages' own scoping applies. A contract answering None (or a stage removed) makes the
panel or figure say "暂无数据" instead of failing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jixiao.appraisals.selectors import appraisal_ranking
from jixiao.disclosure.models import ItemType
from jixiao.disclosure.selectors import disclosure_summary
from jixiao.documents.models import DocType
from jixiao.documents.selectors import document_counts
from jixiao.inspections.selectors import inspection_totals
from jixiao.rectification.selectors import rectification_summary
from jixiao.regulations.selectors import regulation_totals
from jixiao.results.selectors import result_application_summary
from jixiao.training.selectors import sees_training, training_totals

CONTRACTS: dict[str, Callable[[Any, int], Any]] = {
    "document_counts": document_counts,
    "training_totals": training_totals,
    "regulation_totals": regulation_totals,
    "inspection_totals": inspection_totals,
    "rectification_summary": rectification_summary,
    "result_application_summary": result_application_summary,
    "disclosure_summary": disclosure_summary,
    "appraisal_ranking": appraisal_ranking,
}


def call(name: str, user: Any, year: int) -> Any:
    """The contract's answer for (user, year)."""
    return CONTRACTS[name](user, year)


def viewer_sees(name: str, user: Any) -> bool:
    """Whether the contract's figures exist for the viewer at all: a dashboard leaves a cell out rather than show a
    zero that only says the viewer cannot see the rows (training is the bureau's own work)."""
    checks: dict[str, Callable[[Any], bool]] = {"training_totals": sees_training}
    check = checks.get(name)
    return check(user) if check is not None else True


def doc_type_labels() -> dict[str, str]:
    return {value: str(label) for value, label in DocType.choices}


def item_type_labels() -> dict[str, str]:
    return {value: str(label) for value, label in ItemType.choices}
