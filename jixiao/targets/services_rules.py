"""Setting smart-check rules (智能审核规则) for a region: the performance section's configuration rows."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from jixiao.core import audit
from jixiao.core.errors import DomainError
from jixiao.core.permissions import require
from jixiao.targets.checks import DEFAULT_RULES
from jixiao.targets.models import CheckSeverity, SmartCheckRule


def parse_params(text: str) -> dict[str, Any]:
    """Rule parameters are entered as a JSON object; a clear Chinese error otherwise."""
    text = text.strip()
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DomainError(f'参数须为 JSON 对象，例如 {{"ratio": "3"}}（第{exc.lineno}行第{exc.colno}列有误）') from exc
    if not isinstance(value, dict):
        raise DomainError('参数须为 JSON 对象，例如 {"ratio": "3"}')
    return value


def _check_param(code: str, key: str, value: Any, default: Any) -> None:
    """A parameter must have the shape of its national default: a number, a word or a list of words."""
    if isinstance(default, list):
        if not (isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)):
            raise DomainError(f'规则 {code} 的参数 {key} 须为词语列表，例如 ["显著提升", "明显改善"]')
        return
    if isinstance(default, str) and _is_number(default):
        if not _is_number(value):
            raise DomainError(f"规则 {code} 的参数 {key} 须为数值")
        return
    if not (isinstance(value, str) and value.strip()):
        raise DomainError(f"规则 {code} 的参数 {key} 须为非空文字")


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return False
    try:
        return Decimal(str(value)).is_finite()
    except InvalidOperation:
        return False


def check_rule_set(
    *, actor: Any, code: str, severity: str, is_enabled: bool, params: dict[str, Any], fiscal_year: int | None = None
) -> SmartCheckRule:
    """Create or change the actor's region override of one rule (optionally for one year only)."""
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
        rule = SmartCheckRule.objects.filter(code=code, region=region, fiscal_year=fiscal_year).first()
        before = audit.snapshot(rule, ["severity", "is_enabled", "params"]) if rule else {}
        if rule is None:
            rule = SmartCheckRule(code=code, name=DEFAULT_RULES[code][0], region=region, fiscal_year=fiscal_year)
        rule.severity, rule.is_enabled, rule.params = severity, is_enabled, params
        rule.save()
        audit.record(
            actor=actor,
            event_type="target.check_rule",
            obj=rule,
            changes=audit.diff(before, audit.snapshot(rule, ["severity", "is_enabled", "params"])),
        )
    return rule
