"""Pages: list with filters, export (opened), decision form, batch accept, generation, rules, 四挂钩, scope."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.db import IntegrityError
from django.urls import reverse

from conftest import World
from jixiao.core.audit import AuditEvent
from jixiao.projects.tests.factories import ProjectFactory
from jixiao.results import services
from jixiao.results.models import ResultApplication, ResultApplicationRule
from jixiao.results.tests import helpers as h


def _two(world: World) -> tuple[ResultApplication, ResultApplication]:
    school = h.arranged(world.school_project)
    h.pay(school, "190000.00")
    h.self_eval(school, "差")
    hospital = h.arranged(world.hospital_project, "100000.00")
    h.pay(hospital, "90000.00")
    h.self_eval(hospital, "优")
    h.generate(world)
    return h.proposal(school), h.proposal(hospital)


def test_list_filters_by_action_and_scopes_to_the_viewer(world: World) -> None:
    school_app, hospital_app = _two(world)
    client = world.login("budget")
    page = client.get(reverse("results:list"), {"action": "CANCEL"}).content.decode()
    assert "一中教学设备购置" in page and "医院信息化建设" not in page
    page = client.get(reverse("results:list"), {"action": "PRIORITY"}).content.decode()
    assert "医院信息化建设" in page and "一中教学设备购置" not in page
    unit_page = world.login("unit_user").get(reverse("results:list")).content.decode()
    assert "一中教学设备购置" in unit_page and "医院信息化建设" not in unit_page
    assert world.login("other_unit_user").get(reverse("results:detail", args=[school_app.pk])).status_code == 404
    assert world.login("unit_user").get(reverse("results:detail", args=[hospital_app.pk])).status_code == 404
    assert world.login("expert").get(reverse("results:list")).status_code == 403


def test_export_has_the_budget_section_layout(world: World) -> None:
    _, hospital_app = _two(world)
    services.application_decide(
        actor=world.users["budget"], application=hospital_app, action="KEEP", reason="=HYPERLINK(1)"
    )
    response = world.login("budget").get(reverse("results:export"), {"fiscal_year": 2026})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "2026年度绩效评价结果应用建议（2027年预算）"
    assert list(rows[1]) == [
        "项目编码",
        "项目",
        "单位",
        "本年预算（万元）",
        "评价等级",
        "依据",
        "建议",
        "建议金额（万元）",
        "决定",
        "决定金额（万元）",
        "理由",
        "财政区划",
    ]
    by_code = {r[0]: r for r in rows[2:]}
    assert by_code["P-SCHOOL"][-1] == world.region.name
    assert by_code["P-SCHOOL"][1:9] == (
        "一中教学设备购置",
        "县第一中学",
        20,
        "单位自评：差",
        "单位自评等级为“差”",
        "取消",
        0,
        None,
    )
    assert by_code["P-HOSP"][4:10] == ("单位自评：优", "单位自评等级为“优”", "优先保障", 10, "保障", 10)
    assert by_code["P-HOSP"][10] == "=HYPERLINK(1)"  # a formula-looking reason stays text
    cell = next(c for c in sheet["K"] if c.value == "=HYPERLINK(1)")
    assert cell.data_type == "s"
    assert world.login("unit_user").get(reverse("results:export")).status_code == 403
    event = AuditEvent.objects.get(event_type="results.export")
    assert "2026" in event.reason
    # Every row, whatever the length: CSV streams; a list longer than a direct export becomes a job (not cut short).
    csv = world.login("budget").get(reverse("results:export"), {"fiscal_year": 2026, "format": "csv"})
    assert "P-HOSP" in b"".join(csv.streaming_content).decode("utf-8-sig")
    assert AuditEvent.objects.filter(event_type="results.export").count() == 2


def test_decision_form_requires_a_reason_when_changed(world: World) -> None:
    school_app, _ = _two(world)
    client = world.login("budget")
    url = reverse("results:detail", args=[school_app.pk])
    response = client.post(url, {"action": "KEEP", "amount_yuan": "", "reason": "", "version": school_app.version})
    assert response.status_code == 400 and "调整建议时须填写理由" in response.content.decode()
    school_app.refresh_from_db()
    assert school_app.status == "proposed"
    shown = school_app.version
    response = client.post(url, {"action": "KEEP", "amount_yuan": "18", "reason": "教育优先", "version": shown})
    assert response.status_code == 302
    school_app.refresh_from_db()
    assert school_app.decided_action == "KEEP" and school_app.decided_amount_yuan == Decimal("180000.00")
    # The same page posted again (the version it was shown with): a conflict, the typed reason kept, nothing saved.
    stale = client.post(url, {"action": "KEEP", "amount_yuan": "15", "reason": "旧页面的理由", "version": shown})
    body = stale.content.decode()
    assert stale.status_code == 409 and "该建议已被他人修改，请刷新后重试" in body and "旧页面的理由" in body
    school_app.refresh_from_db()
    assert school_app.decided_amount_yuan == Decimal("180000.00") and school_app.decision_reason == "教育优先"
    page = client.get(url).content.decode()
    assert "教育优先" in page and "结果应用：调整建议" in page and "results.change" not in page
    assert world.login("performance").post(url, {"action": "KEEP"}).status_code == 404


def test_batch_accept_and_generate_from_the_list(world: World) -> None:
    school_app, hospital_app = _two(world)
    client = world.login("budget")
    response = client.post(reverse("results:batch_accept"), {"ids": [school_app.pk, hospital_app.pk]})
    assert response.status_code == 302
    assert ResultApplication.objects.filter(status="decided").count() == 2
    response = world.login("performance").post(reverse("results:generate"), {"fiscal_year": 2026})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(event_type="results.generate").count() == 2
    assert world.login("unit_user").post(reverse("results:generate"), {"fiscal_year": 2026}).status_code == 403


def test_refused_generate_and_link_show_their_page_with_the_status(world: World) -> None:
    """A year typed wrong for 生成建议, or no project chosen to link: the page again with the reason and 400 (they
    redirected with a message); the pages' own forms still name their own addresses."""
    school_app, _ = _two(world)
    before = AuditEvent.objects.filter(event_type__startswith="results.").count()
    response = world.login("performance").post(reverse("results:generate"), {"fiscal_year": "20266"})
    page = response.content.decode()
    assert response.status_code == 400 and "请填写正确的评价年度" in page and 'value="20266"' in page
    assert f'<form method="get" action="{reverse("results:list")}"' in page
    response = world.login("budget").post(reverse("results:link", args=[school_app.pk]), {"project": "abc"})
    page = response.content.decode()
    assert response.status_code == 400 and "请选择同一单位下一年度的项目" in page
    detail = reverse("results:detail", args=[school_app.pk])
    assert f'<form method="post" action="{detail}" novalidate data-testid="results-decide-form">' in page
    assert AuditEvent.objects.filter(event_type__startswith="results.").count() == before


