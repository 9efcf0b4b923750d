"""The layouts of the two account workbooks (批量开通账号, 批量授权), shared by templates, parsing and the services'
row errors."""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.accounts.capabilities import ROLE_REQUIRES, Role

# (header, key, required)
USER_COLUMNS: list[tuple[str, str, bool]] = [
    ("用户名", "username", True),
    ("姓名", "display_name", True),
]
GRANT_COLUMNS: list[tuple[str, str, bool]] = [
    ("用户名", "username", True),
    ("角色", "role", True),
    ("股室", "section", False),
    ("主管部门编码", "department", False),
    ("预算单位编码", "unit", False),
    ("财政区划编码", "region", False),
]
# Each account costs one deliberately slow password hash (Argon2 0.15–0.5 s, PBKDF2-SM3 about 1 s), all within the
# upload's request: a county of 400 units uploads four files rather than outliving the server's timeout (120 s).
MAX_USER_ROWS = 100
MAX_GRANT_ROWS = 2000
GRANT_HEADER = {key: title for title, key, _required in GRANT_COLUMNS}
# The organisation columns, named like ROLE_REQUIRES' values: a role fills the one it needs, the others stay empty.
ORG_KEYS = ("section", "department", "unit")
ROLE_BY_LABEL = {str(label): value for value, label in Role.choices}
FIRST_LOGIN_NOTE = "首次登录须修改此初始密码"


def role_org_hint(role: str) -> str:
    needed = ROLE_REQUIRES.get(role)
    if needed == "section":
        return "须填写“股室”（股室编码或名称）"
    if needed == "department":
        return "须填写“主管部门编码”"
    if needed == "unit":
        return "须填写“预算单位编码”"
    return "不填写股室、主管部门、预算单位"


@dataclass(frozen=True)
class UserImportRow:
    """One parsed row of a 批量开通账号 workbook."""

    row: int
    username: str
    display_name: str


@dataclass(frozen=True)
class GrantImportRow:
    """One parsed row of a 批量授权 workbook: texts as written; the service resolves them in the actor's region."""

    row: int
    username: str
    role: str  # a Role value ("" when the cell was invalid)
    section: str  # code or name
    department: str  # dept_code
    unit: str  # agency_code
    region: str  # mof_div_code; "" = the actor's own region

    def org_text(self, key: str) -> str:
        return str(getattr(self, key))
