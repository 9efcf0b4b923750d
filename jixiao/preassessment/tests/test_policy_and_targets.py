"""Policy assessments (policy wording, policy scoring template) and the project's draft 绩效目标 in the filing."""

from __future__ import annotations

import datetime
import io

import docx
from django.utils import timezone

from conftest import World
from jixiao.preassessment import panels, selectors, services
from jixiao.preassessment.documents import assessment_report_docx
from jixiao.preassessment.models import PreAssessment
from jixiao.preassessment.tests.factories import PreAssessmentFactory
from jixiao.preassessment.tests.test_services import SECTIONS
from jixiao.projects.tests.factories import ProjectFactory
from jixiao.targets import services as target_services
from jixiao.targets.tests.test_exchange import _rows

POLICY_LABELS = ["政策基本情况", "政策必要性/出台依据", "政策目标合理性", "政策实施方案可行性", "资金投入经济性"]


def _texts(content: bytes) -> list[str]:
    document = docx.Document(io.BytesIO(content))
    texts = [p.text for p in document.paragraphs]
    return texts + [cell.text for table in document.tables for row in table.rows for cell in row.cells]


def _policy_project(world: World) -> object:
    return ProjectFactory(unit=world.school, is_policy=True, code="P-POLICY", name="学前教育补助政策")


def test_a_policy_project_is_assessed_as_a_policy_whatever_the_filer_chose(world: World) -> None:
    unit = world.users["unit_user"]
    project = _policy_project(world)
    pa = services.preassessment_create(actor=unit, project=project, data={**SECTIONS, "kind": "project"})
    assert pa.kind == PreAssessment.Kind.POLICY
    pa = services.preassessment_update(actor=unit, assessment=pa, data={"kind": "project", "necessity": "依据文件"})
    assert pa.kind == PreAssessment.Kind.POLICY and pa.necessity == "依据文件"
    # Any other project may be filed as a policy by choice.
    chosen = services.preassessment_create(
        actor=unit, project=world.school_project, data={**SECTIONS, "kind": "policy"}
    )
    assert chosen.kind == PreAssessment.Kind.POLICY


def test_missing_policy_sections_are_named_in_policy_wording(world: World) -> None:
    unit = world.users["unit_user"]
    pa = services.preassessment_create(actor=unit, project=_policy_project(world), data={})
    try:
        services.preassessment_transition(actor=unit, assessment=pa, action="submit")
    except services.DomainError as exc:
        assert "政策必要性/出台依据" in exc.message and "立项必要性" not in exc.message
    else:  # pragma: no cover - the submit must fail
        raise AssertionError("an empty policy filing was submitted")


def test_policy_form_detail_page_and_report_use_policy_labels(world: World) -> None:
    project = _policy_project(world)
    client = world.login("unit_user")
    form = client.get(f"/preassessment/new/?project={project.pk}").content.decode()
    for label in POLICY_LABELS:
        assert label in form
    pa = services.preassessment_create(actor=world.users["unit_user"], project=project, data=SECTIONS)
    page = client.get(f"/preassessment/{pa.pk}/").content.decode()
    assert "政策事前评估报告" in page and all(label in page for label in POLICY_LABELS)
    assert "立项必要性" not in page
    edit = client.get(f"/preassessment/{pa.pk}/edit/").content.decode()
    assert "政策必要性/出台依据" in edit
    texts = _texts(assessment_report_docx(pa))
    assert texts[0] == "政策事前绩效评估报告"
    assert "一、政策基本情况" in texts and "（一）政策必要性/出台依据" in texts and "（二）资金投入经济性" in texts
    assert "五、其他" in texts
    # A project assessment keeps the project wording.
    project_report = _texts(assessment_report_docx(PreAssessmentFactory(project=world.school_project)))
    assert "（一）立项必要性" in project_report and "一、评估对象基本情况" in project_report


def test_a_policy_panel_scores_on_the_policy_template(world: World) -> None:
    pa = PreAssessmentFactory(project=_policy_project(world), kind="policy", fin_review=True)
    from jixiao.experts.tests.factories import ExpertFactory

    for _ in range(3):
        ExpertFactory(region=world.region, field="教育")
    deadline = timezone.localdate() + datetime.timedelta(days=3)
    members = panels.panel_create(
        actor=world.users["performance"], assessment=pa, field="教育", size=3, deadline=deadline
    )
    assert {m.template.kind for m in members} == {"policy"}
    assert "政策" in panels.template_tree(members[0].template)[0].item.name


