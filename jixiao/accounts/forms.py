from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from jixiao.accounts import security, selectors
from jixiao.accounts.capabilities import Role
from jixiao.accounts.models import SecurityPolicy, User
from jixiao.core.filters import AutocompleteModelChoiceField
from jixiao.core.forms import bootstrapify, limit_choices
from jixiao.organizations.models import BudgetUnit, Department, FinanceSection, FiscalRegion

LOCKED_MESSAGE = "登录失败次数过多，账号已临时锁定，请稍后再试或联系安全管理员"


class LoginForm(AuthenticationForm):
    # One generic message whatever went wrong: no user enumeration (SECURITY.md A03).
    error_messages = {
        "invalid_login": "用户名或密码错误",
        "inactive": "用户名或密码错误",
    }

    def clean(self) -> dict[str, Any]:
        # A locked username is refused before the password is even checked (SECURITY.md A01), whether or not
        # the account exists, so the lock reveals nothing. The name is the field's cleaned one (NFKC-normalised, as
        # authenticate() receives it and failures are counted); an invalid name (a NUL, too long) is not looked up:
        # it is refused at its field and never authenticated.
        username = self.cleaned_data.get("username")
        if username is not None and security.is_locked(username):
            raise forms.ValidationError(LOCKED_MESSAGE, code="locked")
        return super().clean()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"
        # The page is `novalidate`: an empty box is named under it rather than the generic 该字段是必填项。
        self.fields["username"].error_messages["required"] = "请输入用户名"
        self.fields["password"].error_messages["required"] = "请输入密码"
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"


class UserCreateForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    display_name = forms.CharField(label="姓名", max_length=50)


class WorkbookUploadForm(forms.Form):
    """The upload of an account workbook; its content is checked when it is read (core.spreadsheets)."""

    file = forms.FileField(label="Excel 文件（.xlsx）", error_messages={"required": "请选择要上传的文件"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）")
        return upload


def _user_label(user: User) -> str:
    named = user.display_name and user.display_name != user.username
    return f"{user.display_name}（{user.username}）" if named else user.username


class MembershipGrantForm(forms.Form):
    # A county has hundreds of accounts, ~100 主管部门 and ~400 预算单位: search boxes, not one option each; the
    # chosen ids are still checked against the administrator's scope.
    user = AutocompleteModelChoiceField(
        label="用户",
        queryset=User.objects.none(),
        url_name="accounts:user_autocomplete",
        error_messages={"invalid_choice": "用户不存在或不在您的管理范围内"},
    )
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    region = forms.ModelChoiceField(label="财政区划", queryset=FiscalRegion.objects.all())
    section = forms.ModelChoiceField(label="股室", queryset=FinanceSection.objects.all(), required=False)
    department = AutocompleteModelChoiceField(
        label="主管部门",
        queryset=Department.objects.none(),
        required=False,
        url_name="organizations:department_autocomplete",
    )
    unit = AutocompleteModelChoiceField(
        label="预算单位", queryset=BudgetUnit.objects.none(), required=False, url_name="organizations:unit_autocomplete"
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the accounts this administrator manages: another region's user is not offered, and a forged POST
        # naming one fails as an invalid choice, like a region or unit outside the administrator's scope.
        limit_choices(self, "user", selectors.users_for_admin(actor=actor).filter(is_active=True))
        # A chosen account is named with its 用户名 (two accounts may carry the same 姓名), as its suggestion was.
        self.fields["user"].widget.describe = _user_label  # type: ignore[attr-defined]
        limit_choices(self, "region", FiscalRegion.objects.visible_to(actor))
        limit_choices(self, "department", Department.objects.visible_to(actor))
        limit_choices(self, "unit", BudgetUnit.objects.visible_to(actor))
        membership = actor.active_membership
        limit_choices(self, "section", FinanceSection.objects.filter(region__path__startswith=membership.region.path))
        for field in self.fields.values():
            search_box = isinstance(field.widget, forms.TextInput)
            field.widget.attrs["class"] = "form-control" if search_box else "form-select"


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label="用户", required=False, widget=forms.TextInput(attrs={"placeholder": "用户名或姓名"}))
    # Codes, suggested by their Chinese names from the page's <datalist>s (accounts/audit_list.html).
    event_type = forms.CharField(
        label="事件类型",
        required=False,
        widget=forms.TextInput(attrs={"list": "audit-event-types", "placeholder": "如 auth（登录认证）"}),
    )
    object_type = forms.CharField(
        label="对象类型",
        required=False,
        widget=forms.TextInput(attrs={"list": "audit-object-types", "placeholder": "如 accounts.user（用户）"}),
    )
    object_id = forms.CharField(label="对象ID", required=False)
    outcome = forms.ChoiceField(
        label="结果",
        required=False,
        choices=[("", "全部"), ("success", "成功"), ("failure", "失败"), ("denied", "拒绝")],
    )
    date_from = forms.DateField(
        label="开始日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请输入正确的日期，如 2026-01-31"},
    )
    date_to = forms.DateField(
        label="结束日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请输入正确的日期，如 2026-01-31"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs["class"] = f"{css} {css}-sm"
        self.fields["outcome"].error_messages["invalid_choice"] = "请从列表中选择结果"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "开始日期不能晚于结束日期")
        return data


class SecurityPolicyForm(forms.ModelForm):
    class Meta:
        model = SecurityPolicy
        fields = [
            "min_length",
            "admin_min_length",
            "min_classes",
            "history_count",
            "max_age_days",
            "lockout_threshold",
            "lockout_window_minutes",
            "lockout_minutes",
            "admin_lockout_minutes",
            "idle_minutes",
            "admin_idle_minutes",
            "absolute_hours",
            "admin_single_session",
            "totp_required_admins",
            "totp_required_finance",
        ]

    # Optimistic locking: the policy as it was when the page was opened; a save over a newer one is a conflict.
    loaded_at = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.updated_at:
            self.initial["loaded_at"] = self.instance.updated_at.isoformat()
        bootstrapify(self)

    @property
    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "loaded_at"}


class TOTPCodeForm(forms.Form):
    code = forms.CharField(
        label="动态口令",
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)
