"""The public site and open data, as an anonymous visitor: only PUBLISHED snapshots are ever visible."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse
from docx import Document

from conftest import World
from jixiao.disclosure import selectors, services
from jixiao.disclosure.columns import DATASETS
from jixiao.disclosure.models import Disclosure, ItemType
from jixiao.disclosure.tests.helpers import TYPES, YEAR, Sources, generate, item_of, make_sources, publish
from jixiao.indicators.selectors import framework_for
from jixiao.organizations.models import FiscalRegion
from jixiao.targets.models import PerformanceTarget

S = Disclosure.Status
CODE = "511725000"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def sources(world: World) -> Sources:
    s = make_sources(world)
    generate(world)
    return s


def _url(item: Disclosure) -> str:
    return reverse("public:item", args=[item.region.mof_div_code, item.fiscal_year, item.public_id])


def _file_url(item: Disclosure) -> str:
    return reverse("public:item_file", args=[item.region.mof_div_code, item.fiscal_year, item.public_id])


def _perf(world: World, item: Disclosure, action: str, comment: str = "") -> Disclosure:
    return services.disclosure_transition(actor=world.users["performance"], item=item, action=action, comment=comment)


def _to_status(world: World, item: Disclosure, status: str) -> Disclosure:
    if status == S.PENDING:
        return item
    item = _perf(world, item, "propose")
    if status == S.REVIEW:
        return item
    if status in (S.EXEMPT_SECRET, S.EXEMPT_SENSITIVE, S.EXEMPT_OTHER):
        return _perf(world, item, status, "理由")
    item = _perf(world, item, "publish")
    if status == S.WITHDRAWN:
        item = _perf(world, item, "withdraw", "需更正")
    return item


def _one(item_type: str) -> Disclosure:
    return Disclosure.objects.filter(item_type=item_type).order_by("id").first()  # type: ignore[return-value]


def _csv_rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


# ---- only published items are visible -------------------------------------------------------------------------


@pytest.mark.parametrize("item_type", TYPES)
@pytest.mark.parametrize(
    "status", [S.PENDING, S.REVIEW, S.EXEMPT_SECRET, S.EXEMPT_SENSITIVE, S.EXEMPT_OTHER, S.WITHDRAWN]
)
def test_anonymous_gets_404_for_every_unpublished_item_page_file_and_data(
    world: World, sources: Sources, item_type: str, status: str
) -> None:
    # Something else is published, so the region and year exist publicly.
    publish(world, item_of(ItemType.TARGET_TABLE, sources.hospital_target))
    item = _one(item_type) if item_type != ItemType.TARGET_TABLE else item_of(item_type, sources.target)
    item = _to_status(world, item, status)
    assert item.status == status
    client = Client()
    assert client.get(_url(item)).status_code == 404
    assert client.get(_file_url(item)).status_code == 404
    body = b""
    for name in DATASETS:
        for fmt in ("csv", "json"):
            response = client.get(reverse("public:data", args=[CODE, YEAR, name, fmt]))
            assert response.status_code == 200
            body += response.content
    assert str(item.public_id).encode() not in body
    for page in ("public:year", "public:targets", "public:self_evaluations", "public:reports"):
        assert str(item.public_id).encode() not in client.get(reverse(page, args=[CODE, YEAR])).content


@pytest.mark.parametrize("item_type", TYPES)
def test_anonymous_reads_every_published_item_type(world: World, sources: Sources, item_type: str) -> None:
    item = publish(world, _one(item_type))
    client = Client()
    response = client.get(_url(item))
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=300"
    assert item.snapshot["name"] in response.content.decode()
    file_response = client.get(_file_url(item))
    if item_type == ItemType.KEY_EVAL_REPORT:
        assert file_response.status_code == 200
        document = Document(io.BytesIO(b"".join(file_response.streaming_content)))  # type: ignore[attr-defined]
        text = "\n".join(p.text for p in document.paragraphs)
        assert "重点项目绩效评价报告" in text
    else:
        assert file_response.status_code == 404


def test_nothing_published_means_no_region_no_year_and_an_empty_index(world: World, sources: Sources) -> None:
    client = Client()
    assert "渠县" not in client.get(reverse("public:index")).content.decode()
    assert client.get(reverse("public:year", args=[CODE, YEAR])).status_code == 404
    assert client.get(reverse("public:data", args=[CODE, YEAR, "targets", "csv"])).status_code == 404
    publish(world, item_of(ItemType.TARGET_TABLE, sources.target))
    index = client.get(reverse("public:index")).content.decode()
    assert "渠县" in index and "宣汉县" not in index
    assert client.get(reverse("public:year", args=[CODE, YEAR])).status_code == 200
    assert client.get(reverse("public:year", args=[CODE, YEAR - 1])).status_code == 404
    assert client.get(reverse("public:data", args=[CODE, YEAR, "nope", "csv"])).status_code == 404
    assert client.get(reverse("public:data", args=[CODE, YEAR, "targets", "xml"])).status_code == 404


def test_another_regions_items_stay_out_of_this_region_and_unpublished_ones_are_404(world: World) -> None:
    far_dept = world.far_project.department
    target = PerformanceTarget.objects.create(
        fiscal_year=YEAR,
        region=world.other_region,
        project=world.far_project,
        department=far_dept,
        unit=world.far_unit,
        framework=framework_for(world.other_region, YEAR),
        name="外县目标",
        status="approved",
        mid_total_yuan=Decimal(0),
        mid_fiscal_yuan=Decimal(0),
        annual_total_yuan=Decimal(0),
        annual_fiscal_yuan=Decimal(0),
        basic_yuan=Decimal(0),
        project_spending_yuan=Decimal(0),
    )
    far = Disclosure.objects.create(
        item_type=ItemType.TARGET_TABLE,
        fiscal_year=YEAR,
        region=world.other_region,
        department=far_dept,
        unit=world.far_unit,
        subject_id=target.pk,
        title="外县目标",
    )
    client = Client()
    far_code = world.other_region.mof_div_code
    assert client.get(_url(far)).status_code == 404
    assert client.get(reverse("public:year", args=[far_code, YEAR])).status_code == 404
    Disclosure.objects.filter(pk=far.pk).update(status=S.PUBLISHED, snapshot={"name": "外县目标"})
    assert client.get(_url(far)).status_code == 200
    # Not under another region's address.
    assert client.get(reverse("public:item", args=[CODE, YEAR, far.public_id])).status_code == 404


def test_snapshot_isolation_later_edits_of_the_source_do_not_leak(world: World, sources: Sources) -> None:
    item = publish(world, item_of(ItemType.TARGET_TABLE, sources.target))
    PerformanceTarget.objects.filter(pk=sources.target.pk).update(annual_goal="修改后的目标（未公开）", name="改名")
    sources.target.indicators.filter(name="师生满意度").update(name="修改后的指标")
    client = Client()
    page = client.get(_url(item)).content.decode()
    assert "年内购置教学设备120台" in page
    assert "修改后的目标" not in page and "修改后的指标" not in page and "改名" not in page
    rows = _csv_rows(client.get(reverse("public:data", args=[CODE, YEAR, "target_indicators", "csv"])).content)
    assert "修改后的指标" not in {r["indicator"] for r in rows}
    assert "师生满意度" in {r["indicator"] for r in rows}
    # Internal opinions never reach the public copy of a self-evaluation.
    self_item = publish(world, item_of(ItemType.SELF_EVAL_REPORT))
    assert "内部审核意见" not in json.dumps(self_item.snapshot, ensure_ascii=False)
    assert "内部审核意见" not in client.get(_url(self_item)).content.decode()


def test_withheld_sentence_counts_secret_and_sensitive_items(world: World, sources: Sources) -> None:
    publish(world, _one(ItemType.KEY_EVAL_REPORT))
    client = Client()
    page = client.get(reverse("public:reports", args=[CODE, YEAR])).content.decode()
    assert "0个项目报告涉及涉密及敏感信息，不予公开" in page
    _to_status(world, item_of(ItemType.TARGET_TABLE, sources.hospital_target), S.EXEMPT_SECRET)
    _to_status(world, _one(ItemType.MONITOR_SUMMARY), S.EXEMPT_SENSITIVE)
    _to_status(world, _one(ItemType.INDICATOR_LIBRARY), S.EXEMPT_OTHER)
    page = client.get(reverse("public:year", args=[CODE, YEAR])).content.decode()
    assert "2个项目报告涉及涉密及敏感信息，不予公开" in page


def test_an_item_hidden_by_a_later_secret_flag_counts_in_the_withheld_sentence(world: World, sources: Sources) -> None:
    """Published, then its unit flagged 涉密: it leaves the public site and is counted among the items “涉及涉密及敏感
    信息，不予公开” as one exempted as 涉密 before publication is; removing the flag undoes both."""
    publish(world, _one(ItemType.KEY_EVAL_REPORT))
    hospital_item = publish(world, item_of(ItemType.TARGET_TABLE, sources.hospital_target))
    _to_status(world, _one(ItemType.MONITOR_SUMMARY), S.EXEMPT_SECRET)
    client = Client()
    assert client.get(_url(hospital_item)).status_code == 200
    assert (
        "1个项目报告涉及涉密及敏感信息，不予公开"
        in client.get(reverse("public:year", args=[CODE, YEAR])).content.decode()
    )
    world.hospital.is_secret = True
    world.hospital.save(update_fields=["is_secret"])
    assert client.get(_url(hospital_item)).status_code == 404
    assert selectors.withheld_count(world.region, YEAR) == 2
    for name in ("public:year", "public:reports"):
        page = client.get(reverse(name, args=[CODE, YEAR])).content.decode()
        assert "2个项目报告涉及涉密及敏感信息，不予公开" in page
    world.hospital.is_secret = False
    world.hospital.save(update_fields=["is_secret"])
    assert selectors.withheld_count(world.region, YEAR) == 1


# ---- open data ------------------------------------------------------------------------------------------------------

TYPE_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: re.fullmatch(r"-?\d+", str(v)) is not None,
    "decimal": lambda v: v == "" or re.fullmatch(r"-?\d+\.\d{2}", str(v)) is not None,
    "datetime": lambda v: (
        re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}", str(v)) is not None
    ),
}


def test_csv_and_json_follow_the_documented_schema(world: World, sources: Sources) -> None:
    for item in Disclosure.objects.filter(status=S.PENDING).order_by("id"):
        publish(world, item)
    client = Client()
    schema_page = client.get(reverse("public:schema")).content.decode()
    for name, dataset in DATASETS.items():
        assert f"<code>{name}</code>" in schema_page
        for column in dataset.columns:
            assert f"<code>{column.name}</code>" in schema_page
        response = client.get(reverse("public:data", args=[CODE, YEAR, name, "csv"]))
        assert response["Content-Type"].startswith("text/csv")
        assert response["Cache-Control"] == "public, max-age=300"
        rows = _csv_rows(response.content)
        assert list(rows[0].keys()) == dataset.field_names
        data = json.loads(client.get(reverse("public:data", args=[CODE, YEAR, name, "json"])).content)
        assert data["schema"].endswith(reverse("public:schema"))
        assert data["dataset"] == name and data["fiscal_year"] == YEAR and data["region_code"] == CODE
        assert [f["name"] for f in data["fields"]] == dataset.field_names
        assert data["count"] == len(data["rows"]) == len(rows)
        for row in data["rows"]:
            assert list(row) == dataset.field_names
            for column in dataset.columns:
                assert TYPE_CHECKS[column.type](row[column.name]), (name, column.name, row[column.name])
    targets = json.loads(client.get(reverse("public:data", args=[CODE, YEAR, "targets", "json"])).content)["rows"]
    assert {r["name"] for r in targets} == {"一中教学设备购置", "医院信息化建设", "部门整体支出"}
    indicators = _csv_rows(client.get(reverse("public:data", args=[CODE, YEAR, "target_indicators", "csv"])).content)
    assert len(indicators) == 3 * 4  # three targets, four rows each (one midterm)
    selfeval = json.loads(client.get(reverse("public:data", args=[CODE, YEAR, "self_evaluations", "json"])).content)
    assert selfeval["rows"][0]["score"] == "92.00" and selfeval["rows"][0]["grade"] == "优"
    keyeval = json.loads(client.get(reverse("public:data", args=[CODE, YEAR, "key_evaluations", "json"])).content)
    file_url = keyeval["rows"][0]["file_url"]
    assert client.get(file_url).status_code == 200


def test_csv_cells_that_look_like_formulas_are_neutralised(world: World, sources: Sources) -> None:
    PerformanceTarget.objects.filter(pk=sources.target.pk).update(annual_goal='=HYPERLINK("x")')
    publish(world, item_of(ItemType.TARGET_TABLE, sources.target))
    rows = _csv_rows(Client().get(reverse("public:data", args=[CODE, YEAR, "targets", "csv"])).content)
    assert rows[0]["annual_goal"] == '\'=HYPERLINK("x")'


def test_public_pages_have_bounded_queries_and_no_internal_menu(
    world: World, sources: Sources, django_assert_max_num_queries: Any
) -> None:
    for item in Disclosure.objects.filter(status=S.PENDING).order_by("id"):
        publish(world, item)
    client = Client()
    for name in ("public:year", "public:targets", "public:self_evaluations", "public:reports"):
        with django_assert_max_num_queries(8):
            response = client.get(reverse(name, args=[CODE, YEAR]))
        assert response.status_code == 200
        body = response.content.decode()
        assert "主菜单" not in body and "<script" not in body
        assert "Set-Cookie" not in response.headers
    with django_assert_max_num_queries(8):
        assert client.get(reverse("public:data", args=[CODE, YEAR, "target_indicators", "json"])).status_code == 200
    assert client.post(reverse("public:year", args=[CODE, YEAR])).status_code == 405


def test_unknown_region_code_is_404(world: World) -> None:
    assert FiscalRegion.objects.filter(mof_div_code="999999999").count() == 0
    assert Client().get(reverse("public:year", args=["999999999", YEAR])).status_code == 404


def test_a_missing_public_page_answers_in_the_public_sites_layout_with_a_way_back(world: World) -> None:
    response = Client().get(reverse("public:year", args=["999999999", YEAR]))
    body = response.content.decode()
    assert response.status_code == 404
    assert "尚未公开" in body and f'href="{reverse("public:index")}"' in body
    assert "管理范围" not in body  # the internal page's wording is for staff, not for visitors
    internal = world.login("performance").get("/projects/999999999/").content.decode()
    assert "管理范围" in internal and "尚未公开" not in internal


def _printed_controls(body: str) -> list[str]:
    """The site's controls (栏目 links, the 查询 form, 分页, 下载 buttons) a printed page would carry."""
    body = re.sub(r"<(nav|form)\b[^>]*d-print-none.*?</\1>", "", body, flags=re.S)
    tags = re.findall(r"<(?:nav|form|a)\b[^>]*>", body)
    controls = [t for t in tags if t.startswith(("<nav", "<form")) or 'class="btn' in t]
    return [t for t in controls if "d-print-none" not in t]