# ---- draft targets ---------------------------------------------------------------------------------------------


def _target(world: World) -> object:
    unit = world.users["unit_user"]
    created = target_services.target_create_for_project(actor=unit, project=world.school_project)
    return target_services.target_save_indicators(actor=unit, target=created, rows=_rows(created))


def test_without_a_target_the_pages_link_to_filing_one(world: World) -> None:
    pa = PreAssessmentFactory(project=world.school_project)
    assert selectors.draft_target(pa).target is None
    page = world.login("unit_user").get(f"/preassessment/{pa.pk}/").content.decode()
    assert "该项目尚未填报绩效目标" in page and "为项目填报绩效目标" in page
    texts = _texts(assessment_report_docx(pa, selectors.draft_target(pa)))
    assert "申报单位尚未填报该项目的绩效目标。" in texts


def test_the_draft_target_shows_on_the_detail_page_the_score_sheet_and_the_report(world: World) -> None:
    target = _target(world)
    pa = PreAssessmentFactory(project=world.school_project, fin_review=True)
    draft = selectors.draft_target(pa)
    assert draft.target == target and draft.indicators
    first = draft.indicators[0].name
    page = world.login("performance").get(f"/preassessment/{pa.pk}/").content.decode()
    assert "项目绩效目标（草案）" in page and first in page and "为项目填报绩效目标" not in page
    report = world.login("performance").get(f"/preassessment/{pa.pk}/documents/report/")
    texts = _texts(report.content)
    assert "绩效目标（草案）" in texts and first in texts and "三级指标" in texts
    # The expert reviewing the assessment sees the targets on the score sheet, without access to the targets app.
    from jixiao.experts.tests.factories import ExpertFactory

    ExpertFactory(region=world.region, field="教育", user=world.users["expert"])
    deadline = timezone.localdate() + datetime.timedelta(days=3)
    (member,) = panels.panel_create(
        actor=world.users["performance"], assessment=pa, field="教育", size=1, deadline=deadline
    )
    sheet = world.login("expert").get(f"/preassessment/reviews/{member.pk}/").content.decode()
    assert "项目绩效目标（草案）" in sheet and first in sheet


def test_a_filing_saved_from_a_stale_page_is_refused_and_nothing_changes(world: World) -> None:
    pa = services.preassessment_create(actor=world.users["unit_user"], project=world.school_project, data=SECTIONS)
    client = world.login("unit_user")
    page = client.get(f"/preassessment/{pa.pk}/edit/").content.decode()
    assert 'name="expected_version"' in page
    services.preassessment_update(actor=world.users["unit_user"], assessment=pa, data={**SECTIONS, "other": "新版"})
    stale = {**SECTIONS, "kind": pa.kind, "other": "旧页面", "expected_version": pa.version}
    response = client.post(f"/preassessment/{pa.pk}/edit/", stale)
    body = response.content.decode()
    assert response.status_code == 409 and "已被他人修改" in body and "旧页面" in body
    pa.refresh_from_db()
    assert pa.other == "新版"


def test_the_report_tables_are_written_in_the_reports_own_style(world: World) -> None:
    """The 基本情况 label table (no head) and the draft target's indicator table take the report's text style
    (仿宋_GB2312 14pt, as typed in Word); the indicator table's head repeats on every page."""
    from jixiao.core.tests.helpers import cell_look, head_repeats, tables_kept_whole

    _target(world)
    pa = PreAssessmentFactory(project=world.school_project, fin_review=True)
    draft = selectors.draft_target(pa)
    word = docx.Document(io.BytesIO(assessment_report_docx(pa, draft)))
    basics, indicators = word.tables
    assert [cell_look(c) for c in basics.rows[0].cells] == [
        ("项目名称", None, None, False),
        (world.school_project.name, None, None, False),
    ]
    assert not head_repeats(basics) and head_repeats(indicators) and tables_kept_whole(word)
    assert [cell_look(c) for c in indicators.rows[0].cells][:3] == [
        ("一级指标", None, None, True),
        ("二级指标", None, None, True),
        ("三级指标", None, None, True),
    ]
    first = draft.indicators[0]
    assert cell_look(indicators.rows[1].cells[2]) == (first.name, None, None, False)
