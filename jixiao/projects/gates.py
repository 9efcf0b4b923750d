"""Gates on project workflow actions, registered by higher stages (the project library imports none of them).

A stage such as 事前绩效评估 registers a check in its AppConfig.ready(); `project_transition` calls `check` on the
locked project before it moves, so the page, the API and any other caller meet the same rule. `project_update` calls
it with the action "edit" on the changed (unsaved) project when its 财政拨款 changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Gate = Callable[[Any, str], None]
_gates: list[Gate] = []


def register(gate: Gate) -> Gate:
    """Add a gate: `gate(project, action)` raises core.errors.DomainError (Chinese message) to refuse."""
    if gate not in _gates:
        _gates.append(gate)
    return gate


def check(project: Any, action: str) -> None:
    for gate in _gates:
        gate(project, action)
