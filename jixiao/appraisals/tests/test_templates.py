"""Score tables as data: the shipped default, sums checked, local copies, the provincial Excel import."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import World
from jixiao.appraisals import selectors, services
from jixiao.appraisals.imports import parse_score_sheet
from jixiao.appraisals.models import AppraisalNode, AppraisalSettings, AppraisalTemplate
from jixiao.appraisals.ranking import NodeRow, tree_errors
from jixiao.appraisals.tests.helpers import default_template, dept_task, local_copy, settings_form
from jixiao.core.errors import ConflictError, DomainError
from jixiao.core.models import AuditEvent

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HEADER = ["指标代码", "指标名称", "评（扣）分标准", "分值", "主管处室"]
PROVINCE = [
    HEADER,
    ["01", "预算绩效管理制度建设", "制定管理办法得满分", 20, "绩效处"],
    ["0101", "制度办法", "", 10, "绩效处"],
    ["0102", "工作机制", "", 10, "预算处"],
    ["02", "全过程绩效管理", "", 80, "绩效处"],
    ["0201", "事前绩效评估", "", 30, "绩效处"],
    ["0202", "绩效目标管理", "", 50, "预算处"],
]


@pytest.mark.django_db
def test_the_default_table_ships_balanced_with_the_domain_items() -> None:
    template = default_template()
    assert selectors.template_errors(template) == []
    roots = {n.code: (n.name, n.points, n.kind) for n in template.nodes.filter(parent=None)}
    assert roots["A"] == ("事前绩效评估开展", Decimal("10.00"), "SCORE")
    assert roots["B"][1] == Decimal(20) and roots["D"][1] == Decimal(20) and roots["F"][1] == Decimal(15)
    assert roots["H"][2] == "BONUS" and roots["I"][2] == "PENALTY"
    assert sum(p for _, p, k in roots.values() if k == "SCORE") == Decimal(100)
    assert AppraisalTemplate.objects.get(region=None, kind="ASSET_MANAGEMENT").nodes.count() == 0
    national = AppraisalSettings.objects.get(region=None, fiscal_year=None)
    assert (national.weight_town, national.weight_street, national.weight_dev_zone, national.weight_department) == (
        Decimal("0.6"),
        Decimal("0.5"),
        Decimal("0.4"),
        Decimal(1),
    )
    assert national.commend_top_k is None and national.interview_bottom_k is None


def test_children_must_sum_to_their_parent() -> None:
    nodes = [
        NodeRow(1, None, "A", "甲", Decimal(60), "SCORE"),
        NodeRow(2, 1, "A1", "甲一", Decimal(30), "SCORE"),
        NodeRow(3, 1, "A2", "甲二", Decimal(20), "SCORE"),
        NodeRow(4, None, "B", "乙", Decimal(40), "SCORE"),
        NodeRow(5, None, "C", "加分", Decimal(5), "BONUS"),
    ]
    errors = tree_errors(nodes, Decimal(100))
    assert errors == ["“A 甲”分值60，其下级指标合计50，两者不一致"]
    assert tree_errors(nodes[:1] + nodes[3:], Decimal(100)) == []


def test_a_local_copy_is_editable_and_an_unbalanced_table_cannot_be_used(world: World) -> None:
    perf = world.users["performance"]
    with pytest.raises(ConflictError, match="全国默认"):
        services.node_save(actor=perf, template=default_template(), data={"code": "X", "name": "x", "points": 1})
    copy = local_copy(world)
    assert copy.region == world.region and copy.nodes.count() == default_template().nodes.count()
    a1 = copy.nodes.get(code="A1")
    services.node_save(
        actor=perf,
        template=copy,
        node=a1,
        data={"code": "A1", "name": "事前评估覆盖率", "points": "8", "kind": "SCORE"},
    )
    assert selectors.template_errors(copy) == ["“A 事前绩效评估开展”分值10.00，其下级指标合计8.00，两者不一致"]
    with pytest.raises(DomainError, match="分值不平衡"):
        dept_task(world, template=copy)
    services.node_save(
        actor=perf,
        template=copy,
        parent=copy.nodes.get(code="A"),
        data={"code": "A2", "name": "事前评估质量", "points": "2", "kind": "SCORE", "responsible_section": "教科文股"},
    )
    assert selectors.template_errors(copy) == []
    dept_task(world, template=copy)
    with pytest.raises(ConflictError, match="已用于考核任务"):
        services.node_delete(actor=perf, node=copy.nodes.get(code="A2"))
    assert AuditEvent.objects.filter(event_type="appraisal.node_save", object_id=str(copy.pk)).count() == 2


def test_importing_a_provincial_sheet_builds_the_tree_from_code_prefixes(world: World) -> None:
    client = world.login("performance")
    upload = SimpleUploadedFile("省评分表.xlsx", _xlsx(PROVINCE), content_type=XLSX)
    response = client.post(
        reverse("appraisals:template_import"),
        {
            "name": "四川省扩权县预算绩效管理工作考核评分表",
            "kind": "COUNTY_SELF",
            "fiscal_year": "2026",
            "file": upload,
        },
    )
    assert response.status_code == 302
    template = AppraisalTemplate.objects.get(name="四川省扩权县预算绩效管理工作考核评分表")
    assert template.region == world.region and template.examinee_type == 3
    parents = dict(template.nodes.values_list("code", "parent__code"))
    assert parents == {"01": None, "0101": "01", "0102": "01", "02": None, "0201": "02", "0202": "02"}
    assert template.nodes.get(code="0202").responsible_section == "预算处"
    assert selectors.template_errors(template) == []
    exported = client.get(reverse("appraisals:template_export", args=[template.pk]))
    rows = list(openpyxl.load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("指标代码", "上级代码", "指标名称")
    assert rows[5][:3] == ("0201", "02", "事前绩效评估")
    # The exported table imports back unchanged.
    nodes, errors = parse_score_sheet(exported.content)
    assert errors == [] and [n.code for n in nodes] == ["01", "0101", "0102", "02", "0201", "0202"]
    # The same sheet imported again under the same name and year is refused (it would be listed twice).
    again = SimpleUploadedFile("省评分表.xlsx", _xlsx(PROVINCE), content_type=XLSX)
    data = {"name": "四川省扩权县预算绩效管理工作考核评分表", "kind": "COUNTY_SELF", "fiscal_year": "2026"}
    response = client.post(reverse("appraisals:template_import"), {**data, "file": again})
    assert response.status_code == 400 and "无需重复导入" in response.content.decode()
    assert AppraisalTemplate.objects.filter(name=data["name"]).count() == 1


def test_an_unbalanced_or_broken_sheet_imports_nothing(world: World) -> None:
    client = world.login("performance")
    unbalanced = [row[:] for row in PROVINCE]
    unbalanced[2][3] = 15
    upload = SimpleUploadedFile("省评分表.xlsx", _xlsx(unbalanced), content_type=XLSX)
    response = client.post(reverse("appraisals:template_import"), {"name": "不平衡", "kind": "DEPT", "file": upload})
    assert response.status_code == 400
    assert "分值不平衡" in response.content.decode()
    broken = [HEADER, ["01", "", "", "十分", ""], ["01", "重复", "", 5, ""], ["03", "过大", "", "1E+30", ""]]
    broken += [["04", "位数过多", "", 123456789, ""], ["05", "三位小数", "", 1.005, ""]]
    upload = SimpleUploadedFile("坏表.xlsx", _xlsx(broken), content_type=XLSX)
    response = client.post(reverse("appraisals:template_import"), {"name": "坏表", "kind": "DEPT", "file": upload})
    assert response.status_code == 400
    assert not AppraisalTemplate.objects.filter(name__in=["不平衡", "坏表"]).exists()
    report = client.get(reverse("appraisals:import_errors"))
    rows = list(openpyxl.load_workbook(io.BytesIO(report.content)).active.iter_rows(values_only=True))
    messages = {r[3] for r in rows[1:]}
    assert {"指标名称不能为空", "分值应为0至99999.99之间的数字，最多两位小数", "指标代码重复"} <= messages
    assert [r[2] for r in rows[1:] if r[3].startswith("分值应为")] == ["十分", "1E+30", "123456789", "1.005"]
    assert not AppraisalNode.objects.filter(template__name="坏表").exists()


def test_other_regions_tables_are_404(world: World) -> None:
    from jixiao.accounts.models import Membership
    from jixiao.accounts.tests.factories import UserFactory

    outsider = UserFactory(username="far_perf")
    Membership.objects.create(user=outsider, role="performance", region=world.other_region)
    theirs = services.template_copy(actor=outsider, source=default_template(), fiscal_year=2026)
    client = world.login("performance")
    assert client.get(reverse("appraisals:template", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("appraisals:template", args=[default_template().pk])).status_code == 200
    assert world.login("dept_admin").get(reverse("appraisals:templates")).status_code == 200
    assert world.login("dept_admin").get(reverse("appraisals:template", args=[theirs.pk])).status_code == 404


def test_settings_are_saved_per_region_and_year_and_checked(world: World) -> None:
    client = world.login("performance")
    assert client.get(reverse("appraisals:settings")).status_code == 200
    form = settings_form(fiscal_year="2026", grade_bands="优秀:90，良好:80,合格:60,不合格:0")  # a full-width comma too
    assert client.post(reverse("appraisals:settings"), form).status_code == 302
    row = selectors.settings_for(world.region, 2026)
    assert row.region == world.region and row.commend_top_k == 3 and row.interview_bottom_k is None
    assert row.grade_bands[0] == {"label": "优秀", "min": "90"}
    assert selectors.settings_for(world.region, 2027).region is None  # other years keep the national default
    bad = client.post(reverse("appraisals:settings"), {**form, "grade_bands": "优秀:九十"})
    assert bad.status_code == 400 and "等级划分" in bad.content.decode()
    assert AuditEvent.objects.filter(event_type="appraisal.settings_save").count() == 1
    assert world.login("dept_admin").get(reverse("appraisals:settings")).status_code == 403


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"not a workbook", "不是有效的 Excel"), (_xlsx([["代码", "名称"], ["A", "x"]]), "评分表缺少以下列")],
)
def test_a_refused_file_does_not_offer_the_previous_files_error_report(
    world: World, content: bytes, message: str
) -> None:
    client = world.login("performance")
    url = reverse("appraisals:template_import")
    broken = [HEADER, ["01", "", "", "十分", ""]]
    first = SimpleUploadedFile("坏表.xlsx", _xlsx(broken), content_type=XLSX)
    response = client.post(url, {"name": "坏表", "kind": "DEPT", "file": first})
    assert response.status_code == 400 and "下载错误报告" in response.content.decode()
    second = SimpleUploadedFile("另一个.xlsx", content, content_type=XLSX)
    response = client.post(url, {"name": "另一个", "kind": "DEPT", "file": second})
    html = response.content.decode()
    assert response.status_code == 400 and message in html
    assert "下载错误报告" not in html
    assert client.get(reverse("appraisals:import_errors")).status_code == 404


def test_copying_twice_is_refused_instead_of_listing_the_table_twice(world: World) -> None:
    """A double click on 复制为本地评分表 (tables cannot be deleted): the second copy of a name is refused."""
    client = world.login("performance")
    url = reverse("appraisals:template_copy", args=[default_template().pk])
    first = client.post(url, {"fiscal_year": "2027"})
    assert first.status_code == 302
    again = client.post(url, {"fiscal_year": "2027"}, follow=True)
    assert AppraisalTemplate.objects.filter(region=world.region, fiscal_year=2027).count() == 1
    assert "无需重复复制" in again.content.decode()
    # Another name, or another year, is another table.
    assert client.post(url, {"fiscal_year": "2027", "name": "部门考核评分表（试行）"}).status_code == 302
    assert client.post(url, {"fiscal_year": "2028"}).status_code == 302
    assert AppraisalTemplate.objects.filter(region=world.region).count() == 3
    # A wrong year or a name too long is named at its field; nothing is copied.
    wrong = client.post(url, {"fiscal_year": "20277", "name": "x" * 151}, follow=True).content.decode()
    assert "适用年度（留空为各年度）：" in wrong and "名称：" in wrong
    assert AppraisalTemplate.objects.filter(region=world.region).count() == 3


def test_a_refused_copy_shows_the_sheet_again_with_the_reason(world: World) -> None:
    """复制为本地评分表 with a year out of range: the sheet's page again with the reason, 400 (was a redirect)."""
    source = default_template()
    client = world.login("performance")
    refused = client.post(f"/appraisals/templates/{source.pk}/copy/", {"fiscal_year": "3000", "name": ""})
    assert refused.status_code == 400 and "适用年度（留空为各年度）" in refused.content.decode()
    assert source.name in refused.content.decode()
