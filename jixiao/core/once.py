"""Double submits of register pages (登记): a one-time token issued with the form, used by its first POST.

The create page renders `{% submit_once %}` (core templatetags) inside its form: a hidden `submit_token` field and,
on the form, nothing else is needed (static/js/jixiao.js also disables a `data-submit-once` form's buttons once it is
sent). The view runs its success path through `run_once(request, action)`: the token is claimed (a `FormSubmission`
row, unique) in the same transaction as the row the action writes, and the redirect the action answers is kept on
the claim. A second POST with the same token (a double click, a browser resend) writes nothing: it is redirected to
the first row's page with a notice; while no page is known it is a 409 with a clear message. A refused save
(validation, 409) rolls the claim back with it, so the corrected form may be sent again with the same token. A POST
without a token (API clients, scripts) is not guarded.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import timedelta

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from jixiao.core.errors import ConflictError
from jixiao.core.models import FormSubmission

TOKEN_FIELD = "submit_token"  # noqa: S105 - a form field name
ALREADY = "该表单已提交，未重复登记。"
IN_PROGRESS = "该表单已提交，正在处理或已保存，请勿重复提交；请刷新列表查看。"
KEEP = timedelta(days=2)  # a token older than this is forgotten (a form left open longer gets a fresh one)
_FORMAT = re.compile(r"[A-Za-z0-9_-]{20,64}")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def posted_token(request: HttpRequest) -> str | None:
    """The POST's well-formed token, or None (none sent, or junk: the POST is then not guarded)."""
    value = request.POST.get(TOKEN_FIELD, "") if request.method == "POST" else ""
    return value if _FORMAT.fullmatch(value) else None


def run_once(request: HttpRequest, action: Callable[[], HttpResponse]) -> HttpResponse:
    """`action()` (save, then answer the redirect) at most once per posted token; see the module docstring.

    Exceptions from `action` (a DomainError the view shows on the form) propagate and undo the claim."""
    token, user_id = posted_token(request), request.user.pk
    if token is None or user_id is None:
        return action()
    with transaction.atomic():
        try:
            with transaction.atomic():
                FormSubmission.objects.create(token=token, user_id=user_id)
        except IntegrityError:
            pass  # used already: answered below, outside the transaction
        else:
            FormSubmission.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
            response = action()
            location = response.get("Location", "") if 300 <= response.status_code < 400 else ""
            FormSubmission.objects.filter(token=token).update(result_url=location[:500])
            return response
    repeat = replayed(request)
    if repeat is None:
        raise ConflictError(IN_PROGRESS)
    return repeat


def replayed(request: HttpRequest) -> HttpResponse | None:
    """For a POST whose token was used already, the redirect to the first POST's page; None otherwise (also while the
    first has no page yet). For a form whose own checks would refuse the repeat before `run_once` is reached
    (申报事前评估: the project the first POST filed is no longer offered)."""
    token, user_id = posted_token(request), request.user.pk
    if token is None or user_id is None:
        return None
    first = FormSubmission.objects.filter(token=token, user_id=user_id).exclude(result_url="").first()
    if first is None:
        return None
    messages.info(request, ALREADY)
    return redirect(first.result_url)
