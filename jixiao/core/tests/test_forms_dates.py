import datetime as dt

from django import forms

from jixiao.core.forms import bootstrapify


class _Dates(forms.Form):
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    optional = forms.DateField(required=False)


def _form(data: dict[str, str]) -> _Dates:
    form = _Dates(data)
    bootstrapify(form)
    return form


def test_every_bootstrapped_date_box_keeps_to_the_fiscal_years() -> None:
    """9999-12-31 is a date Python holds, but not the day after it: a deadline that far made pages fail with a 500."""
    assert _form({"day": "2026-12-06"}).is_valid()
    far = _form({"day": "9999-12-31", "optional": "1999-12-31"})
    assert not far.is_valid()
    assert far.errors["day"] == ["日期应在2000年至2100年之间"]
    assert far.errors["optional"] == ["日期应在2000年至2100年之间"]
    last = _form({"day": "2100-12-31"})
    assert last.is_valid() and last.cleaned_data["day"] == dt.date(2100, 12, 31)
    html = str(far["day"])
    assert 'min="2000-01-01"' in html and 'max="2100-12-31"' in html


def test_bootstrapping_twice_adds_the_check_once() -> None:
    form = _form({"day": "2026-12-06"})
    bootstrapify(form)
    assert len(form.fields["day"].validators) == 1
