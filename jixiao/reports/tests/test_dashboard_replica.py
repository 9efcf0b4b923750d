"""The leader dashboard is a declared replica read (jixiao/core/db_router.py; docs/security.md "Read replica")."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from jixiao.core import db_router
from jixiao.reports import views


@pytest.mark.django_db
def test_dashboard_reads_run_in_the_replica_context(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []

    def fake_dashboard(*args: Any) -> list[Any]:
        seen.append(db_router._reading_from_replica.get())
        return []

    monkeypatch.setattr(views.selectors, "dashboard", fake_dashboard)
    monkeypatch.setattr(views.selectors, "year_choices", lambda today, chosen=None: [])
    monkeypatch.setattr(views.selectors, "chart_data", lambda panels: {})
    monkeypatch.setattr(views, "render", lambda request, template, context: HttpResponse("ok"))
    request = RequestFactory().get("/reports/")
    request.user = SimpleNamespace(is_authenticated=True, can=lambda capability: capability == "reports.view")
    response = views.dashboard(request)
    assert response.status_code == 200
    assert seen == [True]
    assert db_router._reading_from_replica.get() is False
