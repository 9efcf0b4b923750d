"""涉农整合资金项目公告 (seed 003, 宁陕: 涉农整合资金信息公开和公告公示): one region-level item per county and year
listing its 涉农整合资金项目 in the 项目库, frozen when published, on the public site and as open data."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import World
from jixiao.disclosure import services
from jixiao.disclosure.models import Disclosure, ItemType
from jixiao.disclosure.tests.helpers import YEAR, Sources, generate, item_of, make_sources, publish
from jixiao.evaluation.tests.selfeval_helpers import approved_target
from jixiao.projects.tests.factories import ProjectFactory
from jixiao.targets.models import TargetStatus, TargetVersion

CODE = "511725000"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def sources(world: World) -> Sources:
    return make_sources(world)


def _notice() -> Disclosure:
    return item_of(ItemType.AGRI_FUND_NOTICE)


def test_one_notice_per_county_lists_only_its_agri_integrated_projects_in_the_library(
    world: World, sources: Sources
) -> None:
    approved_target(world, sources.agri_project, annual_goal="新建高标准农田500亩，亩均增产10%")
    # Not announced: a draft, a cancelled project, one of a 涉密 unit, an ordinary project, another county's.
    ProjectFactory(unit=world.school, code="P-DRAFT", name="草稿中的涉农项目", is_agri_integrated=True)
    ProjectFactory(
        unit=world.school, code="P-CANC", name="已撤销的涉农项目", is_agri_integrated=True, status="cancelled"
    )
    world.hospital.is_secret = True
    world.hospital.save(update_fields=["is_secret"])
    ProjectFactory(
        unit=world.hospital, code="P-SECRET", name="涉密单位的涉农项目", is_agri_integrated=True, in_library=True
    )
    ProjectFactory(unit=world.far_unit, code="P-FARAGRI", name="外县涉农项目", is_agri_integrated=True, in_library=True)
    generate(world)
    notice = _notice()
    assert notice.region == world.region and notice.department is None and notice.unit is None
    assert notice.title == f"{world.region.name}2026年度统筹整合财政涉农资金项目公告"
    assert notice.due_date is None
    assert generate(world)["created"] == 0  # idempotent
    published = publish(world, notice)
    snap = published.snapshot
    assert snap["count"] == 1 and snap["rural_link_count"] == 1
    assert snap["total_yuan"] == "1000000.00" and snap["fiscal_yuan"] == "800000.00"
    (row,) = snap["projects"]
    assert row == {
        "project_code": "P-AGRI",
        "name": "高标准农田建设",
        "department_name": world.school.department.name,
        "unit_name": world.school.name,
        "period": "2026—2027年",
        "total_yuan": "1000000.00",
        "fiscal_yuan": "800000.00",
        "is_rural_link": True,
        "annual_goal": "新建高标准农田500亩，亩均增产10%",
        "description": "新建高标准农田500亩。",
    }


def test_a_county_without_such_projects_gets_no_notice(world: World, sources: Sources) -> None:
    sources.agri_project.is_agri_integrated = False
    sources.agri_project.save(update_fields=["is_agri_integrated"])
    generate(world)
    assert not Disclosure.objects.filter(item_type=ItemType.AGRI_FUND_NOTICE).exists()


def test_the_public_reads_the_frozen_notice_and_its_open_data(world: World, sources: Sources) -> None:
    generate(world)
    notice = publish(world, _notice())
    sources.agri_project.name = "发布后改名的项目"
    sources.agri_project.save(update_fields=["name"])
    client = Client()
    year_page = client.get(reverse("public:year", args=[CODE, YEAR])).content.decode()
    assert notice.title in year_page and "涉农整合资金项目公告" in year_page
    page = client.get(reverse("public:item", args=[CODE, YEAR, notice.public_id]))
    body = page.content.decode()
    assert page.status_code == 200
    assert (
        "统筹整合财政涉农资金项目共 1 个，资金总额 100.00 万元（其中财政拨款 80.00 万元），其中衔接资金项目 1 个"
        in body
    )
    assert "高标准农田建设" in body and "发布后改名的项目" not in body
    assert "2026—2027年" in body
    response = client.get(reverse("public:data", args=[CODE, YEAR, "agri_fund_projects", "csv"]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["project_code"], r["project_name"], r["total_yuan"], r["is_rural_link"]) for r in rows] == [
        ("P-AGRI", "高标准农田建设", "1000000.00", "是")
    ]
    assert rows[0]["unit_name"] == world.school.name and rows[0]["item_id"] == str(notice.public_id)
    data = json.loads(client.get(reverse("public:data", args=[CODE, YEAR, "agri_fund_projects", "json"])).content)
    assert data["count"] == 1 and Decimal(data["rows"][0]["fiscal_yuan"]) == Decimal("800000.00")
    # 更新公开内容 takes the project as it is now.
    services.disclosure_transition(actor=world.users["performance"], item=notice, action="republish")
    body = client.get(reverse("public:item", args=[CODE, YEAR, notice.public_id])).content.decode()
    assert "发布后改名的项目" in body


def test_the_notice_is_a_region_item_a_unit_cannot_open(world: World, sources: Sources) -> None:
    generate(world)
    notice = _notice()
    assert world.login("unit_user").get(reverse("disclosure:detail", args=[notice.pk])).status_code == 404
    page = world.login("performance").get(reverse("disclosure:detail", args=[notice.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "高标准农田建设" in body and 'data-testid="agri-fund-table"' in body  # the preview before publishing


def test_a_target_under_adjustment_shows_its_approved_goal_not_the_units_draft(world: World, sources: Sources) -> None:
    target = approved_target(world, sources.agri_project, annual_goal="新建高标准农田500亩")
    TargetVersion.objects.create(target=target, goal_version=1, snapshot={"annual_goal": "新建高标准农田500亩"})
    target.status = TargetStatus.ADJUSTING
    target.annual_goal = "新建高标准农田800亩（调整中）"
    target.save(update_fields=["status", "annual_goal"])
    generate(world)
    snap = publish(world, _notice()).snapshot
    assert snap["projects"][0]["annual_goal"] == "新建高标准农田500亩"


def test_a_project_flagged_secret_after_the_notice_was_published_leaves_the_public_notice(
    world: World, sources: Sources
) -> None:
    """The notice froze two projects; the hospital (one project's unit) is flagged 涉密 afterwards. The public page
    and the open data no longer list that project, and the count and totals are those of the project still listed
    (no sum gives its amounts away); the stored snapshot is unchanged, and removing the flag brings it back."""
    ProjectFactory(
        unit=world.hospital,
        code="P-AGRI-H",
        name="医院涉农帮扶项目",
        in_library=True,
        is_agri_integrated=True,
        fiscal_amount_yuan=Decimal("300000.00"),
        other_amount_yuan=Decimal("0"),
    )
    generate(world)
    notice = publish(world, _notice())
    assert notice.snapshot["count"] == 2
    client = Client()
    url = reverse("public:item", args=[CODE, YEAR, notice.public_id])
    assert "医院涉农帮扶项目" in client.get(url).content.decode()
    world.hospital.is_secret = True
    world.hospital.save(update_fields=["is_secret"])
    body = client.get(url).content.decode()
    assert "医院涉农帮扶项目" not in body and "P-AGRI-H" not in body and "高标准农田建设" in body
    assert "项目共 1 个，资金总额 100.00 万元（其中财政拨款 80.00 万元），其中衔接资金项目 1 个" in body
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(reverse("public:data", args=[CODE, YEAR, "agri_fund_projects", "csv"])).content.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert [r["project_code"] for r in rows] == ["P-AGRI"]
    data = json.loads(client.get(reverse("public:data", args=[CODE, YEAR, "agri_fund_projects", "json"])).content)
    assert [r["project_code"] for r in data["rows"]] == ["P-AGRI"]
    notice.refresh_from_db()
    assert notice.snapshot["count"] == 2  # what was published stays on record internally
    world.hospital.is_secret = False
    world.hospital.save(update_fields=["is_secret"])
    assert "医院涉农帮扶项目" in client.get(url).content.decode()
