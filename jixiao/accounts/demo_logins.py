"""Demo logins shown on the login page and printed by `make run` (demo mode only)."""

from __future__ import annotations

DEMO_PASSWORD = "Jixiao@2026"  # noqa: S105 - demo mode only, printed on the login page

# (username, what the persona is)
DEMO_USERS: list[tuple[str, str]] = [
    ("jxg", "绩效股（县财政局绩效管理股）"),
    ("ysg", "预算股"),
    ("jkw", "业务股室：教科文股"),
    ("edu_admin", "主管部门：县教育局"),
    ("xczx", "主管部门：县乡村振兴服务中心（巩固衔接办，联合审核衔接资金项目）"),
    ("edu_unit", "预算单位：县第一中学"),
    ("health_unit", "预算单位：县人民医院"),
    ("expert1", "评审专家"),
    ("agency1", "第三方机构"),
    ("leader", "局领导（只读）"),
    ("renda", "人大/审计（只读）"),
    ("sysadmin", "系统管理员"),
    ("secadmin", "安全管理员"),
    ("auditadmin", "审计管理员"),
]


def demo_logins() -> list[tuple[str, str, str]]:
    return [(username, DEMO_PASSWORD, label) for username, label in DEMO_USERS]
