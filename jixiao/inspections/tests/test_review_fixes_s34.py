"""Review fixes (session 34): the 季度检查 list export and the 检查覆盖情况表 export leave an audit record naming what
was exported, as every other list export does."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import World
from jixiao.core.audit_labels import event_label
from jixiao.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_inspection_list_export_is_audited_with_its_filter(world: World) -> None:
    client = world.login("business")
    response = client.get(reverse("inspections:export"), {"fiscal_year": 2026, "quarter": 2, "problems": "yes"})
    assert response.status_code == 200
    event = AuditEvent.objects.get(event_type="inspection.export")
    assert event.actor_id == world.users["business"].pk
    assert event.reason.startswith("年度=2026；季度=第二季度；检查结果=")
    assert event_label("inspection.export") == "季度检查：导出"


def test_the_coverage_export_is_audited_with_its_year(world: World) -> None:
    response = world.login("performance").get(reverse("inspections:coverage_export"), {"fiscal_year": 2026})
    assert response.status_code == 200
    event = AuditEvent.objects.get(event_type="inspection.coverage_export")
    assert event.actor_id == world.users["performance"].pk and event.reason == "年度=2026"
    assert event_label("inspection.coverage_export") == "季度检查：导出检查覆盖情况"
