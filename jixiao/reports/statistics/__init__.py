"""The statistics catalogue of the annual work summary (DOMAIN.md §2.9): one function per code.

Each function takes a `Scope` (region subtree, work year WY, evaluated fiscal year FY, the generating user for the
later stages' user-scoped contracts) and returns a `Figure`: a pure dict of values (counts, yuan as Decimal), the
query parameters it used, the sentence the report prints and the appendix rows. All counting is done by the
database (aggregate / GROUP BY); nothing loops over projects in Python. docs/reports.md states each query in words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jixiao.reports.statistics.base import Figure, Scope, wan
from jixiao.reports.statistics.closing import ap_1, dis_1, doc_1, mon_6, ra_1, reg_1, tp_1, tr_1
from jixiao.reports.statistics.stages import (
    ev_1,
    ev_2,
    ev_3,
    ev_4,
    mon_1,
    mon_2,
    mon_3,
    mon_4,
    mon_5,
    pa_1,
    pa_2,
    pa_3,
    tg_1,
    tg_2,
    tg_3,
    tg_4,
    tg_5,
)

__all__ = ["CATALOGUE", "Figure", "Scope", "compute_all", "in_catalogue_order", "wan"]

CATALOGUE: dict[str, Callable[[Scope], Figure]] = {
    "PA-1": pa_1,
    "PA-2": pa_2,
    "PA-3": pa_3,
    "TG-1": tg_1,
    "TG-2": tg_2,
    "TG-3": tg_3,
    "TG-4": tg_4,
    "TG-5": tg_5,
    "MON-1": mon_1,
    "MON-2": mon_2,
    "MON-3": mon_3,
    "MON-4": mon_4,
    "MON-5": mon_5,
    "MON-6": mon_6,
    "EV-1": ev_1,
    "EV-2": ev_2,
    "EV-3": ev_3,
    "EV-4": ev_4,
    "RA-1": ra_1,
    "DOC-1": doc_1,
    "DIS-1": dis_1,
    "AP-1": ap_1,
    "TR-1": tr_1,
    "TP-1": tp_1,
    "REG-1": reg_1,
}


def compute_all(scope: Scope) -> dict[str, Figure]:
    return {code: function(scope) for code, function in CATALOGUE.items()}


def in_catalogue_order(statistics: dict[str, Any]) -> list[tuple[str, Any]]:
    """A stored snapshot's figures in the catalogue's order (PA, TG, MON, EV, then the later stages), whatever order
    the database kept its keys in (PostgreSQL's jsonb sorts them), so the appendix numbers them the same way."""
    rank = {code: index for index, code in enumerate(CATALOGUE)}
    return sorted((statistics or {}).items(), key=lambda item: (rank.get(item[0], len(rank)), item[0]))
