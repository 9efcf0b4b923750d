"""Small helpers shared by views of every app."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.http import content_disposition_header

from jixiao.core import audit, once
from jixiao.core.errors import DomainError
from jixiao.core.spreadsheets import XLSX_CONTENT_TYPE, CellError, ImportRejectedError, SpreadsheetError, error_report
from jixiao.core.text import CONTROL_CHARS

PAGE_SIZE = 20
# Cell errors listed on an import page; the downloadable report keeps up to MAX_IMPORT_ERRORS_KEPT.
MAX_ERRORS_SHOWN = 500


def capability_required(capability: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.can(capability):  # type: ignore[union-attr]
                # An authorization failure is a security event (SECURITY.md §1.4): who, where, what was missing.
                # Recorded here with the capability; DeniedAccessAuditMiddleware then leaves this 403 alone.
                request.jixiao_denial_audited = True  # type: ignore[attr-defined]
                audit.record(
                    actor=request.user,
                    event_type="authz.denied",
                    outcome="denied",
                    # The path is the client's: a control character (NUL) cannot be stored on PostgreSQL.
                    reason=CONTROL_CHARS.sub("", f"缺少权限 {capability}：{request.method} {request.path}")[:500],
                )
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.required_capability = capability  # type: ignore[attr-defined]  # read by may_open
        return wrapper

    return decorator


def form_page(
    request: HttpRequest,
    form: Any,
    save: Callable[[dict[str, Any], int | None], Any],
    *,
    template: str,
    context: dict[str, Any],
    success: str,
    done: Callable[[Any], HttpResponse],
) -> HttpResponse:
    """A register row's create or edit page: on a valid POST, `save(data, version)` (the form's data less its hidden
    `version`); its refusal is shown above the form with its status (400, 404, 409), what was typed kept; success
    flashes `success` and answers `done(result)`. An invalid form is a 400. A create page whose form carries
    `{% submit_once %}` saves once per form (core.once): a double click on 登记 makes one row."""
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version", None)

        def saved() -> HttpResponse:
            result = save(data, version)
            messages.success(request, success)
            return done(result)

        try:
            return once.run_once(request, saved)
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
    return render(request, template, {"form": form, **context}, status=status)


def may_open(user: Any, url: str) -> bool:
    """Whether `user` may open this page of Jixiao: False when its view needs a capability the user lacks (a page
    should not offer a link that answers 403). Unknown paths are not judged here (True)."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return True
    capability = getattr(match.func, "required_capability", None)
    can = getattr(user, "can", None)  # an anonymous visitor has no capabilities
    return capability is None or (can is not None and bool(can(capability)))


def paginate(
    request: HttpRequest, queryset: Any, per_page: int = PAGE_SIZE, *, count: int | None = None, by_ids: bool = False
) -> Any:
    """One page of the queryset; `count`, when the view has already counted the rows (with its totals), spares the
    paginator its own COUNT(*).

    `by_ids`: sort only the ids (with the joins the ordering needs), then load the page's rows with everything the
    queryset selects. For long lists with wide joined rows: the province's warning list sorted 165,000 rows of
    ~1 KB each (0.54 s, spilling to disk) where their ids sort in 0.19 s."""
    if not by_ids:
        paginator = Paginator(queryset, per_page)
        if count is not None:
            paginator.count = count
        return paginator.get_page(request.GET.get("page"))
    page = paginate(request, queryset.select_related(None).values_list("pk", flat=True), per_page, count=count)
    ids = list(page.object_list)
    rows = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page


DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# Path separators, what Windows refuses in a file name, whitespace, and what XML refuses (control characters, lone
# surrogates, non-characters: the same text goes into the Word file).
_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\s\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]+')


def filename_part(text: Any, limit: int) -> str:
    """`text` as part of a download's file name: every run of unsafe characters becomes "_", at most `limit`
    characters, "" when nothing is left (the caller falls back to the row's id)."""
    return _UNSAFE_IN_FILENAME.sub("_", "" if text is None else str(text)).strip("_")[:limit]


def docx_response(content: bytes, filename: str) -> HttpResponse:
    """A generated Word document as a download, never sniffed into something else."""
    response = HttpResponse(content, content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def stored_file_response(file: Any, filename: str, opened: Callable[[], object] | None = None) -> HttpResponse:
    """A stored file (an upload, a frozen report) as a download under `filename`: 404 when the row has no file or
    the file has gone from storage. `opened` (the service that records the download) runs once the file is open."""
    if not file:
        raise Http404
    try:
        handle = file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    if opened is not None:
        opened()
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response  # type: ignore[return-value]  # a streamed file is still a response


def search_response(results: list[dict[str, Any]]) -> JsonResponse:
    """The answer of a search box's endpoint (`static/js/autocomplete.js`): {"results": [{id, text, hint}]}."""
    return JsonResponse({"results": results}, json_dumps_params={"ensure_ascii": False})


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


def merged_errors(parsed: list[CellError], checked: list[CellError]) -> list[CellError]:
    """The parser's cell errors and the service's, in row order (the parser's first within a row). A cell the parser
    already refused is not reported again by the service, which saw it empty."""
    refused = {(error.row, error.column) for error in parsed}
    extra = [error for error in checked if (error.row, error.column) not in refused]
    return sorted([*parsed, *extra], key=lambda error: error.row)


def workbook_import(
    request: HttpRequest,
    form: Any,
    *,
    template: str,
    errors_key: str,
    parse: Callable[[Any], tuple[list[Any], list[CellError]]],
    apply: Callable[[list[Any]], HttpResponse],
    check: Callable[[list[Any]], list[CellError]] | None = None,
) -> HttpResponse:
    """The upload page of an Excel import. GET shows the form. A POST parses the uploaded workbook (`parse`: rows
    and cell errors); with no errors `apply` writes the rows (a service, all or nothing) and returns its response,
    usually a redirect with a message. Otherwise the page is shown again with status 400: the first cell errors
    listed, all of them kept for the error-report download, or the form's own error (not a workbook, a service
    refusal).

    `check` is the service's own checks of the rows that need the database (a unit not there, a code taken), run
    without writing when the parser found errors: one report lists everything, so a file is not corrected in two
    rounds. Without parse errors `apply`'s service checks the rows itself before writing."""
    if request.method != "POST":
        return render(request, template, {"form": form})
    errors: list[CellError] = []
    request.session.pop(errors_key, None)  # a report always belongs to the latest upload
    if form.is_valid():
        try:
            rows, errors = parse(form.cleaned_data["file"])
            if not errors:
                return apply(rows)
            if check is not None and rows:
                errors = merged_errors(errors, check(rows))
        except ImportRejectedError as exc:
            errors = exc.errors
        except SpreadsheetError as exc:
            form.add_error("file", exc.message)
        except DomainError as exc:  # a refusal of the service (a unit gone meanwhile, …): said on the form
            form.add_error(None, exc.message)
    keep_import_errors(request, errors_key, errors)
    context = {"form": form, "errors": errors[:MAX_ERRORS_SHOWN], "error_count": len(errors)}
    return render(request, template, context, status=400)
