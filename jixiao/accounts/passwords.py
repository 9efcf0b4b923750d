"""The security policy as a Django password validator, so every way of setting a password obeys it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from jixiao.accounts import security


class PolicyPasswordValidator:
    """Length (longer for 三员), character classes, no username, not one of the last N passwords."""

    def validate(self, password: str, user: Any = None) -> None:
        problems = security.password_problems(password, user)
        if problems:
            raise ValidationError(problems, code="password_policy")

    def get_help_text(self) -> str:
        rules = security.policy()
        return (
            f"密码至少{rules.min_length}位（三员账号至少{rules.admin_min_length}位），至少包含大写字母、小写字母、"
            f"数字、符号中的{rules.min_classes}类，不能包含用户名，不能与最近{rules.history_count}次的密码相同。"
        )
