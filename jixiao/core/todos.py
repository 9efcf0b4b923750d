"""The 待办 (to-do) registry. Domain apps register providers in AppConfig.ready(); core knows none of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TodoItem:
    stage: str
    title: str
    count: int
    url: str
    hint: str = ""


TodoProvider = Callable[[Any], list[TodoItem]]
_providers: list[TodoProvider] = []


def providers() -> tuple[TodoProvider, ...]:
    return tuple(_providers)


def register(provider: TodoProvider) -> TodoProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def for_user(user: Any) -> list[TodoItem]:
    items: list[TodoItem] = []
    for provider in _providers:
        items.extend(item for item in provider(user) if item.count > 0)
    return items
