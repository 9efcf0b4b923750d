"""Organisation forms. They validate input; services (the only writers) validate scope and uniqueness."""

from __future__ import annotations

from typing import Any

from django import forms

from jixiao.core.filters import AutocompleteModelChoiceField
from jixiao.core.forms import HiddenErrorsMixin, YearField, bootstrapify, limit_choices
from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR
from jixiao.organizations import selectors
from jixiao.organizations.models import (
    BudgetUnit,
    Department,
    FinanceSection,
    FiscalRegion,
    code_validator,
    mof_div_validator,
)


class DepartmentSearchField(AutocompleteModelChoiceField):
    """An optional 主管部门 field as a search box (a province has 20,000 of them); the form narrows `queryset` to the
    user's scope in its `__init__` (`limit_choices`), so a foreign id is a form error."""

    def __init__(self, *, label: str = "主管部门", required: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Department.objects.none())
        super().__init__(label=label, required=required, url_name="organizations:department_autocomplete", **kwargs)


def _label(field: forms.Field, fn: Any) -> None:
    assert isinstance(field, forms.ModelChoiceField)
    field.label_from_instance = fn  # type: ignore[method-assign]


class VersionedForm(HiddenErrorsMixin, forms.ModelForm):
    """A model form whose instance is left untouched: the service applies the changes and checks the version."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["version"] = getattr(self.instance, "version", None)

    def _post_clean(self) -> None:
        # Model validation (uniqueness, scope, tree rules) happens in the service, the only writer.
        pass

    @property
    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}

    @property
    def expected_version(self) -> int | None:
        return self.cleaned_data.get("version")


class RegionForm(VersionedForm):
    class Meta:
        model = FiscalRegion
        fields = ["mof_div_code", "name", "level", "parent"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mof_div_code"].validators.append(mof_div_validator)
        root = selectors.actor_region(user)
        if self.instance.pk and root is not None and self.instance.pk == root.pk:
            # The user's own region: its parent is outside their scope and stays as it is.
            del self.fields["parent"]
        else:
            parents = selectors.regions_visible(user).order_by("path")
            if self.instance.pk:
                parents = parents.exclude(path__startswith=self.instance.path)
            limit_choices(self, "parent", parents)
            self.fields["parent"].required = True
            _label(self.fields["parent"], lambda r: f"{r.mof_div_code} {r.name}")
            if root is not None and not self.instance.pk:
                self.initial.setdefault("parent", root.pk)
        bootstrapify(self)


class SectionForm(VersionedForm):
    class Meta:
        model = FinanceSection
        fields = ["region", "code", "name", "kind", "sort"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].validators.append(code_validator)
        limit_choices(self, "region", selectors.regions_visible(user).order_by("path"))
        _label(self.fields["region"], lambda r: f"{r.mof_div_code} {r.name}")
        root = selectors.actor_region(user)
        if root is not None and not self.instance.pk:
            self.initial.setdefault("region", root.pk)
        bootstrapify(self)


class DepartmentForm(VersionedForm):
    class Meta:
        model = Department
        fields = ["dept_code", "name", "finance_section", "is_key_focus", "is_town", "is_secret", "is_active"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dept_code"].validators.append(code_validator)
        region = self.instance.region if self.instance.pk else selectors.actor_region(user)
        limit_choices(self, "finance_section", selectors.business_sections(region))
        self.fields["finance_section"].empty_label = "（未指定）"  # type: ignore[attr-defined]
        self.fields["finance_section"].help_text = "只能选择本财政区划的业务股室"
        bootstrapify(self)


class UnitForm(VersionedForm):
    # A county has ~100 主管部门 and ~400 预算单位: search boxes, not one option each.
    department = DepartmentSearchField(required=True)
    parent = AutocompleteModelChoiceField(
        label="上级单位",
        queryset=BudgetUnit.objects.none(),
        required=False,
        url_name="organizations:unit_autocomplete",
        params={"parents": "1"},  # a third-level unit cannot be a parent: not suggested
        help_text="二级、三级单位输入名称或编码选择上级单位（上级单位须属于同一主管部门）；一级预算单位留空",
    )

    class Meta:
        model = BudgetUnit
        fields = ["agency_code", "name", "department", "parent", "kind", "is_secret", "is_active"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency_code"].validators.append(code_validator)
        limit_choices(self, "department", selectors.department_choices(user))
        limit_choices(self, "parent", selectors.unit_parent_choices(user, self.instance))
        bootstrapify(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parent, department = data.get("parent"), data.get("department")
        if parent is not None and department is not None and parent.department_id != department.pk:
            self.add_error("parent", "上级单位必须属于所选主管部门")
        return data


class FiscalYearForm(forms.Form):
    year = YearField(
        label="年度",
        error_messages={
            "required": "请填写年度",
            "invalid": "年度应为4位数字，如 2027",
            "min_value": f"年度应在{FIRST_YEAR}至{LAST_YEAR}之间",
            "max_value": f"年度应在{FIRST_YEAR}至{LAST_YEAR}之间",
        },
    )
    is_current = forms.BooleanField(label="设为当前年度", required=False)
    is_open = forms.BooleanField(label="开放填报", required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class FiscalYearActionForm(forms.Form):
    ACTIONS = [("set_current", "设为当前年度"), ("open", "开放填报"), ("close", "关闭填报")]

    action = forms.ChoiceField(choices=ACTIONS)
    year = forms.IntegerField()


class UnitImportForm(forms.Form):
    file = forms.FileField(label="预算单位清单（.xlsx）", error_messages={"required": "请选择要上传的文件"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）")
        return upload