def test_rules_page_shows_the_missing_percentage_and_saves_a_county_row(world: World) -> None:
    client = world.login("performance")
    page = client.get(reverse("results:rules")).content.decode()
    assert "须本级设定" in page and "财预〔2020〕10号" in page
    response = client.post(
        reverse("results:rules"),
        {
            "code": "SELF_EVAL-中",
            "action": "REDUCE_PCT",
            "pct": "12.5",
            "enforce": "on",
            "is_active": "on",
            "priority": "13",
        },
    )
    assert response.status_code == 302
    row = ResultApplicationRule.objects.get(code="SELF_EVAL-中", region=world.region)
    assert row.pct == Decimal("12.50") and row.values == ["中"] and row.name.startswith("自评等级")
    assert AuditEvent.objects.filter(event_type="results.rule_save").exists()
    bad = client.post(reverse("results:rules"), {"code": "EXEC-LOW", "action": "REDUCE_UNSPENT", "priority": "60"})
    assert bad.status_code == 400 and "执行率规则须设定阈值" in bad.content.decode()
    assert world.login("budget").get(reverse("results:rules")).status_code == 403


def test_four_links_page(world: World) -> None:
    _two(world)
    page = world.login("leader").get(reverse("results:links"), {"fiscal_year": 2026}).content.decode()
    assert "县教育局" in page and "县卫健局" in page and "四挂钩" in page


