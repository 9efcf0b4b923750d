from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from jixiao.core.errors import ServiceError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ServiceError):
        return Response({"detail": exc.message}, status=exc.status_code)
    if isinstance(exc, Http404):
        # DRF passes Django's English text on ("No BudgetUnit matches the given query."): the client gets the
        # same Chinese 404 as every other endpoint's, which also names no model.
        exc = NotFound()
    return drf_exception_handler(exc, context)


from django_filters.rest_framework import DjangoFilterBackend  # noqa: E402


class ScopedFilterBackend(DjangoFilterBackend):
    """Pass the requesting user to FilterSets so their choices come from the user's own scope."""

    def get_filterset_kwargs(self, request: Any, queryset: Any, view: Any) -> dict[str, Any]:
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        kwargs["user"] = request.user
        return kwargs
