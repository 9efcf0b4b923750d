"""Workflow tables: `(state, action) → (next state, capability)`.

Each app declares its table in `workflow.py` with `Transition` rows. The table drives the buttons a user
sees, the API, the 待办 list and docs/workflows.md; services call `Workflow.get` to move a status.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass

from jixiao.core.errors import TransitionNotAllowedError


@dataclass(frozen=True)
class Transition:
    source: str
    action: str
    target: str
    capability: str
    label: str
    needs_comment: bool = False
    style: str = "primary"
    # False for a step its holder may take but is not asked to (a withdrawal, a recall, an adjustment request): the
    # state does not count in the holder's 待办 for it.
    awaits: bool = True


REGISTRY: list[Workflow] = []


class Workflow:
    def __init__(self, name: str, transitions: Iterable[Transition], labels: dict[str, str] | None = None) -> None:
        self.name = name
        self.transitions = tuple(transitions)
        self.labels = labels or {}
        self._index = {(t.source, t.action): t for t in self.transitions}
        # The defining module and its position in it give the docs a stable order, whatever the import order.
        frame = sys._getframe(1)
        self.module = str(frame.f_globals.get("__name__", ""))
        self.line = frame.f_lineno
        REGISTRY.append(self)

    def get(self, state: str, action: str) -> Transition:
        try:
            return self._index[(state, action)]
        except KeyError as exc:
            # The user reads the message (a stale page, a second tab): the state and the action in Chinese, never
            # the codes; an action no transition knows is named as invalid rather than echoed.
            known = any(t.action == action for t in self.transitions)
            raise TransitionNotAllowedError(
                self.labels.get(state, state), self.action_label(action) if known else "", known=known
            ) from exc

    def available(self, state: str, capabilities: Iterable[str]) -> list[Transition]:
        caps = set(capabilities)
        return [t for t in self.transitions if t.source == state and t.capability in caps]

    def action_label(self, action: str, state: str | None = None) -> str:
        """The Chinese name of an action as its button read in `state` (提交审核, or 重新提交 from 已退回); the first
        transition's name without a state; the code itself when no transition has it."""
        named = [t for t in self.transitions if t.action == action]
        chosen = next((t for t in named if t.source == state), named[0] if named else None)
        return chosen.label if chosen is not None else action

    def states_awaiting(self, capability: str) -> list[str]:
        """States in which a holder of `capability` has something to do (for the 待办 list)."""
        return sorted({t.source for t in self.transitions if t.capability == capability and t.awaits})


def as_markdown(workflow: Workflow) -> str:
    label = workflow.labels.get
    lines = [
        f"## {workflow.name}",
        "",
        "| 当前状态 | 操作 | 下一状态 | 所需权限 | 需填写意见 |",
        "|---|---|---|---|---|",
    ]
    for t in workflow.transitions:
        comment = "是" if t.needs_comment else ""
        lines.append(
            f"| {label(t.source, t.source)} | {t.label} (`{t.action}`) | {label(t.target, t.target)} "
            f"| `{t.capability}` | {comment} |"
        )
    return "\n".join(lines) + "\n"
