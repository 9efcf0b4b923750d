from __future__ import annotations

from typing import Any

from django import forms

from jixiao.bulletins.models import BulletinKind, BulletinStatus
from jixiao.core.forms import HiddenErrorsMixin, bootstrapify

YEAR = {"min_value": 2000, "max_value": 2100}


class ListFilterForm(forms.Form):
    kind = forms.ChoiceField(label="通报类型", required=False, choices=[("", "全部"), *BulletinKind.choices])
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *BulletinStatus.choices])
    fiscal_year = forms.IntegerField(label="年度", required=False, **YEAR)  # type: ignore[arg-type]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)


class GenerateForm(forms.Form):
    kind = forms.ChoiceField(label="通报类型", choices=BulletinKind.choices)
    fiscal_year = forms.IntegerField(label="年度", **YEAR)  # type: ignore[arg-type]
    source_id = forms.ChoiceField(label="再评价批次或监控轮次", required=False, choices=[])

    def __init__(self, *args: Any, sources: dict[str, list[tuple[str, str]]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [("", "（重点评价和考核通报无需选择）")]
        for kind, rows in (sources or {}).items():
            if rows:
                choices.append((str(BulletinKind(kind).label), [(pk, label) for pk, label in rows]))
        self.fields["source_id"].choices = choices  # type: ignore[attr-defined]
        bootstrapify(self, small=True)


class EditForm(HiddenErrorsMixin, forms.Form):
    title = forms.CharField(label="标题", max_length=200)
    narrative = forms.CharField(label="通报正文", max_length=20000, widget=forms.Textarea(attrs={"rows": 10}))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)
