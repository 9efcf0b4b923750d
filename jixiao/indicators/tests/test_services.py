"""Services per transition: status, event row and audit row; and every refusal (capability, scope, state)."""

from __future__ import annotations

import pytest

from conftest import World
from jixiao.accounts.models import Membership
from jixiao.accounts.tests.factories import UserFactory
from jixiao.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.indicators import services
from jixiao.indicators.models import FrameworkNode, IndicatorLibraryItem
from jixiao.indicators.tests.helpers import move, proposal_data
from jixiao.organizations.models import FiscalRegion
from jixiao.organizations.tests.factories import FinanceSectionFactory, FiscalRegionFactory


def _events(item: IndicatorLibraryItem) -> list[tuple[str, str, str]]:
    return list(item.events.order_by("id").values_list("action", "from_status", "to_status"))


def _audited(item: IndicatorLibraryItem) -> set[str]:
    events = AuditEvent.objects.filter(object_type="indicators.indicatorlibraryitem", object_id=str(item.pk))
    return set(events.values_list("event_type", flat=True))


def test_proposal_is_a_department_draft_of_a_specific_indicator(world: World) -> None:
    item = services.indicator_item_propose(actor=world.users["unit_user"], data=proposal_data(is_common=True))
    assert (item.status, item.library_level, item.is_common) == ("draft", "dept", False)
    assert item.department == world.edu and item.region == world.region
    assert item.code.startswith("0102-") and item.framework.code == "2015_88"
    assert _events(item) == [("propose", "", "draft")]
    assert _audited(item) == {"indicator.propose"}


def test_proposal_passes_the_business_section_and_is_approved_by_the_performance_section(
    world: World, proposal: IndicatorLibraryItem
) -> None:
    item = move(world, proposal, ("unit_user", "submit"))
    assert item.status == "submitted"
    item = move(world, item, ("business", "section_pass"))
    assert item.status == "reviewed"
    item = move(world, item, ("performance", "approve"))
    assert item.status == "approved" and item.version == 4
    assert _events(item) == [
        ("propose", "", "draft"),
        ("submit", "draft", "submitted"),
        ("section_pass", "submitted", "reviewed"),
        ("approve", "reviewed", "approved"),
    ]
    assert {"indicator.submit", "indicator.section_pass", "indicator.approve"} <= _audited(item)
    assert world.login("other_unit_user").get(f"/indicators/{item.pk}/").status_code == 200


def test_the_business_review_is_optional(world: World, proposal: IndicatorLibraryItem) -> None:
    item = move(world, proposal, ("dept_admin", "submit"), ("performance", "approve"))
    assert item.status == "approved"
    assert _events(item)[-1] == ("approve", "submitted", "approved")


@pytest.mark.parametrize(("persona", "action"), [("performance", "return"), ("business", "section_return")])
def test_a_return_needs_an_opinion_and_the_department_resubmits(
    world: World, proposal: IndicatorLibraryItem, persona: str, action: str
) -> None:
    item = move(world, proposal, ("unit_user", "submit"))
    with pytest.raises(DomainError, match="请填写意见"):
        services.indicator_item_transition(actor=world.users[persona], item=item, action=action, comment=" ")
    item = services.indicator_item_transition(
        actor=world.users[persona], item=item, action=action, comment="指标值应量化"
    )
    assert item.status == "returned"
    assert item.events.first().comment == "指标值应量化"  # type: ignore[union-attr]
    assert AuditEvent.objects.get(event_type=f"indicator.{action}", object_id=str(item.pk)).reason == "指标值应量化"
    item = move(world, item, ("unit_user", "submit"))
    assert item.status == "submitted"


def test_the_department_may_withdraw_a_submitted_proposal(world: World, proposal: IndicatorLibraryItem) -> None:
    item = move(world, proposal, ("unit_user", "submit"), ("dept_admin", "withdraw"))
    assert item.status == "draft"
    assert _events(item)[-1] == ("withdraw", "submitted", "draft")


def test_the_performance_section_disables_and_enables_a_shared_item(world: World) -> None:
    item = IndicatorLibraryItem.objects.get(name="资金拨付及时率")
    with pytest.raises(DomainError):
        services.indicator_item_transition(actor=world.users["performance"], item=item, action="disable")
    item = services.indicator_item_transition(
        actor=world.users["performance"], item=item, action="disable", comment="与新口径不符"
    )
    assert item.status == "disabled"
    found = world.login("leader").get("/indicators/search.json?q=资金拨付及时率").json()["results"]
    assert item.pk not in [r["id"] for r in found]
    assert world.login("leader").get(f"/indicators/{item.pk}/").status_code == 404
    item = move(world, item, ("performance", "enable"))
    assert item.status == "approved"
    assert [e[0] for e in _events(item)] == ["disable", "enable"]
    assert {"indicator.disable", "indicator.enable"} <= _audited(item)


