"""The layout of the account workbook (批量开通账号), shared by the template, parsing and the services' row
errors."""

from __future__ import annotations

from dataclasses import dataclass

# (header, key, required)
USER_COLUMNS: list[tuple[str, str, bool]] = [
    ("用户名", "username", True),
    ("姓名", "display_name", True),
]
# Each account costs one deliberately slow password hash (Argon2 0.15–0.5 s, PBKDF2-SM3 about 1 s), all within the
# upload's request: a county of 400 units uploads four files rather than outliving the server's timeout (120 s).
MAX_USER_ROWS = 100
FIRST_LOGIN_NOTE = "首次登录须修改此初始密码"


@dataclass(frozen=True)
class UserImportRow:
    """One parsed row of a 批量开通账号 workbook."""

    row: int
    username: str
    display_name: str
