"""core.list_exports: one description per list (`ListExport`), whose `select` builds the rows for the page's
export view and for its background job alike; the job is the description itself, found by the worker at its path."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict
from django.urls import get_resolver
from django.utils.module_loading import import_string

from jixiao.core.errors import DomainError
from jixiao.core.list_exports import REGISTRY, ListExport, Selection
from jixiao.core.models import Job


def _never(user: Any, query: QueryDict) -> Selection:
    raise AssertionError("a job whose owner lost the capability must not read the list")


SAMPLE_EXPORT = ListExport(
    kind="test.export",
    title="测试清单",
    header=("序号",),
    capability="test.nobody_holds_this",
    select=_never,
    path="jixiao.core.tests.test_list_exports.SAMPLE_EXPORT",
)


def test_every_list_export_is_where_the_worker_looks_for_it() -> None:
    """A job records the export's path; the worker imports it and calls it. A path naming another object (a copy
    and paste from the list above it) would write another list's rows, so each must name itself."""
    assert get_resolver().url_patterns  # imports every app's views, and with them their exports
    assert len(REGISTRY) >= 17
    for path, spec in REGISTRY.items():
        assert import_string(path) is spec, path
    assert len({spec.kind for spec in REGISTRY.values()}) == len(REGISTRY)


@pytest.mark.django_db
def test_the_job_checks_the_capability_again_before_it_reads(world: Any) -> None:
    """A job may run long after it was started: an owner whose capability was withdrawn meanwhile gets nothing."""
    user = world.users["performance"]
    job = Job.objects.create(kind=SAMPLE_EXPORT.kind, title="导出", owner=user, callable_path=SAMPLE_EXPORT.path)
    with pytest.raises(DomainError, match="您没有导出测试清单的权限"):
        SAMPLE_EXPORT(job, query="", fmt="xlsx", membership_id=user.active_membership.pk)
