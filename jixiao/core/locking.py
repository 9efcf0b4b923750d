"""Optimistic locking for editable pages (SECURITY.md I05): a second concurrent save gets a conflict.

A page that edits one row or a grid of rows renders a *lock token* of what it showed: the rows' primary keys with
their `version` (or `updated_at` when a model has no version column). The save posts the token back; the service
locks the rows (`select_for_update`), recomputes the token and refuses the save with `ConflictError` (409) when it
differs, so the second of two users editing the same page gets a clear message instead of overwriting silently.

    form = SettingsForm(...)                       # in the view, for GET and POST alike
    add_lock_token(form, settings_row)             # hidden `lock_token` field with the row's current token
    ...
    services.settings_save(actor, row, data, lock_token=form.cleaned_data.get("lock_token"))
    # in the service, after select_for_update:
    check_lock_token(locked_row, lock_token)

An empty token (an API client or an old page that does not send one) skips the check, as `expected_version=None`
does in the services written before this module.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from jixiao.core.errors import ConflictError, DomainError, TransitionNotAllowedError

STALE_MESSAGE = "该记录已被他人修改，请刷新后重试"
FIELD_NAME = "lock_token"


def _stamp(row: Any) -> str:
    if row is None:
        return "-"
    version = getattr(row, "version", None)
    if version is not None:
        return f"{row.pk}:v{version}"
    updated = getattr(row, "updated_at", None)
    return f"{row.pk}:{updated.isoformat() if updated is not None else ''}"


def lock_token(current: models.Model | Iterable[Any] | None) -> str:
    """A short token for one row or a set of rows (order does not matter; an added or removed row changes it)."""
    rows: list[Any] = [current] if current is None or isinstance(current, models.Model) else list(current)
    joined = "|".join(sorted(_stamp(row) for row in rows))
    return hashlib.sha256(joined.encode()).hexdigest()[:24]


def check_lock_token(current: models.Model | Iterable[Any] | None, token: str | None) -> None:
    """Raise ConflictError when the token posted with a page no longer matches the (locked) rows."""
    if token and lock_token(current) != token:
        raise ConflictError(STALE_MESSAGE)


def add_lock_token(form: forms.BaseForm, current: models.Model | Iterable[Any] | None) -> None:
    """Add the hidden `lock_token` field to a form, its initial value the token of what the page shows."""
    form.fields[FIELD_NAME] = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    form.initial[FIELD_NAME] = lock_token(current)


def posted_lock_token(data: Any) -> str | None:
    """The token from a POST (for grids posted without a Django form)."""
    value = data.get(FIELD_NAME) if data is not None else None
    return str(value)[:64] if value else None


def moved_by(event: Any, label_of: Callable[[Any], str]) -> str:
    """“（王敏 已于 2026-12-07 01:50 初审通过）”: who took a record's last step (`event`, its newest workflow event with
    `actor` and `occurred_at`) and when, added to the refusal of a step taken from a page shown before it. Empty
    without an event or its actor (a system step)."""
    if event is None or event.actor is None:
        return ""
    when = timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M")
    return f"（{event.actor} 已于 {when} {label_of(event) or '操作'}）"


def step_refusal(
    exc: DomainError, *, moved: bool, last_event: Callable[[], Any], label_of: Callable[[Any], str]
) -> str:
    """The message for a refused workflow step. When the record moved since the page was shown (`moved`: its status
    is no longer the one whose button was pressed), or the step is not allowed from where it stands now, it names
    who took the last step and when (`moved_by` of `last_event()`)."""
    if moved or isinstance(exc, TransitionNotAllowedError):
        return exc.message + moved_by(last_event(), label_of)
    return exc.message


def still_offered(pressed: str | None, actions: Iterable[Any]) -> bool:
    """Whether the step whose button was pressed is among the steps the page offers now. If it is, what was typed for
    it goes back in its box; if not (a colleague took a step meanwhile) it is shown apart, to copy, and never left
    in the box of another step (templates/includes/unsent_comment.html)."""
    return pressed is not None and pressed in {t.action for t in actions}


def typed_opinion(typed: str, pressed: str | None, actions: Iterable[Any]) -> dict[str, str]:
    """The page context for an opinion typed for a refused step: `typed_comment` (back in the box) or
    `unsent_comment` (apart), by `still_offered`."""
    if still_offered(pressed, actions):
        return {"typed_comment": typed, "unsent_comment": ""}
    return {"typed_comment": "", "unsent_comment": typed}


@contextmanager
def duplicate_is_conflict(message: str) -> Iterator[None]:
    """Run the block's writes in a savepoint: a unique key another user saved between the caller's checks and these
    writes (two first saves at once, a double submit) breaks only the savepoint, so the caller's transaction stays
    usable, and is a ConflictError (409) with `message`, nothing of the block written."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        raise ConflictError(message) from exc


def save_versioned(row: models.Model, *, creating: bool, fields: Iterable[str], duplicate_message: str) -> None:
    """Insert `row`, or save `fields` bumping its `version`, in a savepoint (`duplicate_is_conflict`)."""
    with duplicate_is_conflict(duplicate_message):
        if creating:
            row.save()
        else:
            row.version += 1  # type: ignore[attr-defined]
            row.save(update_fields=[*fields, "version", "updated_by", "updated_at"])
