"""What the browser tests share beyond fixtures: signing in through the login form."""

from __future__ import annotations

from typing import Any

TODO_LIST = "[data-testid=todo-list]"


def login(
    page: Any,
    base: str,
    username: str,
    password: str,
    *,
    wait_for: str | None = TODO_LIST,
    clear_cookies: bool = True,
) -> None:
    """Sign in as username through the login form and wait for the page the login lands on.

    Whoever was signed in before is dropped first (clear_cookies=False keeps the cookies, so the login form must
    show because the session really ended). wait_for is the selector the landing page shows, the home page's
    to-do list by default; None waits for the page to load only (a first login lands on the password change).
    """
    if clear_cookies:
        page.context.clear_cookies()
    page.goto(f"{base}/")
    assert "登录" in page.title()
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    if wait_for is None:
        page.wait_for_load_state()
    else:
        page.wait_for_selector(wait_for)