@pytest.mark.parametrize("persona", ["unit_user", "budget"])
def test_next_year_project_page_shows_the_decision(world: World, persona: str) -> None:
    school_app, _ = _two(world)
    world.login("budget").post(reverse("results:batch_accept"), {"ids": [school_app.pk]})
    following = ProjectFactory(
        unit=world.school, code="P-SCHOOL", fiscal_year=2027, start_year=2027, end_year=2027, name="一中2027"
    )
    page = world.login(persona).get(reverse("projects:detail", args=[following.pk])).content.decode()
    assert "2026年度绩效结果应用决定" in page and "下年度不予安排" in page
    detail = world.login(persona).get(reverse("results:detail", args=[school_app.pk])).content.decode()
    assert "一中2027" in detail and "按相同单位和项目编码自动对应" in detail and "下年度不予安排" in detail


def test_only_the_budget_section_is_told_it_can_link_another_next_year_project(world: World) -> None:
    """The unit, the performance section and the oversight were told “也可在下方关联其他项目” with no form below."""
    school_app, _ = _two(world)
    url = reverse("results:detail", args=[school_app.pk])
    budget = world.login("budget").get(url).content.decode()
    assert "也可在下方关联其他项目" in budget and reverse("results:link", args=[school_app.pk]) in budget
    for persona in ("unit_user", "performance", "oversight"):
        page = world.login(persona).get(url).content.decode()
        assert "2027年度尚无对应项目" in page and "也可在下方关联其他项目" not in page, persona
        assert reverse("results:link", args=[school_app.pk]) not in page, persona


def test_list_page_query_count_does_not_grow_with_rows(world: World, django_assert_max_num_queries: Any) -> None:
    _two(world)
    for n in range(8):
        project = h.arranged(ProjectFactory(unit=world.school, code=f"P-MORE-{n}"), "100000.00")
        h.pay(project, "90000.00")
        h.self_eval(project, "良")
    h.generate(world)
    client = world.login("budget")
    with django_assert_max_num_queries(25):
        response = client.get(reverse("results:list"))
    assert response.status_code == 200 and response.content.decode().count("results/") > 10


def test_four_links_page_opens_on_the_latest_generated_year(world: World) -> None:
    """The current budget year is 2026, so the default evaluated year is 2025; the proposals are for 2026: the page
    opens on 2026, not on an empty 2025."""
    _two(world)
    page = world.login("leader").get(reverse("results:links")).content.decode()
    assert "2026年度评价结果 → 2027年预算" in page and "县教育局" in page
    assert "该年度尚无结果应用建议" not in page


def test_rules_page_shows_condition_values_in_chinese_and_takes_them_so(world: World) -> None:
    client = world.login("performance")
    page = client.get(reverse("results:rules")).content.decode()
    assert "预警颜色属于 红灯" in page and "结论属于 不予支持" in page and "结论属于 弄虚作假" in page
    for code in (">RED<", " RED<", "属于 RED", "属于 reject", "属于 FALSIFIED", ">reject<", ">FALSIFIED<"):
        assert code not in page, code
    data = {"code": "MON-RED", "values": "红灯、黄灯", "action": "TIGHT", "priority": "50"}
    assert client.post(reverse("results:rules"), data).status_code == 302
    row = ResultApplicationRule.objects.get(code="MON-RED", region=world.region)
    assert row.values == ["RED", "YELLOW"]
    bad = client.post(reverse("results:rules"), {**data, "values": "紫灯"})
    assert bad.status_code == 400 and "条件取值“紫灯”无法识别" in bad.content.decode()


def test_a_grade_no_evaluation_gives_is_refused_in_a_rule(world: World) -> None:
    """The rule form took any grade (很差, 优秀): the rule was saved and silently never matched a project."""
    client = world.login("performance")
    data = {"code": "SELF_EVAL-中", "values": "中、差", "action": "REDUCE_PCT", "pct": "10", "priority": "100"}
    assert client.post(reverse("results:rules"), data).status_code == 302
    assert ResultApplicationRule.objects.get(code="SELF_EVAL-中", region=world.region).values == ["中", "差"]
    bad = client.post(reverse("results:rules"), {**data, "values": "中、很差", "pct": "20"})
    assert bad.status_code == 400 and "条件取值“很差”无法识别，可填：优、良、中、差" in bad.content.decode()
    assert ResultApplicationRule.objects.get(code="SELF_EVAL-中", region=world.region).pct == Decimal("10")
    page = client.get(reverse("results:rules")).content.decode()
    assert "评价等级属于 中" in page


