"""The pages of a record's 佐证资料 (core.evidence): upload (several files, optionally tied to an indicator row),
download, removal. A refusal (wrong type, too big, empty, the record no longer editable) shows the record's page
again with the Chinese message and the refusal's status; nothing is stored. A file of another record, or of a
record the user does not see, is a 404."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jixiao.core.errors import DomainError
from jixiao.core.evidence import EvidenceKind
from jixiao.core.forms import EvidenceUploadForm
from jixiao.core.views_helpers import capability_required, stored_file_response

View = Callable[..., HttpResponse]


@dataclass(frozen=True)
class EvidencePages:
    """One record type's evidence pages. `record_get(user, pk)` and `evidence_get(user, pk, evidence_pk)` are its
    scoped selectors (404 outside the user's scope), `row_choices(record)` the upload form's 对应指标 options,
    `context(request, record)` the record page's context, shown again with a refusal in `template`; `noun` names
    the files in the messages."""

    kind: EvidenceKind
    detail: str
    template: str
    view_capability: str
    record_get: Callable[[Any, Any], Any]
    evidence_get: Callable[[Any, Any, Any], Any]
    row_choices: Callable[[Any], list[tuple[int, str]]]
    context: Callable[[HttpRequest, Any], dict[str, Any]]
    noun: str = "佐证资料"

    def _back(self, pk: int) -> HttpResponse:
        return redirect(reverse(self.detail, args=[pk]) + "#evidence")

    def _refused(
        self, request: HttpRequest, record: Any, message: str, status: int, form: EvidenceUploadForm | None = None
    ) -> HttpResponse:
        context = self.context(request, record)
        context["evidence_error"] = message
        if form is not None:
            context["evidence_form"] = form
        return render(request, self.template, context, status=status)

    def views(self) -> tuple[View, View, View]:
        """(add, download, delete), each behind its capability."""

        @require_POST
        @capability_required(self.kind.capability)
        def add(request: HttpRequest, pk: int) -> HttpResponse:
            record = self.record_get(request.user, pk)
            form = EvidenceUploadForm(request.POST, request.FILES, rows=self.row_choices(record))
            if not form.is_valid():
                return self._refused(request, record, form.error_text(), 400, form)
            try:
                added = self.kind.add(
                    actor=request.user,
                    record=record,
                    files=form.cleaned_data["uploads"],
                    row_id=form.cleaned_data["row"],
                    note=form.cleaned_data["note"],
                )
            except DomainError as exc:
                return self._refused(request, record, exc.message, exc.status_code, form)
            messages.success(request, f"已上传{self.noun}{len(added)}个")
            return self._back(pk)

        @capability_required(self.view_capability)
        def download(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
            evidence = self.evidence_get(request.user, pk, evidence_pk)
            return stored_file_response(
                evidence.file,
                evidence.original_name,
                opened=lambda: self.kind.opened(actor=request.user, evidence=evidence),
            )

        @require_POST
        @capability_required(self.kind.capability)
        def delete(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
            evidence = self.evidence_get(request.user, pk, evidence_pk)
            try:
                self.kind.delete(actor=request.user, evidence=evidence)
            except DomainError as exc:
                return self._refused(request, self.kind.record_of(evidence), exc.message, exc.status_code)
            messages.success(request, f"已删除{self.noun}“{evidence.original_name}”")
            return self._back(pk)

        return add, download, delete
