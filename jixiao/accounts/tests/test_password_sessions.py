"""A07 (SECURITY.md): changing one's password ends the account's other sessions (Django checks the session's
password hash on every request), while the session that changed it stays logged in."""

from __future__ import annotations

from conftest import TEST_PASSWORD, World

NEW_PASSWORD = "Xk9#pQ2!vLm7@Rz"


def test_a_password_change_ends_the_other_sessions_but_keeps_this_one(world: World) -> None:
    here = world.login("performance")
    elsewhere = world.login("performance")
    assert elsewhere.get("/").status_code == 200
    changed = here.post(
        "/accounts/password/",
        {"old_password": TEST_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert here.get("/").status_code == 200
    ended = elsewhere.get("/")
    assert ended.status_code == 302 and ended["Location"].startswith("/accounts/login/")
