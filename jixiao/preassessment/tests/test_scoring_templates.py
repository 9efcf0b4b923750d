"""Scoring templates as data: the national defaults, the selector and the edit page's validation."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest

from conftest import World
from jixiao.core.errors import DomainError
from jixiao.organizations.tests.factories import FiscalRegionFactory
from jixiao.preassessment import panels
from jixiao.preassessment.models import ScoringItem, ScoringTemplate
from jixiao.preassessment.scoring import mean, outliers, summarize

PROJECT_DIMENSIONS = ["立项必要性", "投入经济性", "绩效目标合理性", "实施方案可行性", "筹资合规性"]
POLICY_DIMENSIONS = ["政策设立必要性", "政策保障充分性", "政策目标合理性", "政策实施可持续性", "政策资金合规性"]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "names"), [("project", PROJECT_DIMENSIONS), ("policy", POLICY_DIMENSIONS)])
def test_national_defaults_are_five_dimensions_of_twenty(kind: str, names: list[str]) -> None:
    template = ScoringTemplate.objects.get(region=None, fiscal_year=None, kind=kind)
    tree = panels.template_tree(template)
    assert [d.item.name for d in tree] == names
    assert all(d.item.points == Decimal(20) for d in tree)
    assert sum(d.item.points for d in tree) == Decimal(100)
    for dim in tree:
        assert len(dim.children) == 2
        assert sum(c.points for c in dim.children) == dim.item.points
        assert all(c.level == 2 for c in dim.children)
    if kind == "project":
        assert tree[0].children[0].name.startswith("明确相关性")
        assert tree[1].children[1].name.startswith("经济合理性")


@pytest.mark.django_db
def test_the_national_defaults_print_no_provenance_note_and_the_migration_takes_it_off() -> None:
    """Sub-items not in the national source had “（来源未确认）” in their printed wording; 0009 strips it from the
    national defaults' items still ending with it and leaves a bureau's own template alone."""
    from django.apps import apps

    migration = importlib.import_module("jixiao.preassessment.migrations.0009_default_template_item_wording")
    strip_mark = migration.strip_mark
    national = ScoringTemplate.objects.get(region=None, fiscal_year=None, kind="project")
    assert not ScoringItem.objects.filter(name__contains="来源未确认").exists()
    item = national.items.filter(parent__isnull=False).order_by("order").last()
    assert item is not None
    wording = item.name
    ScoringItem.objects.filter(pk=item.pk).update(name=f"{wording}（来源未确认）")
    own = ScoringTemplate.objects.create(name="本县模板", kind="project", region=FiscalRegionFactory())
    kept = ScoringItem.objects.create(template=own, code="1", name="自定义（来源未确认）", points=Decimal(100), order=1)
    strip_mark(apps, None)
    item.refresh_from_db()
    kept.refresh_from_db()
    assert (item.name, kept.name) == (wording, "自定义（来源未确认）")


def test_most_specific_template_wins(world: World) -> None:
    national = ScoringTemplate.objects.get(region=None, fiscal_year=None, kind="project")
    assert panels.template_for(world.region, 2026, "project") == national
    county_any = ScoringTemplate.objects.create(name="县通用", kind="project", region=world.region)
    county_2026 = ScoringTemplate.objects.create(name="县2026", kind="project", region=world.region, fiscal_year=2026)
    ScoringTemplate.objects.create(
        name="县2026停用", kind="project", region=world.region, fiscal_year=2026, is_active=False
    )
    assert panels.template_for(world.region, 2026, "project") == county_2026
    assert panels.template_for(world.region, 2027, "project") == county_any
    assert panels.template_for(world.other_region, 2026, "project") == national
    assert panels.template_for(world.region, 2026, "policy").kind == "policy"  # type: ignore[union-attr]


def _form(template: ScoringTemplate) -> dict[str, str]:
    data: dict[str, str] = {"fiscal_year": "2026"}
    for dim in panels.template_tree(template):
        for item in [dim.item, *dim.children]:
            data[f"name-{item.pk}"] = item.name
            data[f"points-{item.pk}"] = str(item.points)
    return data


def test_edit_copies_the_national_template_for_the_region_and_year(world: World) -> None:
    national = ScoringTemplate.objects.get(region=None, fiscal_year=None, kind="project")
    tree = panels.template_tree(national)
    data = _form(national)
    # Move 5 points from 立项必要性 to 投入经济性, keeping the sub-items in step.
    data[f"points-{tree[0].item.pk}"] = "15"
    data[f"points-{tree[0].children[0].pk}"] = "5"
    data[f"points-{tree[1].item.pk}"] = "25"
    data[f"points-{tree[1].children[0].pk}"] = "15"
    data[f"name-{tree[1].item.pk}"] = "投入经济性（调整）"
    response = world.login("performance").post(f"/preassessment/templates/{national.pk}/", data)
    assert response.status_code == 302
    copy = ScoringTemplate.objects.get(region=world.region, fiscal_year=2026, kind="project")
    new_tree = panels.template_tree(copy)
    assert [d.item.points for d in new_tree] == [Decimal(15), Decimal(25), Decimal(20), Decimal(20), Decimal(20)]
    assert new_tree[1].item.name == "投入经济性（调整）"
    assert panels.template_for(world.region, 2026, "project") == copy
    assert panels.template_tree(national)[0].item.points == Decimal(20)  # the national default is untouched


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"dim0": "25", "sub0": "15"}, "各维度分值合计为105分，应为100分"),
        ({"sub0": "12"}, "分项合计为22分"),
        ({"sub0": "-5", "sub1": "25"}, "分值不能为负数"),
    ],
)
def test_edit_is_refused_unless_the_points_add_up(world: World, change: dict[str, str], message: str) -> None:
    national = ScoringTemplate.objects.get(region=None, fiscal_year=None, kind="project")
    tree = panels.template_tree(national)
    data = _form(national)
    keys = {
        "dim0": tree[0].item.pk,
        "sub0": tree[0].children[0].pk,
        "sub1": tree[0].children[1].pk,
    }
    for key, value in change.items():
        data[f"points-{keys[key]}"] = value
    response = world.login("performance").post(f"/preassessment/templates/{national.pk}/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ScoringTemplate.objects.filter(region=world.region).exists()


def test_service_refuses_a_total_other_than_100(world: World) -> None:
    template = ScoringTemplate.objects.get(region=None, fiscal_year=None, kind="policy")
    dim = panels.template_tree(template)[0]
    points = {dim.item.pk: Decimal(10), dim.children[0].pk: Decimal(5), dim.children[1].pk: Decimal(5)}
    with pytest.raises(DomainError, match="应为100分"):
        panels.template_update(actor=world.users["performance"], template=template, names={}, points=points)


@pytest.mark.parametrize("persona", ["unit_user", "dept_admin", "expert", "budget"])
def test_only_the_performance_section_configures_templates(world: World, persona: str) -> None:
    assert world.login(persona).get("/preassessment/templates/").status_code == 403
    assert world.login("performance").get("/preassessment/templates/").status_code == 200


def test_average_and_outlier_arithmetic() -> None:
    totals = {"a": Decimal(85), "b": Decimal(88), "c": Decimal(60)}
    assert mean(totals.values()) == Decimal("77.67")
    flagged = outliers(totals, Decimal(15))
    # 60 is 26.5 below the others' 86.5; 85 is 11 above the others' 74 (not flagged); 88 is 15.5 above 72.5.
    assert "c" in flagged and "a" not in flagged
    assert outliers(totals, Decimal(30)) == set()
    summary = summarize(
        {"a": {1: Decimal("10.5"), 2: Decimal(5)}, "b": {1: Decimal(10), 2: Decimal(4)}}, {1: "D", 2: "D"}, Decimal(15)
    )
    assert summary.dimension_averages == {"D": Decimal("14.75")}
    assert summary.average == Decimal("14.75")


def test_a_template_in_an_open_expert_review_is_not_edited(world: World) -> None:
    """Experts of an open panel score against its items: a change of points mid-review would mix maxima. Once the
    panel concluded, an edit makes a new version and leaves the scored one as it was."""
    import datetime

    from django.utils import timezone

    from jixiao.core.errors import ConflictError
    from jixiao.experts.tests.factories import ExpertFactory
    from jixiao.preassessment.tests.factories import PreAssessmentFactory

    national = ScoringTemplate.objects.get(region=None, fiscal_year=None, kind="project")
    perf = world.users["performance"]
    own = panels.template_update(actor=perf, template=national, names={}, points={}, fiscal_year=2026)
    assert own.region_id == world.region.pk
    for name in ("张专家", "李专家"):
        ExpertFactory(name=name, region=world.region, field="教育")
    pa = PreAssessmentFactory(project=world.school_project, fin_review=True)
    members = panels.panel_create(
        actor=perf, assessment=pa, field="教育", size=2, deadline=timezone.localdate() + datetime.timedelta(days=5)
    )
    assert members and all(m.template_id == own.pk for m in members)
    first = panels.template_tree(own)[0].item
    with pytest.raises(ConflictError, match="正用于专家评审中的事前评估"):
        panels.template_update(actor=perf, template=own, names={first.pk: "改名"}, points={})
    # Concluded: the edit is a new version (a copy); the used template and its items stay as they were scored.
    from jixiao.preassessment.models import PreAssessment

    PreAssessment.objects.filter(pk=pa.pk).update(status=PreAssessment.Status.CONCLUDED)
    points = {first.pk: first.points}
    saved = panels.template_update(actor=perf, template=own, names={first.pk: "立项必要性（修订）"}, points=points)
    own.refresh_from_db()
    first.refresh_from_db()
    assert saved.pk != own.pk and not own.is_active and saved.is_active and saved.name == own.name
    assert first.name == "立项必要性" and panels.template_tree(saved)[0].item.name == "立项必要性（修订）"
    assert {m.template_id for m in panels.panel_members(pa)} == {own.pk}  # the sheets keep the items they scored
    assert panels.template_for(world.region, 2026, "project") == saved
    # The new version, not yet used by a panel, is edited in place.
    again = panels.template_update(actor=perf, template=saved, names={}, points={})
    assert again.pk == saved.pk
