from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings

from jixiao.core.money import MoneyError, wan_from_yuan, yuan_from_wan
from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR, is_digits
from jixiao.core.uploads import MAX_FILES


class WanField(forms.DecimalField):
    """Entered and shown in 万元, cleaned to Decimal yuan (2 places)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("decimal_places", 6)
        kwargs.setdefault("max_digits", 18)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("step", "0.01")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            # format(..., "f") keeps 120 as "120", where normalize() alone would give "1.2E+2".
            return format(wan_from_yuan(value).normalize(), "f")
        return value

    def clean(self, value: Any) -> Decimal:
        wan = super().clean(value)
        if wan is None:
            return Decimal("0.00")
        try:
            return yuan_from_wan(wan)
        except MoneyError as exc:
            raise forms.ValidationError(str(exc)) from exc


class YearField(forms.IntegerField):
    """A 年度 box: a year from FIRST_YEAR to LAST_YEAR, as every list filters by (`core.filters.YearFilter` is the
    filter sets' twin). 20266 typed for 2026 is named at its box, never a year nothing can be found under."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", FIRST_YEAR)
        kwargs.setdefault("max_value", LAST_YEAR)
        super().__init__(**kwargs)


def _date_in_years(value: Any) -> None:
    """A typed date lies in the years a fiscal year may be: 9999-12-31 is a valid date, but a deadline a day after it
    is not (an OverflowError, a 500, wherever the day after a deadline is counted)."""
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise forms.ValidationError(f"日期应在{FIRST_YEAR}年至{LAST_YEAR}年之间", code="date_out_of_range")


def bootstrapify(form: forms.BaseForm, *, small: bool = False) -> None:
    """Bootstrap classes on every widget; every date box also keeps to FIRST_YEAR–LAST_YEAR (in the browser's
    picker and when cleaned)."""
    size = " form-select-sm" if small else ""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select" + size)
        else:
            widget.attrs.setdefault("class", "form-control" + size.replace("select", "control"))
        if isinstance(field, forms.DateField) and _date_in_years not in field.validators:
            field.validators = [*field.validators, _date_in_years]
            widget.attrs.setdefault("min", f"{FIRST_YEAR}-01-01")
            widget.attrs.setdefault("max", f"{LAST_YEAR}-12-31")


def limit_choices(form: forms.BaseForm, name: str, queryset: Any) -> None:
    """Restrict a ModelChoiceField to rows the user may see (choices come from the user's scope)."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


def valid_filters(form: forms.BaseForm) -> dict[str, Any]:
    """A list's filter values that passed: a bad one (a year typed wrong, a status not offered) is shown at its field
    with the reason and left out; the others still filter the page and its export (one bad field used to drop every
    filter, silently, and list everything)."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return dict(form.cleaned_data)


NOT_CONDITIONS = frozenset({"format", "export", "page", "per_page", "csrfmiddlewaretoken"})


def conditions_text(data: Any, form: forms.BaseForm | None = None) -> str:
    """A list's query in words, for the 说明 of its export or query in the audit trail: 年度=2026；状态=已入库.
    Each filled box by its label and what the page showed in it (a choice's label, a row's name, 是/否); a parameter
    no form field knows is named as typed, decoded (never `status=in_library&q=%E4%B8%80`). 全部（无查询条件） when
    nothing was asked."""
    fields = form.fields if form is not None else {}
    cleaned = getattr(form, "cleaned_data", None) or {}
    parts = []
    for name in data:
        values = [value for value in data.getlist(name) if value != ""]
        if name in NOT_CONDITIONS or not values:
            continue
        field = fields.get(name)
        label = str(field.label) if field is not None and field.label else name
        parts.append(f"{label}={_shown(field, cleaned.get(name), values)}")
    return "；".join(parts) or "全部（无查询条件）"


def _shown(field: forms.Field | None, value: Any, typed: list[str]) -> str:
    if field is None or value in (None, "", []):
        return "、".join(typed)
    widget = field.widget
    if hasattr(widget, "chosen"):  # several rows in a search box (core.filters): their names
        return "、".join(label for _pk, label in widget.chosen(typed)) or "、".join(typed)
    if hasattr(widget, "label_for"):  # one row in a search box: its name, not its id
        return widget.label_for(value) or str(value)
    choices = getattr(field, "choices", None) or getattr(widget, "choices", None)
    if choices is not None and not hasattr(choices, "queryset"):  # a select's own options (not a table's rows)
        labels: dict[str, str] = {}
        for key, label in choices:
            if isinstance(label, (list, tuple)):  # a group of choices
                labels.update((str(k), str(v)) for k, v in label)
            else:
                labels[str(key)] = str(label)
        return "、".join(labels.get(item, item) for item in typed)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)) or hasattr(value, "model"):
        return "、".join(str(item) for item in value)
    return str(value)


class RowFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    """A grid whose rows the page numbers itself: the row count it posts (TOTAL_FORMS) must cover every row it posts.

    A count below the rows sent (a tampered or broken page: "-1" reads as no rows at all) would otherwise drop the
    rows beyond it, and a service that replaces the grid would delete them; it is refused as a whole instead."""

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound or not self.management_form.is_valid():
            return
        total = int(self.management_form.cleaned_data["TOTAL_FORMS"] or 0)
        head = f"{self.prefix}-"
        sent = {key[len(head) :].split("-", 1)[0] for key in self.data if key.startswith(head)}
        rows = {int(index) for index in sent if is_digits(index)}
        if total < 0 or any(index >= total for index in rows):
            self._non_form_errors.append(  # type: ignore[attr-defined]
                forms.ValidationError("表格的行数与提交的内容不一致，未保存任何内容，请刷新页面后重新填写")
            )


class HiddenErrorsMixin:
    """Errors of hidden fields (the `version` or lock token the page carries) shown as the form's own error: pages
    draw hidden fields without an error slot, so a broken or tampered value would answer 400 with no message.
    Put it first among a form's bases."""

    fields: dict[str, forms.Field]

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        errors = self.errors  # type: ignore[attr-defined]
        if any(isinstance(field.widget, forms.HiddenInput) and name in errors for name, field in self.fields.items()):
            self.add_error(None, "页面信息已失效，请刷新页面后重新填写")  # type: ignore[attr-defined]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file input that takes several files; cleans to a list (empty when none was chosen and none is required)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            if data:
                return [single(d, initial) for d in data]
            data = None
        return [single(data, initial)] if data or self.required else []


EVIDENCE_ACCEPT = ".pdf,.doc,.docx,.xls,.xlsx,.jpg,.jpeg,.png"


def file_note_field() -> forms.CharField:
    """The optional 说明 of one uploaded file (`core.models.StoredFile.note`, at most 500 characters)."""
    return forms.CharField(
        label="说明",
        max_length=500,
        required=False,
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": "说明（选填）", "aria-label": "说明"}
        ),
    )


class OneFileForm(forms.Form):
    """One uploaded file with its 说明 (a `core.models.StoredFile`): subclasses name the `file` field. The upload is
    checked by `core.uploads` in the service; here only a missing file or a too long 说明 is refused."""

    file = forms.FileField(label="文件")
    note = file_note_field()

    def error_text(self) -> str:
        return "请选择要上传的文件" if "file" in self.errors else "说明不能超过500字"


class EvidenceUploadForm(forms.Form):
    """佐证资料 upload of a record: files, optionally the indicator row they support (`rows`: (id, label) of the
    record's rows only, so another record's row id is refused here), and a 说明. (`uploads`: a form's `files` is
    the request's files.)"""

    # Empty files pass here so that the service's check names the file (core.uploads.check_uploads).
    uploads = MultipleFileField(
        label="佐证资料",
        allow_empty_file=True,
        error_messages={"required": "请选择要上传的文件"},
        widget=MultipleFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
    )
    row = forms.TypedChoiceField(label="对应指标", required=False, coerce=int, empty_value=None)
    note = forms.CharField(label="说明", required=False, max_length=500)

    def __init__(self, *args: Any, rows: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["row"].choices = [("", "（不对应具体指标）"), *rows]  # type: ignore[attr-defined]
        self.fields["note"].widget.attrs["placeholder"] = "如：验收单、调查问卷统计表"
        limit_mb = settings.JIXIAO_MAX_UPLOAD_BYTES // (1024 * 1024)
        self.limits = f"PDF、Word、Excel、JPG 或 PNG，单个文件不超过{limit_mb}MB，一次最多{MAX_FILES}个"
        bootstrapify(self, small=True)

    def error_text(self) -> str:
        return "；".join(str(e) for errors in self.errors.values() for e in errors)