def test_a_percentage_on_an_action_that_reads_none_is_refused(world: World) -> None:
    """优先保障 saved with 30 showed “30” in the rules' 比例 column and no proposal ever read it."""
    client = world.login("performance")
    data = {
        "code": "SELF_EVAL-优",
        "values": "优",
        "action": "PRIORITY",
        "pct": "30",
        "priority": "10",
        "basis": "本县",
    }
    refused = client.post(reverse("results:rules"), data)
    assert refused.status_code == 400 and "“优先保障”不按比例计算，比例请留空" in refused.content.decode()
    assert 'value="本县"' in refused.content.decode()  # the typed form is shown again
    assert not ResultApplicationRule.objects.filter(code="SELF_EVAL-优", region=world.region).exists()
    assert client.post(reverse("results:rules"), {**data, "pct": ""}).status_code == 302
    recover = {"code": "IDLE-FUNDS", "action": "RECOVER", "pct": "80", "priority": "10"}
    assert client.post(reverse("results:rules"), recover).status_code == 302  # 收回统筹 takes a share


def test_the_history_names_the_person_beside_the_login(world: World) -> None:
    _, hospital_app = _two(world)
    budget = world.users["budget"]
    budget.display_name = "王会计"
    budget.save(update_fields=["display_name"])
    services.application_decide(actor=budget, application=hospital_app, action="KEEP", reason="保持")
    page = world.login("budget").get(reverse("results:detail", args=[hospital_app.pk])).content.decode()
    assert f"王会计（{budget.username}）" in page


def test_four_links_page_has_a_total_row_that_adds_up_the_departments(world: World) -> None:
    _, hospital_app = _two(world)
    services.application_decide(
        actor=world.users["budget"],
        application=hospital_app,
        action="KEEP",
        amount_yuan=Decimal("80000.00"),
        reason="压减",
    )
    response = world.login("leader").get(reverse("results:links"), {"fiscal_year": 2026})
    rows, totals = response.context["rows"], response.context["totals"]
    assert len(rows) == 2
    assert totals["projects"] == 2 == sum(r["projects"] for r in rows)
    assert totals["base_yuan"] == sum(r["base_yuan"] for r in rows)
    assert totals["proposed_change_yuan"] == sum(r["proposed_change_yuan"] for r in rows)
    assert totals["decided_change_yuan"] == Decimal("-20000.00")
    assert totals["counts"]["CANCEL"] == 1 and totals["counts"]["KEEP"] == 1
    page = response.content.decode()
    assert 'data-testid="links-total"' in page and "<td>合计</td>" in page
    assert '?fiscal_year=2026&amp;action=CANCEL">1</a>' in page  # the total drills down to the list for the year


def test_a_bad_filter_is_shown_at_its_field_and_the_others_still_filter(world: World) -> None:
    """A year typed wrong used to drop every filter silently: 应用方式 = 取消 listed every proposal, and so did the
    export."""
    _two(world)
    client = world.login("budget")
    page = client.get(reverse("results:list"), {"fiscal_year": "1999", "action": "CANCEL"}).content.decode()
    assert "一中教学设备购置" in page and "医院信息化建设" not in page
    assert 'data-testid="filter-error"' in page and 'value="1999"' in page
    export = client.get(reverse("results:export"), {"fiscal_year": "1999", "action": "CANCEL"})
    rows = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.iter_rows(min_row=3, values_only=True))
    assert [r[1] for r in rows if r[0]] == ["一中教学设备购置"]


