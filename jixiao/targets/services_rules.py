"""Setting smart-check rules (智能审核规则) for a region: the performance section's configuration rows."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from jixiao.core import audit
from jixiao.core.errors import DomainError
from jixiao.core.locking import check_lock_token, duplicate_is_conflict
from jixiao.core.permissions import require
from jixiao.indicators.valueparse import format_number
from jixiao.projects.services import project_classes
from jixiao.targets.checks import DEFAULT_RULES, PARAM_LABELS
from jixiao.targets.models import CheckSeverity, SmartCheckRule, TargetReviewSettings

NUMBER, TEXT, WORDS, NUMBERS, YES_NO = "number", "text", "words", "numbers", "yes_no"
_SEPARATORS = re.compile(r"[,，、;；\r\n]+")
_YES, _NO = "是", "否"


class ParamError(DomainError):
    """A refused parameter; `key` names its field on the page."""

    def __init__(self, message: str, key: str = "") -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class ParamField:
    """One parameter of a rule as the page edits it: typed like its national default."""

    key: str
    label: str
    kind: str  # NUMBER | TEXT | WORDS | NUMBERS | YES_NO
    default: Any

    @property
    def default_text(self) -> str:
        return param_text(self.default)


def _kind(default: Any) -> str:
    if isinstance(default, bool):
        return YES_NO
    if isinstance(default, list):
        return NUMBERS if default and all(_is_number(v) and not isinstance(v, str) for v in default) else WORDS
    if isinstance(default, int | float) or (isinstance(default, str) and _is_number(default)):
        return NUMBER
    return TEXT


def param_label(key: str) -> str:
    return PARAM_LABELS.get(key, key)


def param_fields(code: str) -> list[ParamField]:
    """The parameters a rule has (its national default's keys), each typed like its default value."""
    defaults = DEFAULT_RULES[code][2] if code in DEFAULT_RULES else {}
    return [ParamField(key, param_label(key), _kind(value), value) for key, value in defaults.items()]


def param_text(value: Any) -> str:
    """A parameter value as the page shows and takes it: lists joined with 、, yes/no as 是/否."""
    if isinstance(value, bool):
        return _YES if value else _NO
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return "" if value is None else str(value)


def params_text(params: Mapping[str, Any]) -> str:
    """Parameters for reading: "超过历史最好水平的倍数：2；识别关键词（指标名称含此词）：产出"."""
    return "；".join(f"{param_label(key)}：{param_text(value)}" for key, value in params.items())


def _stored_number(text: str, default: Any) -> Any:
    """A typed number in the shape of its default: text ("3") for a text default, a JSON number otherwise."""
    if isinstance(default, str):
        return text
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


def parse_params(code: str, posted: Mapping[str, str]) -> dict[str, Any]:
    """The parameters typed in a rule's fields (`posted`: key → text). A field left empty is no override: the rule
    keeps the value of the rows above (at last the national default). Typed values are checked against the type of
    their default; a clear Chinese `ParamError` names the field otherwise."""
    params: dict[str, Any] = {}
    for field in param_fields(code):
        text = str(posted.get(field.key) or "").strip()
        if not text:
            continue
        name = f"参数“{field.label}”"
        if field.kind == YES_NO:
            if text not in (_YES, _NO):
                raise ParamError(f"{name}须为“是”或“否”", field.key)
            params[field.key] = text == _YES
        elif field.kind == NUMBER:
            if not _is_number(text):
                raise ParamError(f"{name}须为数值，例如 {field.default_text}（“{text}”不是数值）", field.key)
            _check_magnitude(name, field.key, [text])
            params[field.key] = _stored_number(text, field.default)
        elif field.kind in (WORDS, NUMBERS):
            items = list(dict.fromkeys(item.strip() for item in _SEPARATORS.split(text) if item.strip()))
            if not items:
                raise ParamError(f"{name}须填写至少一项，多项之间用“、”或逗号分隔", field.key)
            if field.kind == NUMBERS:
                bad = [item for item in items if not _is_number(item)]
                if bad:
                    raise ParamError(f"{name}各项须为数值（“{'、'.join(bad)}”不是数值）", field.key)
                _check_magnitude(name, field.key, items)
                params[field.key] = [_stored_number(item, 0) for item in items]
            else:
                params[field.key] = items
        else:
            params[field.key] = text
    return params


# The longest word or text a parameter takes, and the most words in a list (a 模糊表述 list has a dozen).
PARAM_TEXT_MAX = 100
PARAM_ITEMS_MAX = 200


def _check_text(name: str, key: str, value: Any) -> None:
    """Text that PostgreSQL's jsonb can store (no NUL) and of a sensible length."""
    items = value if isinstance(value, list) else [value]
    texts = [item for item in items if isinstance(item, str)]
    if any("\x00" in text for text in texts):
        raise ParamError(f"{name}含有不可见的控制字符，请重新输入", key)
    if len(items) > PARAM_ITEMS_MAX or any(len(text) > PARAM_TEXT_MAX for text in texts):
        raise ParamError(f"{name}每项不超过{PARAM_TEXT_MAX}个字，最多{PARAM_ITEMS_MAX}项", key)


# A ratio, a total or a tolerance: 1e999999999 is a finite number, but no check's arithmetic survives it (a
# decimal.Overflow on every target page of the region) and storing it as an integer never ends.
PARAM_NUMBER_MAX = Decimal(10) ** 9


def _check_magnitude(name: str, key: str, values: list[Any]) -> None:
    if any(Decimal(str(value)).copy_abs() > PARAM_NUMBER_MAX for value in values):  # no context: no Overflow
        raise ParamError(f"{name}的绝对值不能超过1000000000", key)


def _check_param(code: str, key: str, value: Any, default: Any) -> None:
    """A parameter must have the shape of its national default: a number, a word, a list of words (or numbers), or a
    yes/no."""
    kind = _kind(default)
    name = f"规则 {code} 的参数“{param_label(key)}”"
    _check_text(name, key, value)
    if kind == YES_NO:
        if not isinstance(value, bool):
            raise ParamError(f"{name}须为“是”或“否”", key)
        return
    if kind == WORDS:
        if not (isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)):
            raise ParamError(f"{name}须为词语列表，例如 显著提升、明显改善", key)
        return
    if kind == NUMBERS:
        if not (isinstance(value, list) and all(_is_number(v) for v in value)):
            raise ParamError(f"{name}须为数值列表，例如 1、2、3", key)
        _check_magnitude(name, key, value)
        return
    if kind == NUMBER:
        if not _is_number(value):
            raise ParamError(f"{name}须为数值", key)
        _check_magnitude(name, key, [value])
        return
    if not (isinstance(value, str) and value.strip()):
        raise ParamError(f"{name}须为非空文字", key)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return False
    try:
        return Decimal(str(value)).is_finite()
    except InvalidOperation:
        return False


