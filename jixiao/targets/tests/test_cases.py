"""指标案例库 (seed 002 S23): the performance section files an approved target as a worked example under a 行业领域;
staff read the frozen table; only the filing bureau changes or withdraws it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import World
from jixiao.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.indicators.models import IndicatorCategory
from jixiao.targets import services_cases
from jixiao.targets.models import PerformanceTarget, TargetCase
from jixiao.targets.tests.pages_helpers import TO_READY, make_target, move


def _approved(world: World) -> PerformanceTarget:
    return move(world, make_target(world), *TO_READY, ("budget", "approve"))


def _data(code: str = "0102", **overrides: str) -> dict[str, object]:
    return {
        "category": IndicatorCategory.objects.get(code=code),
        "title": "一中教学设备购置",
        "note": "指标量化",
    } | overrides


def test_an_approved_target_is_filed_frozen_once(world: World) -> None:
    target = _approved(world)
    perf = world.users["performance"]
    case = services_cases.case_create(actor=perf, target=target, data=_data())
    snap = case.snapshot
    assert case.region == world.region and case.fiscal_year == 2026 and case.subject_type == "project"
    assert snap["name"] == target.name and snap["unit_name"] == "县第一中学"
    assert [(i["lv1"], i["lv2"], i["name"], i["target_value"]) for i in snap["indicators"]] == [
        ("产出指标", "数量指标", "购置教学设备数量", "≥120台"),
        ("效益指标", "社会效益指标", "设备使用率", "≥95%"),
    ]
    assert case.indicator_count == 2
    assert AuditEvent.objects.filter(event_type="target.case_create").count() == 1
    with pytest.raises(ConflictError, match="已是指标案例"):
        services_cases.case_create(actor=perf, target=target, data=_data())
    # Later edits of the target do not change the case.
    PerformanceTarget.objects.filter(pk=target.pk).update(name="改名后的目标")
    case.refresh_from_db()
    assert case.snapshot["name"] == "一中教学设备购置"


def test_only_an_approved_target_by_the_performance_section(world: World) -> None:
    target = move(world, make_target(world), *TO_READY)
    page = world.login("performance").get(reverse("targets:case_create", args=[target.pk]))
    assert page.status_code == 302 and page["Location"].endswith(reverse("targets:detail", args=[target.pk]))
    with pytest.raises(DomainError, match="只有已批复的绩效目标可以设为案例"):
        services_cases.case_create(actor=world.users["performance"], target=target, data=_data())
    with pytest.raises(PermissionDeniedError):
        services_cases.case_create(actor=world.users["business"], target=target, data=_data())
    with pytest.raises(DomainError, match="请选择行业领域"):
        services_cases.case_create(actor=world.users["performance"], target=target, data=_data() | {"category": None})
    assert not TargetCase.objects.exists()


def test_who_reads_and_who_keeps_a_case(world: World) -> None:
    case = services_cases.case_create(actor=world.users["performance"], target=_approved(world), data=_data())
    for persona in ("performance", "business", "dept_admin", "unit_user", "other_unit_user", "leader", "expert"):
        assert TargetCase.objects.visible_to(world.users[persona]).filter(pk=case.pk).exists(), persona
    # Another county reads nothing of it.
    TargetCase.objects.filter(pk=case.pk).update(region=world.other_region)
    assert world.login("unit_user").get(reverse("targets:case_detail", args=[case.pk])).status_code == 404
    TargetCase.objects.filter(pk=case.pk).update(region=world.region)
    unit = world.login("unit_user")
    page = unit.get(reverse("targets:case_detail", args=[case.pk]))
    assert page.status_code == 200 and "购置教学设备数量" in page.content.decode()
    assert 'data-testid="case-delete"' not in page.content.decode()
    assert unit.get(reverse("targets:case_edit", args=[case.pk])).status_code == 403
    with pytest.raises(PermissionDeniedError):
        services_cases.case_delete(actor=world.users["unit_user"], case=case)


def test_edit_withdraw_and_file_again(world: World) -> None:
    target = _approved(world)
    perf = world.users["performance"]
    case = services_cases.case_create(actor=perf, target=target, data=_data())
    changed = services_cases.case_update(
        actor=perf, case=case, data=_data("01", title="教学设备购置（案例）"), version=case.version
    )
    assert changed.title == "教学设备购置（案例）" and changed.category.code == "01"
    with pytest.raises(ConflictError):
        services_cases.case_update(actor=perf, case=case, data=_data(), version=case.version)
    services_cases.case_delete(actor=perf, case=changed)
    assert not TargetCase.objects.visible_to(perf).exists()
    with pytest.raises(NotFoundError):
        services_cases.case_update(actor=perf, case=changed, data=_data())
    again = services_cases.case_create(actor=perf, target=target, data=_data())
    assert again.pk == case.pk and not again.is_deleted and TargetCase.objects.count() == 1  # one row, one history
    assert again.title == "一中教学设备购置" and again.category.code == "0102"
    # A case withdrawn by someone else meanwhile: not found, nothing changed.
    TargetCase.objects.filter(pk=again.pk).update(is_deleted=True)
    with pytest.raises(NotFoundError):
        services_cases.case_delete(actor=perf, case=again)


def test_pages_file_list_filter_and_escape(world: World) -> None:
    target = _approved(world)
    client = world.login("performance")
    detail = client.get(reverse("targets:detail", args=[target.pk])).content.decode()
    assert 'data-testid="make-case"' in detail
    assert (
        'data-testid="make-case"'
        not in world.login("unit_user").get(reverse("targets:detail", args=[target.pk])).content.decode()
    )
    form = client.get(reverse("targets:case_create", args=[target.pk]))
    assert form.status_code == 200 and "一中教学设备购置" in form.content.decode()
    category = IndicatorCategory.objects.get(code="0102")
    bad = client.post(reverse("targets:case_create", args=[target.pk]), {"category": "", "title": "x"})
    assert bad.status_code == 400 and not TargetCase.objects.exists()
    posted = {"category": category.pk, "title": "<b>一中</b>教学设备", "note": "指标<script>x</script>量化"}
    response = client.post(reverse("targets:case_create", args=[target.pk]), posted)
    assert response.status_code == 302
    case = TargetCase.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "&lt;script&gt;" in page and "<script>x</script>" not in page
    # Filed already: the button's page leads to the case.
    again = client.get(reverse("targets:case_create", args=[target.pk]))
    assert again.status_code == 302 and again["Location"].endswith(reverse("targets:case_detail", args=[case.pk]))
    # A 大类 (01 教育) lists its sub-fields' cases (0102); another 大类 does not.
    listing = world.login("unit_user").get(reverse("targets:case_list"), {"category": category.parent_id})
    assert "&lt;b&gt;一中&lt;/b&gt;教学设备" in listing.content.decode()
    other = IndicatorCategory.objects.filter(parent__isnull=True).exclude(pk=category.parent_id).first()
    assert other is not None
    listing = world.login("unit_user").get(reverse("targets:case_list"), {"category": other.pk})
    assert "没有符合条件的指标案例" in listing.content.decode()