def test_the_next_year_project_is_chosen_by_search_not_a_list(world: World) -> None:
    """下年项目关联 listed every project of the unit's budget year in a <select>; it is a search box over those
    projects now, another unit's project is refused at the box, and a linked project is shown by name."""
    school_app, _ = _two(world)
    renamed = ProjectFactory(unit=world.school, fiscal_year=2027, code="P-NEW", name="一中设备更新")
    foreign = ProjectFactory(unit=world.hospital, fiscal_year=2027, code="P-H27", name="医院2027")
    client = world.login("budget")
    url = reverse("results:detail", args=[school_app.pk])
    page = client.get(url).content.decode()
    assert '<select name="project"' not in page and "一中设备更新" not in page
    search = reverse("projects:autocomplete")
    assert f'data-jx-autocomplete="{search}?fiscal_year=2027&amp;unit={world.school.pk}"' in page
    link = reverse("results:link", args=[school_app.pk])
    assert client.post(link, {"project": foreign.pk}).status_code == 400
    assert client.post(link, {"project": renamed.pk}).status_code == 302
    school_app.refresh_from_db()
    assert school_app.next_year_project == renamed
    page = client.get(url).content.decode()
    assert f'name="project" value="{renamed.pk}"' in page and f'value="{renamed}"' in page
    found = client.get(search, {"q": "2027", "fiscal_year": 2027, "unit": world.school.pk}).json()["results"]
    assert found == []  # 医院2027 is another unit's project
    found = client.get(search, {"q": "P-", "fiscal_year": 2027, "unit": world.school.pk}).json()["results"]
    assert [row["id"] for row in found] == [renamed.pk]


def test_a_printed_list_leaves_out_its_generate_and_search_forms(world: World) -> None:
    """The 绩效股's printed 结果应用建议 carried the 评价年度 box of 按规则生成 (its button left out) and five empty
    查询 boxes, and the 四挂钩 sheet its year box: those forms are no-print; the table's form still prints."""
    _two(world)
    client = world.login("performance")
    page = client.get(reverse("results:list")).content.decode()
    tags = [tag.split(">", 1)[0] for tag in page.split("<form")[1:]]
    generate = [tag for tag in tags if 'data-testid="results-generate"' in tag]
    search = [tag for tag in tags if 'method="get"' in tag]
    table = [tag for tag in tags if "batch_accept" in tag or "/results/accept/" in tag]
    assert generate and "no-print" in generate[0] and search and "no-print" in search[0]
    assert table and "no-print" not in table[0]
    links = client.get(reverse("results:links")).content.decode()
    years = [tag.split(">", 1)[0] for tag in links.split("<form")[1:] if 'method="get"' in tag.split(">", 1)[0]]
    assert years and all("no-print" in tag for tag in years)


def test_a_printed_list_keeps_the_decision_on_one_line(world: World) -> None:
    """Printed on A4 the narrow 决定 column broke 待决定 into 待/决/定, one character a line, on every row."""
    _two(world)
    page = world.login("performance").get(reverse("results:list")).content.decode()
    cells = [
        cell.split(">", 1)[0]
        for cell in page.split("<td")[1:]
        if 'data-testid="results-decision"' in cell.split(">", 1)[0]
    ]
    assert len(cells) == 2 and all("text-nowrap" in cell for cell in cells)


def test_a_rule_saved_meanwhile_by_another_press_is_a_409_not_a_500(world: World, monkeypatch: Any) -> None:
    """Two presses of 保存 creating the region's row for one code and year: the second insert broke the unique key
    (code, region, year), a 500. It is now a 409 with the reason, the first row kept as saved."""
    client = world.login("performance")
    data = {"code": "MON-RED", "fiscal_year": "2026", "values": "红灯", "action": "TIGHT", "priority": "50"}
    assert client.post(reverse("results:rules"), data).status_code == 302
    # The second press read "no row yet" before the first committed; its insert breaks the key (on PostgreSQL: SQLite
    # cannot build a unique constraint with nulls_distinct, so the database's refusal is simulated here).
    monkeypatch.setattr(ResultApplicationRule.objects, "select_for_update", ResultApplicationRule.objects.none)

    def duplicate(*args: Any, **kwargs: Any) -> None:
        raise IntegrityError('duplicate key value violates unique constraint "uniq_result_rule_code"')

    monkeypatch.setattr(ResultApplicationRule, "save", duplicate)
    second = client.post(reverse("results:rules"), {**data, "action": "STRICT"})
    assert second.status_code == 409 and "该规则刚刚已由他人保存" in second.content.decode()
    row = ResultApplicationRule.objects.get(code="MON-RED", region=world.region, fiscal_year=2026)
    assert row.action == "TIGHT"


