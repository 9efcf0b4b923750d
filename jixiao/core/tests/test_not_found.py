"""A service's `NotFoundError` is an absence, not a refusal (core/errors.py): a page answers it 404 from one place
(`NotFoundMiddleware`), even where the view catches `DomainError` to show refusals; the API answers 404 JSON; a
background job records its message. Views no longer catch it themselves (scripts/check_patterns.py rule 5)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.test import override_settings
from django.urls import path
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from jixiao.core.errors import DomainError, NotFoundError, ServiceError
from jixiao.core.jobs import job_start
from jixiao.core.models import Job


def _service(found: bool) -> str:
    if not found:
        raise NotFoundError("监控表不存在")
    raise DomainError("报送截止日已过，不能修改")


def page(request: HttpRequest, found: int) -> HttpResponse:
    """The usual shape of a view: call the service, show a refusal on the page."""
    try:
        _service(bool(found))
    except DomainError as exc:
        messages.error(request, exc.message)
        return HttpResponse(exc.message, status=exc.status_code)
    return HttpResponse("ok")


@api_view(["GET"])
def api(request: Request, found: int) -> Response:
    _service(bool(found))
    return Response({})


urlpatterns = [path("page/<int:found>/", page), path("api/<int:found>/", api)]


def missing_job(job: Job) -> None:
    raise NotFoundError("项目不存在")


def test_not_found_is_not_a_refusal() -> None:
    assert not issubclass(NotFoundError, DomainError)
    assert issubclass(NotFoundError, ServiceError) and issubclass(DomainError, ServiceError)


@override_settings(ROOT_URLCONF=__name__)
def test_a_page_answers_a_services_not_found_404_though_it_catches_refusals(world: Any) -> None:
    client = world.login("performance")
    missing = client.get("/page/0/")
    assert missing.status_code == 404
    assert "监控表不存在" not in missing.content.decode()  # a 404 says nothing about what was looked for
    refused = client.get("/page/1/")
    assert refused.status_code == 400
    assert refused.content.decode() == "报送截止日已过，不能修改"


@override_settings(ROOT_URLCONF=__name__)
def test_the_api_answers_a_services_not_found_404_with_its_message(world: Any) -> None:
    client = world.login("performance")
    missing = client.get("/api/0/")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "监控表不存在"}
    assert client.get("/api/1/").status_code == 400


def test_a_job_that_finds_nothing_fails_with_the_services_message(world: Any) -> None:
    job = job_start(world.users["performance"], "test.missing", f"{__name__}.missing_job", title="测试")
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.message == "项目不存在"


@pytest.mark.parametrize(
    ("line", "refused"),
    [
        ("    except NotFoundError as exc:", True),
        ("    except (NotFoundError, ValueError):", True),
        ("    if isinstance(exc, NotFoundError):", True),
        ('        raise NotFoundError("项目不存在")', False),
        ("from jixiao.core.errors import DomainError, NotFoundError", False),
    ],
)
def test_views_catching_not_found_are_refused_by_the_house_checks(line: str, refused: bool) -> None:
    script = Path(__file__).resolve().parents[3] / "scripts" / "check_patterns.py"
    spec = importlib.util.spec_from_file_location("check_patterns", script)
    assert spec is not None and spec.loader is not None
    checker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checker)
    assert bool(checker.NOT_FOUND.search(line)) is refused
