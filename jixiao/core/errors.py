"""Domain errors. Views and the API turn them into 4xx responses with the Chinese message."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PermissionDeniedError(DomainError):
    status_code = 403


class NotFoundError(DomainError):
    status_code = 404


class ConflictError(DomainError):
    status_code = 409


class TransitionNotAllowedError(ConflictError):
    def __init__(self, state: str, action: str) -> None:
        super().__init__(f"当前状态（{state}）不允许执行“{action}”操作")
        self.state = state
        self.action = action