def test_batch_accept_from_a_stale_list_accepts_nothing_and_is_a_409(world: World) -> None:
    """采纳所选建议 decided whatever the proposals were by then: a proposal regenerated since the list was shown (取消
    instead of the 压缩 on the page) was accepted unseen. The list posts each ticked row's version; a changed one
    refuses the whole batch with a 409, nothing decided."""
    school_app, hospital_app = _two(world)
    client = world.login("budget")
    page = client.get(reverse("results:list")).content.decode()
    shown = {a.pk: a.version for a in (school_app, hospital_app)}
    for pk, version in shown.items():
        assert f'name="version_{pk}" value="{version}"' in page
    post = {"ids": list(shown), **{f"version_{pk}": str(v) for pk, v in shown.items()}}
    # Regenerated meanwhile with another proposal.
    ResultApplication.objects.filter(pk=school_app.pk).update(proposed_action="CANCEL", version=school_app.version + 1)
    stale = client.post(reverse("results:batch_accept"), post)
    assert stale.status_code == 409 and "一中教学设备购置的建议已被他人修改或重新生成" in stale.content.decode()
    assert not ResultApplication.objects.filter(status="decided").exists()
    post[f"version_{school_app.pk}"] = str(school_app.version + 1)
    assert client.post(reverse("results:batch_accept"), post).status_code == 302
    assert ResultApplication.objects.filter(status="decided").count() == 2


def test_a_link_saved_from_a_stale_page_is_a_409_and_changes_nothing(world: World) -> None:
    """保存关联 carried no version: a page opened before a colleague relinked (or decided) the proposal overwrote the
    link silently. The form posts the proposal's version; a changed one is a 409, the link as the colleague left it."""
    school_app, _ = _two(world)
    client = world.login("budget")
    page = client.get(reverse("results:detail", args=[school_app.pk])).content.decode()
    assert f'name="version" value="{school_app.version}"' in page
    other = ProjectFactory(unit=world.school, fiscal_year=2027, code="P-NEXT-2", name="一中下年新项目")
    services.application_link(actor=world.users["budget"], application=school_app, project=None)  # a colleague
    stale = client.post(
        reverse("results:link", args=[school_app.pk]), {"project": other.pk, "version": school_app.version}
    )
    assert stale.status_code == 409 and "该建议已被他人修改" in stale.content.decode()
    assert ResultApplication.objects.get(pk=school_app.pk).next_year_project_id is None


def test_a_rule_saved_from_a_page_shown_before_a_colleagues_save_is_a_409(world: World) -> None:
    """Two 绩效股 users open 结果应用规则; one saves MON-RED as 从紧安排, the other, from the page shown before, as
    从严安排: the second save used to overwrite the first unseen. The page carries a token of the region's own
    rows; the stale save is a 409, the first row stays, and the page then shows a fresh token (a second press saves
    on purpose)."""
    first, second = world.login("performance"), world.login("performance")
    shown = second.get(reverse("results:rules")).content.decode()
    token = shown.split('name="lock_token" value="', 1)[1].split('"', 1)[0]
    data = {"code": "MON-RED", "fiscal_year": "2026", "values": "红灯", "priority": "50"}
    page = first.get(reverse("results:rules")).content.decode()
    first_token = page.split('name="lock_token" value="', 1)[1].split('"', 1)[0]
    assert (
        first.post(reverse("results:rules"), {**data, "action": "TIGHT", "lock_token": first_token}).status_code == 302
    )
    stale = second.post(reverse("results:rules"), {**data, "action": "STRICT", "lock_token": token})
    body = stale.content.decode()
    assert stale.status_code == 409 and "已被他人修改" in body
    row = ResultApplicationRule.objects.get(code="MON-RED", region=world.region, fiscal_year=2026)
    assert row.action == "TIGHT"
    fresh = body.split('name="lock_token" value="', 1)[1].split('"', 1)[0]
    assert fresh != token
    again = second.post(reverse("results:rules"), {**data, "action": "STRICT", "lock_token": fresh})
    assert again.status_code == 302
    row.refresh_from_db()
    assert row.action == "STRICT"
