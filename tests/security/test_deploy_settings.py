"""H01, H02, H04, H05, G05: production settings pass `check --deploy`; the security settings hold; keys are never in
the repository and a production start without them fails."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Warnings that are not about security and that `check --deploy` reports because it runs every check: the OpenAPI
# schema generator's naming notes (drf_spectacular.W001/W002). They change the generated API document only.
NOT_SECURITY = re.compile(r"^\?: \(drf_spectacular\.W00[12]\)")


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIXIAO_", "DJANGO_", "PYTEST"))}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="jixiao.czj.example.gov.cn",
        CSRF_TRUSTED_ORIGINS="https://jixiao.czj.example.gov.cn",
        JIXIAO_FIELD_KEYS=f"k1:{secrets.token_hex(16)}",
        JIXIAO_AUDIT_KEY=f"a1:{secrets.token_hex(32)}",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        BEHIND_TRUSTED_PROXY="1",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_h01_check_deploy_has_no_security_warnings(tmp_path: Path) -> None:
    result = _manage(_production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    issues = [line for line in output.splitlines() if line.startswith("?: (") or re.match(r"^\w[\w.]*: \(", line)]
    security = [line for line in issues if not NOT_SECURITY.match(line)]
    assert not security, output
    assert "security.W" not in output and "security.E" not in output
    if not issues:
        assert result.returncode == 0, output


def test_h02_settings_in_production(tmp_path: Path) -> None:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_AGE, "
        "s.SESSION_SAVE_EVERY_REQUEST, s.SECURE_CONTENT_TYPE_NOSNIFF, s.X_FRAME_OPTIONS, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT, s.DEBUG, s.SECURE_PROXY_SSL_HEADER, "
        "s.PASSWORD_HASHERS[0], s.JIXIAO_RATE_LIMITS['login_ip'], s.JIXIAO_RATE_LIMITS['login_user'], sep='|')"
    )
    env = _production_env(tmp_path, DJANGO_SETTINGS_MODULE="config.settings", JIXIAO_PASSWORD_HASHER="pbkdf2_sm3")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    values = result.stdout.strip().split("|")
    assert values[:3] == ["True", "True", "True"]
    # values[4]: sessions are saved when LAST_SEEN moves, once a minute of activity (SessionPolicyMiddleware)
    assert int(values[3]) <= 1800 and values[4] == "False" and values[5] == "True" and values[6] == "DENY"
    assert int(values[7]) >= 31536000 and values[8] == "True" and values[9] == "True" and values[10] == "False"
    assert values[11] == "('HTTP_X_FORWARDED_PROTO', 'https')"  # only because BEHIND_TRUSTED_PROXY=1
    assert values[12] == "jixiao.accounts.hashers.PBKDF2SM3PasswordHasher"
    assert values[13:] == ["30/60", "10/60"]  # A09: the shipped production limits


@pytest.mark.parametrize("missing", ["SECRET_KEY", "JIXIAO_FIELD_KEYS", "JIXIAO_AUDIT_KEY"])
def test_g05_production_does_not_start_without_its_keys(tmp_path: Path, missing: str) -> None:
    env = _production_env(tmp_path)
    env.pop(missing)
    result = _manage(env, "check")
    assert result.returncode != 0 and missing in result.stderr


def test_g05_no_keys_in_the_repository() -> None:
    """Scan tracked settings and code for key material: hex keys, private key blocks, assigned secrets."""
    tracked = subprocess.run(
        ["git", "ls-files", "config", "jixiao", "deploy", ".env*", "*.cfg", "*.ini", "*.toml"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    pattern = re.compile(
        r"(JIXIAO_(FIELD|AUDIT)_KEYS?\s*=\s*[\"']?\w+:[0-9a-fA-F]{32}|-----BEGIN [A-Z ]*PRIVATE KEY-----|"
        r"SECRET_KEY\s*=\s*[\"'][^\"']{30,}[\"'])"
    )
    hits = []
    for name in tracked:
        path = ROOT / name
        if path.suffix in {".py", ".toml", ".cfg", ".ini", ".env", ".txt", ".md", ".yml", ".yaml"} and path.is_file():
            if "/tests/" in name:
                continue
            if pattern.search(path.read_text(encoding="utf-8", errors="replace")):
                hits.append(name)
    assert not hits


@pytest.mark.django_db
def test_h04_no_git_admin_trace_or_static_index(client: object) -> None:
    from django.test import Client

    c = Client()
    assert c.get("/.git/config").status_code == 404
    assert c.get("/admin/").status_code == 404
    assert c.get("/static/").status_code == 404
    assert c.generic("TRACE", "/").status_code in (302, 404, 405)


def test_h05_openpyxl_uses_defusedxml_and_lockout_is_by_username() -> None:
    import openpyxl.xml

    from jixiao.accounts.models import LoginLock

    assert openpyxl.xml.DEFUSEDXML is True
    assert "username" in {f.name for f in LoginLock._meta.get_fields()}