@pytest.mark.parametrize(
    ("persona", "action", "error"),
    [
        ("unit_user", "approve", PermissionDeniedError),
        ("dept_admin", "approve", PermissionDeniedError),
        ("business", "approve", PermissionDeniedError),
        ("performance", "withdraw", PermissionDeniedError),
        ("budget", "return", PermissionDeniedError),
        ("other_unit_user", "withdraw", NotFoundError),
        ("performance", "enable", ConflictError),
        ("unit_user", "submit", ConflictError),
    ],
)
def test_refused_actions_change_nothing(
    world: World, proposal: IndicatorLibraryItem, persona: str, action: str, error: type[Exception]
) -> None:
    item = move(world, proposal, ("unit_user", "submit"))
    with pytest.raises(error):
        services.indicator_item_transition(actor=world.users[persona], item=item, action=action, comment="x")
    item.refresh_from_db()
    assert item.status == "submitted" and item.events.count() == 2


def test_a_lower_regions_performance_section_cannot_disable_a_shared_item(world: World) -> None:
    town = FiscalRegionFactory(
        mof_div_code="511725101", name="渠江镇", level=FiscalRegion.Level.TOWN, parent=world.region
    )
    town.path = town.build_path()
    town.save(update_fields=["path"])
    section = FinanceSectionFactory(region=town, code="ZJX", name="镇财政所", kind="performance")
    user = UserFactory(username="p_town_perf")
    Membership.objects.create(user=user, role="performance", region=town, section=section)
    item = IndicatorLibraryItem.objects.get(name="资金拨付及时率")
    with pytest.raises(PermissionDeniedError):
        services.indicator_item_transition(actor=user, item=item, action="disable", comment="不适用")
    with pytest.raises(PermissionDeniedError):
        services.indicator_item_update(actor=user, item=item, data={"typical_value": "95"})


def test_the_proposer_edits_a_draft_but_not_a_submitted_proposal(world: World, proposal: IndicatorLibraryItem) -> None:
    user = world.users["unit_user"]
    item = services.indicator_item_update(
        actor=user, item=proposal, data={"typical_value": "40", "is_common": True}, expected_version=1
    )
    assert (item.typical_value, item.is_common, item.version) == ("40", False, 2)
    event = AuditEvent.objects.get(event_type="indicator.update", object_id=str(item.pk))
    assert event.changes == {"typical_value": ["32", "40"]}
    item = move(world, item, ("unit_user", "submit"))
    with pytest.raises(ConflictError, match="不能修改"):
        services.indicator_item_update(actor=user, item=item, data={"typical_value": "50"})


def test_a_stale_version_is_a_conflict(world: World, proposal: IndicatorLibraryItem) -> None:
    user = world.users["dept_admin"]
    services.indicator_item_update(actor=user, item=proposal, data={"unit": "个"}, expected_version=1)
    with pytest.raises(ConflictError):
        services.indicator_item_update(actor=user, item=proposal, data={"unit": "所"}, expected_version=1)
    proposal.refresh_from_db()
    assert (proposal.unit, proposal.version) == ("个", 2)


def test_a_step_from_a_page_older_than_the_item_is_a_conflict_that_changes_nothing(
    world: World, proposal: IndicatorLibraryItem
) -> None:
    item = move(world, proposal, ("unit_user", "submit"))
    shown = item.version
    item = move(world, item, ("performance", "return"))
    services.indicator_item_update(actor=world.users["unit_user"], item=item, data={"typical_value": "40"})
    item = move(world, IndicatorLibraryItem.objects.get(pk=item.pk), ("unit_user", "submit"))
    with pytest.raises(ConflictError, match="打开页面后已有变化"):
        services.indicator_item_transition(
            actor=world.users["performance"], item=item, action="approve", expected_version=shown
        )
    item.refresh_from_db()
    assert item.status == "submitted" and not AuditEvent.objects.filter(event_type="indicator.approve").exists()
    approved = services.indicator_item_transition(
        actor=world.users["performance"], item=item, action="approve", expected_version=item.version
    )
    assert approved.status == "approved"


