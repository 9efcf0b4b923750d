"""Domain errors. Views and the API turn them into 4xx responses with the Chinese message.

Two kinds, deliberately not one hierarchy:

- ``DomainError`` and its subclasses are *refusals*: the input is wrong (400), the actor may not (403), the rows
  moved on (409). A page catches them and shows the message with the typed input kept.
- ``NotFoundError`` is an *absence*: nothing the actor may see is there. It is not a ``DomainError``, so a page's
  ``except DomainError`` never shows it as a refusal; ``core.middleware.NotFoundMiddleware`` answers 404 for every
  page and ``core.api.exception_handler`` for the API. Views do not catch it.

Code that wants both (a background job recording why it failed, the API) catches ``ServiceError``.
"""

from __future__ import annotations


class ServiceError(Exception):
    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DomainError(ServiceError):
    status_code = 400


class PermissionDeniedError(DomainError):
    status_code = 403


class NotFoundError(ServiceError):
    status_code = 404


class ConflictError(DomainError):
    status_code = 409


class TransitionNotAllowedError(ConflictError):
    def __init__(self, state: str, action: str, *, known: bool = True) -> None:
        if known:
            message = f"当前状态为“{state}”，不允许执行“{action}”操作，请刷新页面后重试"
        else:
            message = "无效的操作，请刷新页面后重试"
        super().__init__(message)
        self.state = state
        self.action = action
