from __future__ import annotations

from typing import Any

from django import forms

from jixiao.core.filters import AutocompleteModelMultipleChoiceField
from jixiao.core.forms import HiddenErrorsMixin, WanField, YearField, bootstrapify, limit_choices
from jixiao.experts.selectors import engagement_choices
from jixiao.keyeval import selectors
from jixiao.keyeval.models import EvalTemplate, KeyEvalDocument, KeyEvalGrade, KeyEvalStatus, KeyEvaluation
from jixiao.organizations.forms import DepartmentSearchField

TEXT_FIELDS = ("basic_situation", "work_summary", "analysis", "experience", "suggestions", "other")


class EvaluationForm(HiddenErrorsMixin, forms.ModelForm):
    amount_yuan = WanField(label="评价资金（万元）", required=False, help_text="留空时按所选项目的财政拨款合计")
    # Search boxes: a province has 20,000 departments and 200,000 projects.
    department = DepartmentSearchField(label="被评价部门")
    projects = AutocompleteModelMultipleChoiceField(
        label="评价项目", required=False, queryset=None, url_name="projects:autocomplete"
    )

    class Meta:
        model = KeyEvaluation
        fields = [
            "title",
            "kind",
            "object_type",
            "budget_book",
            "department",
            "projects",
            "organiser_section",
            "mode",
            "engagement",
            "template",
            "amount_yuan",
            "methods",
            *TEXT_FIELDS,
        ]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in TEXT_FIELDS}

    fiscal_year = YearField(label="评价年度")
    # Optimistic lock: the version the page was rendered with; a save over a newer version is refused.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["expected_version"] = self.instance.version
        limit_choices(self, "department", selectors.department_choices(user))
        limit_choices(self, "projects", selectors.project_choices(user))
        limit_choices(self, "engagement", engagement_choices(user, keep=self.instance.engagement_id))
        ids = [t.pk for t in selectors.template_choices(user)]
        limit_choices(self, "template", EvalTemplate.objects.filter(pk__in=ids))
        self.fields["organiser_section"].disabled = True
        self.fields["organiser_section"].required = False
        self.fields["projects"].required = False
        if selectors.runs_department_evaluations(user):
            # A 主管部门's own 部门评价: of its own department, of its units' projects (services._department_run).
            membership = user.active_membership
            self.initial.update(kind=KeyEvaluation.Kind.DEPT, department=membership.department_id)
            for name in ("kind", "department"):
                self.fields[name].disabled = True
            self.fields["projects"].required = True
            object_type: Any = self.fields["object_type"]
            object_type.choices = [c for c in object_type.choices if c[0] != KeyEvaluation.ObjectType.DEPT_OVERALL]
            self.fields["engagement"].help_text = "委托第三方机构评价时，选择本部门的第三方委托"
        if self.instance.pk:
            self.fields["fiscal_year"].initial = self.instance.fiscal_year
            self.fields["fiscal_year"].disabled = True
        bootstrapify(self)

    def service_data(self) -> dict[str, Any]:
        skip = ("projects", "organiser_section", "expected_version")
        data = {k: v for k, v in self.cleaned_data.items() if k not in skip}
        if data.get("amount_yuan") is None:
            data.pop("amount_yuan", None)
        return data


class ListFilterForm(forms.Form):
    fiscal_year = YearField(label="年度", required=False)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态"), *KeyEvalStatus.choices])
    object_type = forms.ChoiceField(
        label="对象类型", required=False, choices=[("", "全部类型"), *KeyEvaluation.ObjectType.choices]
    )
    kind = forms.ChoiceField(label="评价类型", required=False, choices=[("", "全部"), *KeyEvaluation.Kind.choices])
    budget_book = forms.ChoiceField(
        label="预算类型", required=False, choices=[("", "全部"), *KeyEvaluation.BudgetBook.choices]
    )
    grade = forms.ChoiceField(label="评价等级", required=False, choices=[("", "全部等级"), *KeyEvalGrade.choices])
    # Who runs it: the 绩效股 (财政组织), or a 主管部门 its own 部门评价; the 待办 lines link with it.
    organiser = forms.ChoiceField(
        label="组织方",
        required=False,
        choices=[("", "全部"), ("finance", "财政组织"), ("department", "主管部门自行组织")],
    )
    q = forms.CharField(
        label="关键字",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "评价对象或被评价部门"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label="文件类型", choices=KeyEvalDocument.Kind.choices)
    # An empty file passes here so that the service's check names it (“通知.pdf”：文件为空), not 请选择要上传的文件.
    file = forms.FileField(label="文件", help_text="PDF、Word、Excel、JPG 或 PNG", allow_empty_file=True)
    note = forms.CharField(label="说明", max_length=500, required=False)

    def __init__(self, *args: Any, kinds: list[str] | None = None, **kwargs: Any) -> None:
        """`kinds`: the document kinds this user may upload (selectors.uploadable_document_kinds); None offers all."""
        super().__init__(*args, **kwargs)
        if kinds is not None:
            field: Any = self.fields["kind"]
            field.choices = [(value, label) for value, label in KeyEvalDocument.Kind.choices if value in kinds]
        bootstrapify(self)


class StaffScorerForm(forms.Form):
    user: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label="财政干部", queryset=None)  # type: ignore[arg-type]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "user", selectors.staff_choices(user))
        if selectors.runs_department_evaluations(user):
            self.fields["user"].label = "本部门人员"
        bootstrapify(self)


class ExpertDrawForm(forms.Form):
    field = forms.CharField(label="专业领域", required=False, max_length=50, help_text="留空表示不限领域")
    size = forms.IntegerField(label="抽取人数", min_value=1, max_value=50, initial=3)
    seed = forms.IntegerField(
        label="随机种子",
        required=False,
        min_value=0,
        max_value=2**63 - 1,  # the stored BigIntegerField; a larger number was a 500
        help_text="留空自动生成；同一种子可复现抽取结果",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)