def test_the_performance_section_creates_approved_county_items_and_edits_any(world: World) -> None:
    actor = world.users["performance"]
    data = proposal_data("县域义务教育学校课后服务参与率", operator="gte", unit="%", typical_value="90")
    item = services.indicator_item_create(actor=actor, data={**data, "is_common": True})
    assert (item.status, item.library_level, item.is_common, item.region) == ("approved", "county", True, world.region)
    assert _events(item) == [("create", "", "approved")]
    assert _audited(item) == {"indicator.create"}
    shared = IndicatorLibraryItem.objects.get(name="适龄儿童入学率")
    shared = services.indicator_item_update(actor=actor, item=shared, data={"typical_value": "99.5"})
    assert shared.typical_value == "99.5"


def test_creation_refuses_a_second_level_of_another_first_level(world: World) -> None:
    wrong = FrameworkNode.objects.get(framework__code="2015_88", code="benefit.social")
    with pytest.raises(DomainError, match="不属于"):
        services.indicator_item_create(actor=world.users["performance"], data=proposal_data(lv2=wrong))
    with pytest.raises(PermissionDeniedError):
        services.indicator_item_create(actor=world.users["unit_user"], data=proposal_data())
    with pytest.raises(PermissionDeniedError):
        services.indicator_item_propose(actor=world.users["performance"], data=proposal_data())


def test_a_name_already_in_the_library_under_the_same_level_is_refused(world: World) -> None:
    social = FrameworkNode.objects.get(framework__code="2015_88", code="benefit.social")
    benefit = social.parent
    data = proposal_data("适龄儿童入学率", lv1=benefit, lv2=social)
    with pytest.raises(DomainError, match="请直接选用"):
        services.indicator_item_propose(actor=world.users["unit_user"], data=data)
    item = services.indicator_item_propose(actor=world.users["unit_user"], data=proposal_data("适龄儿童入学率"))
    assert item.lv2.name == "数量指标"  # the same words under another 二级 indicator are a different indicator
    with pytest.raises(DomainError, match="同名指标"):
        services.indicator_item_update(actor=world.users["unit_user"], item=item, data={"lv1": benefit, "lv2": social})


def test_a_second_proposal_of_the_same_name_by_the_department_is_refused(world: World) -> None:
    # 保存 pressed twice, or the same indicator proposed again while the first is pending: one draft, and the
    # department is sent to it (it made a second draft with the next code, and neither could be deleted).
    first = services.indicator_item_propose(actor=world.users["unit_user"], data=proposal_data())
    with pytest.raises(DomainError, match=f"已申报过同名指标“课后服务覆盖学校数”（{first.code}）"):
        services.indicator_item_propose(actor=world.users["dept_admin"], data=proposal_data(" 课后服务覆盖学校数 "))
    assert IndicatorLibraryItem.objects.filter(name="课后服务覆盖学校数").count() == 1
    # Another department may propose the same words; and once returned the department edits the one it has.
    other = services.indicator_item_propose(actor=world.users["other_unit_user"], data=proposal_data())
    assert other.department_id != first.department_id
    move(world, first, ("unit_user", "submit"), ("performance", "return"))
    with pytest.raises(DomainError, match="已申报过同名指标"):
        services.indicator_item_propose(actor=world.users["unit_user"], data=proposal_data())


def test_creation_refuses_a_taken_code(world: World) -> None:
    taken = IndicatorLibraryItem.objects.get(name="适龄儿童入学率").code
    with pytest.raises(DomainError, match="已被使用"):
        services.indicator_item_create(actor=world.users["performance"], data=proposal_data(code=taken))


def test_historical_values_are_recorded_per_region_and_year(world: World) -> None:
    item = IndicatorLibraryItem.objects.get(name="适龄儿童入学率")
    actor = world.users["performance"]
    services.historical_value_record(actor=actor, item=item, fiscal_year=2025, value="99.2", note="教育统计年报")
    row = services.historical_value_record(actor=actor, item=item, fiscal_year=2025, value="99.3")
    assert item.historical_values.count() == 1
    assert (row.value, row.region, row.version) == ("99.3", world.region, 2)
    assert AuditEvent.objects.filter(event_type="indicator.history_record").count() == 2
    with pytest.raises(PermissionDeniedError):
        services.historical_value_record(actor=world.users["unit_user"], item=item, fiscal_year=2025, value="1")
    page = world.login("unit_user").get(f"/indicators/{item.pk}/").content.decode()
    assert "99.3" in page
    # The 修改历史 names the fields in Chinese, with the year and region it was recorded for (was "value：…").
    trail = world.login("performance").get(f"/indicators/{item.pk}/").content.decode()
    assert "实际完成值：99.2 → 99.3" in trail and "2025年度" in trail
    assert "value：" not in trail and "note：" not in trail
