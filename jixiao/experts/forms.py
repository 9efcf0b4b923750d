"""Expert pool forms. They validate input; services (the only writers) validate scope."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from jixiao.core.filters import AutocompleteModelMultipleChoiceField
from jixiao.core.forms import HiddenErrorsMixin, OneFileForm, WanField, YearField, bootstrapify, limit_choices
from jixiao.experts import selectors
from jixiao.experts.checks import BANDS, WEIGHT_PREFIX
from jixiao.experts.models import QUALITY_ASPECTS, Agency, Engagement, Expert
from jixiao.experts.services import MAX_PANEL_SIZE
from jixiao.organizations.forms import DepartmentSearchField, VersionedForm

PERSONAL_FIELDS = ("phone", "id_number", "bank_account")
# A date box (type=date); it shows the stored date as YYYY-MM-DD, the first input format (config/formats).
DATE = forms.DateInput(attrs={"type": "date"})


class ExpertForm(VersionedForm):
    """Phone, ID number and bank account are never pre-filled: an empty entry keeps the stored value (shown masked)."""

    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    id_number = forms.CharField(label="身份证号", max_length=18, required=False)
    bank_account = forms.CharField(label="银行账号", max_length=40, required=False)

    class Meta:
        model = Expert
        fields = [
            "name", "kind", "field", "title", "affiliation", "department", "phone", "id_number", "bank_name",
            "bank_account", "is_active", "conflict_departments", "user",
        ]  # fmt: skip

    # Search boxes: a province's pool sees 20,000 departments.
    department = DepartmentSearchField(label="所属部门（不在本级部门任职的不填）")
    conflict_departments = AutocompleteModelMultipleChoiceField(
        label="声明回避的部门",
        required=False,
        queryset=None,
        url_name="organizations:department_autocomplete",
        help_text="专家声明需回避的部门：抽取评审该部门事项的专家时将排除（可选多个）",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = selectors.department_choices(user)
        limit_choices(self, "department", departments)
        limit_choices(self, "conflict_departments", departments)
        limit_choices(self, "user", selectors.expert_user_choices(user, self.instance))
        logins = self.fields["user"]
        logins.label = "登录账号"
        logins.empty_label = "（不关联：无法在线评分）"  # type: ignore[attr-defined]
        logins.help_text = "专家用此账号登录，在“我的评审任务”中在线评分；可选本区划角色为评审专家、尚未关联的账号"
        for name, masked in (("phone", "phone_masked"), ("id_number", "id_number_masked"),
                             ("bank_account", "bank_account_masked")):  # fmt: skip
            self.initial[name] = ""
            if self.instance.pk and getattr(self.instance, name):
                self.fields[name].help_text = f"当前：{getattr(self.instance, masked)}；留空表示不修改"
        bootstrapify(self)

    def clean_phone(self) -> str:
        phone = str(self.cleaned_data.get("phone") or "").strip()
        if phone and not all(ch.isdigit() or ch in "+- " for ch in phone):
            raise forms.ValidationError("联系电话只能包含数字、空格、+ 和 -")
        return phone

    def clean_id_number(self) -> str:
        return "".join(str(self.cleaned_data.get("id_number") or "").split()).upper()

    def clean_bank_account(self) -> str:
        return "".join(str(self.cleaned_data.get("bank_account") or "").split())

    @property
    def service_data(self) -> dict[str, Any]:
        data = super().service_data
        data["conflict_departments"] = list(data.get("conflict_departments") or [])
        for name in PERSONAL_FIELDS:
            if not data.get(name) and self.instance.pk:
                data.pop(name, None)
        return data


class ExpertImportForm(forms.Form):
    file = forms.FileField(label="专家清单（.xlsx）", error_messages={"required": "请选择要上传的文件"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）")
        return upload


class PanelDrawForm(forms.Form):
    purpose = forms.CharField(label="抽取事由", max_length=200)
    field = forms.ChoiceField(label="专业领域", required=False)
    size = forms.IntegerField(label="抽取人数", min_value=1, max_value=MAX_PANEL_SIZE, initial=3)
    avoid_department = DepartmentSearchField(label="回避部门（不填为不回避）")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [("", "（不限领域）")] + [(f, f) for f in selectors.expert_fields(user)]  # type: ignore[attr-defined]
        limit_choices(self, "avoid_department", selectors.department_choices(user))
        self.fields["avoid_department"].help_text = "申报单位所属主管部门：该部门任职及声明回避该部门的专家不参加抽取"
        bootstrapify(self)


class AgencyForm(VersionedForm):
    """Like the expert form, the phone is never pre-filled: an empty entry keeps the stored number."""

    phone = forms.CharField(label="联系电话", max_length=30, required=False)

    class Meta:
        model = Agency
        fields = ["name", "credit_code", "qualification", "contact_person", "phone", "is_active", "users"]
        widgets = {"users": forms.SelectMultiple(attrs={"size": 5}), "qualification": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "users", selectors.agency_user_choices(user))
        users = self.fields["users"]
        assert isinstance(users, forms.ModelMultipleChoiceField)
        users.label_from_instance = lambda obj: f"{obj.username} {obj.display_name}"  # type: ignore[method-assign]
        self.fields["credit_code"].help_text = "18位，由数字和大写字母组成"
        self.initial["phone"] = ""
        if self.instance.pk and self.instance.phone:
            self.fields["phone"].help_text = f"当前：{self.instance.phone_masked}；留空表示不修改"
        bootstrapify(self)

    def clean_phone(self) -> str:
        phone = str(self.cleaned_data.get("phone") or "").strip()
        if phone and not all(ch.isdigit() or ch in "+- " for ch in phone):
            raise forms.ValidationError("联系电话只能包含数字、空格、+ 和 -")
        return phone

    @property
    def service_data(self) -> dict[str, Any]:
        data = super().service_data
        data["users"] = list(data.get("users") or [])
        if not data.get("phone") and self.instance.pk:
            data.pop("phone", None)
        return data


class EngagementForm(HiddenErrorsMixin, forms.ModelForm):
    fee_yuan = WanField(label="委托费用（万元）", required=False)
    # Optimistic locking like VersionedForm, keeping the model form's own validation.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Engagement
        fields = [
            "agency",
            "scope",
            "fiscal_year",
            "title",
            "commissioner",
            "contract_no",
            "fee_yuan",
            "team",
            "team_users",
            "start_date",
            "end_date",
            "deadline",
        ]
        widgets = {
            "team": forms.Textarea(attrs={"rows": 2}),
            "team_users": forms.SelectMultiple(attrs={"size": 4}),
            "start_date": DATE,
            "end_date": DATE,
            "deadline": DATE,
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "agency", selectors.commission_agencies(user))
        limit_choices(self, "team_users", selectors.agency_user_choices(user))
        self.fields["team_users"].help_text = "须为所选机构的登录账号；留空时由机构全部账号参与"
        if self.instance.pk:
            self.initial["version"] = self.instance.version
        bootstrapify(self)

    @property
    def expected_version(self) -> int | None:
        return self.cleaned_data.get("version")

    @property
    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        data["team_users"] = list(data.get("team_users") or [])
        if data.get("fee_yuan") is None:
            data["fee_yuan"] = Decimal(0)
        return data


class DeliverableForm(OneFileForm):
    # An empty file passes here so that the service's check names it (“报告.pdf”：文件为空), not 请选择要上传的文件.
    file = forms.FileField(label="委托成果", help_text="PDF、Word、Excel、JPG 或 PNG", allow_empty_file=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class EngagementFilterForm(forms.Form):
    """第三方委托 list filters; `overdue` keeps the engagements past their 成果提交期限 still without deliverables
    (the 待办 of the performance section links here)."""

    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态"), *Engagement.Status.choices])
    overdue = forms.BooleanField(label="仅看逾期未提交成果", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)


class QualityReviewForm(forms.Form):
    """执业质量核查: six aspect scores (0–100), the year and an opinion."""

    fiscal_year = YearField(label="核查年度")
    note = forms.CharField(label="核查意见", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    # When the page was shown: a review of the year saved later is not replaced unseen (quality_review_save).
    shown_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, label in QUALITY_ASPECTS:
            self.fields[code] = forms.DecimalField(
                label=label, min_value=Decimal(0), max_value=Decimal(100), decimal_places=2, max_digits=5
            )
        bootstrapify(self)

    @property
    def scores(self) -> dict[str, Decimal]:
        return {code: self.cleaned_data[code] for code, _label in QUALITY_ASPECTS}


def _score_box(label: str, help_text: str = "", named: str = "") -> forms.DecimalField:
    """A box of 0–100 with at most two decimals, its refusals in Chinese naming the box (`named`, else its label)."""
    named = named or label
    return forms.DecimalField(
        label=label,
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=2,  # no max_digits: 1000 would be refused twice, as too big and as too long
        help_text=help_text,
        error_messages={
            "required": f"请填写{named}",
            "invalid": f"{named}应为数字",
            "min_value": f"{named}应在0至100之间",
            "max_value": f"{named}应在0至100之间",
            "max_decimal_places": f"{named}最多保留两位小数",
        },
    )


class QualitySettingForm(HiddenErrorsMixin, forms.Form):
    """执业质量核查设置 of the user's region for one year (the year is chosen above the form, carried hidden): six
    weights and the grade bands, each 0–100 with two decimals. Their sum and the bands' order are checked by the
    service (services_settings.quality_setting_save), which the view shows next to the fields."""

    fiscal_year = YearField(widget=forms.HiddenInput)
    excellent_min = _score_box("优秀最低分")
    good_min = _score_box("良好最低分")
    pass_min = _score_box("合格最低分", "低于此分为“不合格”")
    suspend_on_fail = forms.BooleanField(label="核查不合格的机构暂停委托", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, label in QUALITY_ASPECTS:
            self.fields[WEIGHT_PREFIX + code] = _score_box(label, named=f"“{label}”的权重")
        bootstrapify(self, small=True)

    @property
    def weight_fields(self) -> list[forms.BoundField]:
        return [self[WEIGHT_PREFIX + code] for code, _label in QUALITY_ASPECTS]

    def weights(self) -> dict[str, Decimal]:
        return {code: self.cleaned_data[WEIGHT_PREFIX + code] for code, _label in QUALITY_ASPECTS}

    def bands(self) -> dict[str, Decimal]:
        return {name: self.cleaned_data[name] for name, _label in BANDS}
