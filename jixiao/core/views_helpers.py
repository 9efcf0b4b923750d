"""Small helpers shared by views of every app."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header

from jixiao.core.spreadsheets import XLSX_CONTENT_TYPE, CellError, error_report

PAGE_SIZE = 20


def capability_required(capability: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.can(capability):  # type: ignore[union-attr]
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def paginate(request: HttpRequest, queryset: Any, per_page: int = PAGE_SIZE) -> Any:
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response


MAX_IMPORT_ERRORS_KEPT = 5000


def keep_import_errors(request: HttpRequest, key: str, errors: Sequence[CellError]) -> None:
    """Remember the latest upload's error report for download (an empty list clears a stale one)."""
    if errors:
        request.session[key] = [[e.row, e.column, e.value, e.message] for e in errors[:MAX_IMPORT_ERRORS_KEPT]]
    else:
        request.session.pop(key, None)


def import_errors_download(request: HttpRequest, key: str, filename: str) -> HttpResponse:
    """The kept error report as .xlsx; 404 when there is none."""
    stored: list[list[Any]] = request.session.get(key) or []
    if not stored:
        raise Http404
    return xlsx_response(error_report([CellError(*e) for e in stored]), filename)