def check_rule_set(
    *,
    actor: Any,
    code: str,
    severity: str,
    is_enabled: bool,
    params: dict[str, Any],
    fiscal_year: int | None = None,
    lock_token: str | None = None,
) -> SmartCheckRule:
    """Create or change the actor's region override of one rule (optionally for one year only). `lock_token`: that of
    the region's row for the rule when the page was shown; a row saved or added since is a conflict (409)."""
    require(actor, "target.configure")
    if code not in DEFAULT_RULES:
        raise DomainError(f"没有编码为“{code}”的智能审核规则")
    if severity not in CheckSeverity.values:
        raise DomainError("严重程度无效")
    unknown = set(params) - set(DEFAULT_RULES[code][2])
    if unknown:
        raise DomainError(f"规则 {code} 没有参数：{'、'.join(sorted(unknown))}")
    for key, value in params.items():
        _check_param(code, key, value, DEFAULT_RULES[code][2][key])
    region = actor.active_membership.region
    with transaction.atomic():
        rule = (
            SmartCheckRule.objects.select_for_update().filter(code=code, region=region, fiscal_year=fiscal_year).first()
        )
        check_lock_token(rule, lock_token)
        before = audit.snapshot(rule, ["severity", "is_enabled", "params"]) if rule else {}
        if rule is None:
            rule = SmartCheckRule(code=code, name=DEFAULT_RULES[code][0], region=region, fiscal_year=fiscal_year)
        rule.severity, rule.is_enabled, rule.params = severity, is_enabled, params
        with duplicate_is_conflict(f"规则 {code} 在本区划的设置已被他人保存，请刷新后重试"):
            rule.save()  # another user's row saved meanwhile breaks only this write
        audit.record(
            actor=actor,
            event_type="target.check_rule",
            obj=rule,
            changes=audit.diff(before, audit.snapshot(rule, ["severity", "is_enabled", "params"])),
        )
    return rule


# ---- 目标审核评分设置 (review_scoring) -------------------------------------------------------------------------------


def _check_review_values(values: Mapping[str, Any]) -> None:
    for name in TargetReviewSettings.VALUE_FIELDS[1:]:
        if not Decimal(0) <= Decimal(values[name]) <= 100:
            label = getattr(TargetReviewSettings._meta.get_field(name), "verbose_name", name)
            raise DomainError(f"{label}应在0至100分之间")
    points = sum((Decimal(values[f"points_{i}"]) for i in range(1, 5)), Decimal(0))
    if points != 100:
        raise DomainError(f"四项审核要点的分值合计应为100分（现为{format_number(points)}分）")
    if not values["grade_fair"] <= values["grade_good"] <= values["grade_excellent"]:
        raise DomainError("等级分数线应为“优”不低于“良”、“良”不低于“中”")


def review_settings_save(
    *,
    actor: Any,
    fiscal_year: int | None,
    values: Mapping[str, Any],
    lock_token: str | None = None,
    panel_classes: str | None = None,
) -> TargetReviewSettings:
    """Create or change the actor's region's review-scoring row (for one year, or every year when `fiscal_year` is
    None). `lock_token` is that of the region's rows the page showed: a row saved or added since is a conflict.
    `panel_classes`: the 重要性分类 whose targets pass only after a 集中会审 (None keeps the row's)."""
    require(actor, "target.configure")
    if set(values) != set(TargetReviewSettings.VALUE_FIELDS):
        raise DomainError("评分设置不完整，请刷新页面后重试")
    _check_review_values(values)
    classes = project_classes(panel_classes) if panel_classes is not None else None
    fields = [*TargetReviewSettings.VALUE_FIELDS, "panel_classes"]
    region = actor.active_membership.region
    with transaction.atomic():
        check_lock_token(TargetReviewSettings.objects.select_for_update().filter(region=region), lock_token)
        row, created = TargetReviewSettings.objects.select_for_update().get_or_create(
            region=region, fiscal_year=fiscal_year, defaults=dict(values)
        )
        before = {} if created else audit.snapshot(row, fields)
        for name, value in values.items():
            setattr(row, name, value)
        if classes is not None:
            row.panel_classes = classes
        row.save()
        audit.record(
            actor=actor,
            event_type="target.review_settings",
            obj=row,
            changes=audit.diff(before, audit.snapshot(row, ["region", "fiscal_year", *fields])),
        )
    return row