def test_a_printed_public_page_carries_the_table_not_the_sites_menu_search_or_buttons(
    world: World, sources: Sources
) -> None:
    """A citizen printing a 绩效目标表 or a 评价报告 gets the table and text, not 概览/绩效目标/… links, the 查询
    form or a 下载报告文件 button on the paper."""
    for item in Disclosure.objects.filter(status=S.PENDING).order_by("id"):
        publish(world, item)
    client = Client()
    pages = [reverse(name, args=[CODE, YEAR]) for name in ("public:year", "public:targets", "public:reports")]
    pages += [_url(item) for item in Disclosure.objects.filter(status=S.PUBLISHED)]
    for url in pages:
        body = client.get(url).content.decode()
        assert _printed_controls(body) == [], url
    assert "下载报告文件" in client.get(_url(item_of(ItemType.KEY_EVAL_REPORT))).content.decode()


@pytest.mark.parametrize("flagged", ["unit", "department"])
def test_an_item_whose_department_or_unit_is_flagged_secret_after_publication_leaves_the_public_site(
    world: World, sources: Sources, flagged: str
) -> None:
    target = publish(world, item_of(ItemType.TARGET_TABLE, sources.target))  # 教育局 / 一中
    report = publish(world, _one(ItemType.KEY_EVAL_REPORT))  # 教育局, no unit
    library = publish(world, _one(ItemType.INDICATOR_LIBRARY))  # region-level: stays
    client = Client()
    assert client.get(_url(target)).status_code == 200 and client.get(_file_url(report)).status_code == 200
    if flagged == "unit":
        type(world.school).objects.filter(pk=world.school.pk).update(is_secret=True)
        gone, kept = [target], [report, library]
    else:
        type(world.edu).objects.filter(pk=world.edu.pk).update(is_secret=True)
        gone, kept = [target, report], [library]
    body = b""
    for name in DATASETS:
        for fmt in ("csv", "json"):
            body += client.get(reverse("public:data", args=[CODE, YEAR, name, fmt])).content
    for page in ("public:year", "public:targets", "public:self_evaluations", "public:reports"):
        body += client.get(reverse(page, args=[CODE, YEAR])).content
    for item in gone:
        assert client.get(_url(item)).status_code == 404
        assert client.get(_file_url(item)).status_code == 404
        assert str(item.public_id).encode() not in body
    for item in kept:
        assert client.get(_url(item)).status_code == 200
    # The status is unchanged: un-flagging brings the item back as it was published.
    assert Disclosure.objects.get(pk=target.pk).status == S.PUBLISHED


@pytest.mark.parametrize(
    "code", ["\x00", "51172500\x00", "511725000\n", "５１１７２５０００", "51172", "5117250001", "abc"]
)
def test_a_region_code_of_the_wrong_shape_is_404_without_a_query(
    world: World, sources: Sources, code: str, django_assert_num_queries: Any
) -> None:
    """A NUL byte reached `mof_div_code = %s` and PostgreSQL refused the query: a 500 to an anonymous visitor."""
    publish(world, item_of(ItemType.TARGET_TABLE, sources.target))
    with django_assert_num_queries(0), pytest.raises(Http404):
        selectors.public_region(code)
    client = Client()
    quoted = quote(code, safe="")
    for url in (
        f"/public/{quoted}/{YEAR}/",
        f"/public/{quoted}/{YEAR}/targets/",
        f"/public/data/{quoted}/{YEAR}/targets.csv",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/public/{CODE}/{YEAR}/").status_code == 200
    assert client.get(f"/public/{CODE}/{10**20}/").status_code == 404  # a year beyond any integer column
