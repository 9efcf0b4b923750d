from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[1]


def test_typed_helpers_read_and_fail_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JX_FLAG", "yes")
    monkeypatch.setenv("JX_NUM", "42")
    monkeypatch.setenv("JX_LIST", "a.gov.cn, b.gov.cn ,")
    assert env_bool("JX_FLAG") is True
    assert env_int("JX_NUM", 1) == 42
    assert env_list("JX_LIST", []) == ["a.gov.cn", "b.gov.cn"]
    monkeypatch.setenv("JX_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="boolean"):
        env_bool("JX_FLAG")
    monkeypatch.setenv("JX_NUM", "four")
    with pytest.raises(ImproperlyConfigured, match="integer"):
        env_int("JX_NUM", 1)
    monkeypatch.delenv("JX_MISSING", raising=False)
    with pytest.raises(ImproperlyConfigured, match="required"):
        env_str("JX_MISSING")


def test_locale_and_time_zone_are_chinese() -> None:
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True


def test_a_date_box_shows_its_date_and_typed_dates_are_still_read() -> None:
    """An <input type="date"> takes only YYYY-MM-DD: Django's zh_Hans first format (2026/12/06) left it empty, so an
    edit form lost its stored dates. config/formats puts the ISO date first; the other ways of typing are still read."""
    import datetime as dt

    from django import forms
    from django.utils import formats, translation

    with translation.override("zh-hans"):
        box = forms.DateInput(attrs={"type": "date"}).render("d", dt.date(2026, 12, 6))
        assert 'value="2026-12-06"' in box
        field = forms.DateField()
        assert {field.clean(v) for v in ("2026-12-06", "2026/12/06", "2026年12月6日")} == {dt.date(2026, 12, 6)}
        assert formats.date_format(dt.date(2026, 12, 6)) == "2026年12月6日"  # display dates are unchanged


def _start(env_overrides: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIXIAO_", "SECRET_KEY", "DEBUG", "PYTEST"))}
    env.update(env_overrides)
    code = "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup()"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT, check=False)


def test_production_start_refuses_a_missing_or_short_secret_key() -> None:
    missing = _start({})
    assert missing.returncode != 0 and "SECRET_KEY" in missing.stderr
    short = _start({"SECRET_KEY": "short"})
    assert short.returncode != 0 and "SECRET_KEY" in short.stderr
    no_keys = _start({"SECRET_KEY": "x" * 64, "ALLOWED_HOSTS": "jixiao.example.gov.cn"})
    assert no_keys.returncode != 0 and "JIXIAO_FIELD_KEYS" in no_keys.stderr
    field_keys = {
        "SECRET_KEY": "x" * 64,
        "ALLOWED_HOSTS": "jixiao.example.gov.cn",
        "JIXIAO_FIELD_KEYS": "k1:00112233445566778899aabbccddeeff",
    }
    no_audit_key = _start(field_keys)
    assert no_audit_key.returncode != 0 and "JIXIAO_AUDIT_KEY" in no_audit_key.stderr
    bad_audit_key = _start({**field_keys, "JIXIAO_AUDIT_KEY": "a1:not-hex"})
    assert bad_audit_key.returncode != 0 and "JIXIAO_AUDIT_KEY" in bad_audit_key.stderr
    ok = _start({**field_keys, "JIXIAO_AUDIT_KEY": "a1:" + "0123456789abcdef" * 4})
    assert ok.returncode == 0, ok.stderr
