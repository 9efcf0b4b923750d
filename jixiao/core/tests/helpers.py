"""Helpers shared by the apps' page tests."""

from __future__ import annotations

from typing import Any

from django import forms
from docx.oxml.ns import qn


def shown_form_data(form: forms.BaseForm, **overrides: Any) -> dict[str, Any]:
    """What a browser posts back for `form` as a page showed it (unbound: its initial values, hidden `version` and
    `lock_token` included), with `overrides` by field name."""
    data: dict[str, Any] = {}
    for bound in form:
        value = bound.value()
        if isinstance(bound.field.widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [getattr(v, "pk", v) for v in value]
        elif value is not None:
            data[bound.html_name] = getattr(value, "pk", value)
    data.update(overrides)
    return data


def tables_kept_whole(document: Any) -> bool:
    """Every row of every table of a Word document is kept from breaking across a page (`core.word.keep_rows_whole`)."""
    rows = [row for table in document.tables for row in table.rows]
    return bool(rows) and all(
        row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None for row in rows
    )


def head_repeats(table: Any) -> bool:
    """The table's first row (its column heads) repeats at the top of every page it runs onto."""
    return table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def cell_look(cell: Any) -> tuple[str, str | None, float | None, bool]:
    """A Word table cell's text and how its first run of text is set: Chinese face and size in points (None where the
    run sets none, so the cell shows the document's Normal style, as text typed into the cell in Word) and bold."""
    run = next((r for p in cell.paragraphs for r in p.runs if r.text), None)
    if run is None:
        return cell.text, None, None, False
    rfonts = run.element.rPr.rFonts if run.element.rPr is not None else None
    east_asia = rfonts.get(qn("w:eastAsia")) if rfonts is not None else None
    size = run.font.size.pt if run.font.size is not None else None
    return cell.text, east_asia, size, run.font.bold is True
