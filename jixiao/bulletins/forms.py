from __future__ import annotations

from typing import Any

from django import forms

from jixiao.bulletins.models import KINDS_WITH_SOURCE, BulletinKind, BulletinStatus
from jixiao.core.forms import HiddenErrorsMixin, YearField, bootstrapify


class ListFilterForm(forms.Form):
    kind = forms.ChoiceField(label="通报类型", required=False, choices=[("", "全部"), *BulletinKind.choices])
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *BulletinStatus.choices])
    fiscal_year = YearField(label="年度", required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        membership = getattr(user, "active_membership", None)
        if membership is not None and not membership.can("documents.drafts"):
            # The oversight reads issued bulletins only (models scope): no 草稿 to choose.
            status = self.fields["status"]
            status.choices = [c for c in status.choices if c[0] != BulletinStatus.DRAFT]  # type: ignore[attr-defined]
        bootstrapify(self, small=True)


class GenerateForm(forms.Form):
    kind = forms.ChoiceField(label="通报类型", choices=BulletinKind.choices)
    fiscal_year = YearField(label="年度")
    source_id = forms.ChoiceField(
        label="再评价批次或监控轮次",
        required=False,
        choices=[],
        error_messages={"invalid_choice": "所选再评价批次或监控轮次不存在或不属于该年度，请刷新页面后重新选择"},
    )

    def __init__(self, *args: Any, sources: dict[str, list[tuple[str, str]]] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "gen_%s")  # the list's filter form on the same page has id_kind, id_fiscal_year
        super().__init__(*args, **kwargs)
        # A batch and a round may have the same id: each option names its kind ("RE_EVAL:1"), so a 监控轮次 picked
        # for a 再评价 bulletin is refused instead of silently reading the 再评价批次 with that id.
        choices: list[tuple[str, Any]] = [("", "（重点评价和考核通报无需选择）")]
        for kind, rows in (sources or {}).items():
            if rows:
                choices.append((str(BulletinKind(kind).label), [(f"{kind}:{pk}", label) for pk, label in rows]))
        self.fields["source_id"].choices = choices  # type: ignore[attr-defined]
        bootstrapify(self, small=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        picked = data.get("source_id") or ""
        kind = data.get("kind")
        if kind in KINDS_WITH_SOURCE and not picked and "source_id" not in self.errors:
            self.add_error("source_id", "请选择再评价批次或监控轮次")
        if not picked or not kind:
            return data
        source_kind, _sep, pk = picked.partition(":")
        if kind not in KINDS_WITH_SOURCE:
            data["source_id"] = ""  # 重点评价 / 考核 bulletins take no source
        elif source_kind != kind:
            wanted = "再评价批次" if kind == BulletinKind.RE_EVAL else "监控轮次"
            self.add_error("source_id", f"所选数据来源与通报类型不符：{BulletinKind(kind).label}须选择{wanted}")
        else:
            data["source_id"] = pk
        return data


class EditForm(HiddenErrorsMixin, forms.Form):
    title = forms.CharField(label="标题", max_length=200)
    narrative = forms.CharField(label="通报正文", max_length=20000, widget=forms.Textarea(attrs={"rows": 10}))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)
