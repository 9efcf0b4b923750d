"""重点绩效评价: shipped templates and their check, copy-on-write editing, the workflow with documents and scorers,
scoping (404 for others), the multi-scorer mean, the Word report and the statistics."""

from __future__ import annotations

import io
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import lxml.html
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from docx import Document

from conftest import PERSONAS, World
from jixiao.core.errors import DomainError, NotFoundError
from jixiao.core.models import AuditEvent
from jixiao.core.tests.helpers import cell_look, head_repeats, tables_kept_whole
from jixiao.experts.models import PanelDraw
from jixiao.experts.tests.factories import ExpertFactory
from jixiao.keyeval import documents, selectors, services
from jixiao.keyeval.checks import build_tree, check_tree, grade_for, leaves, mean
from jixiao.keyeval.models import EvalTemplate, KeyEvalDocument, KeyEvalScore, KeyEvaluation

PDF = b"%PDF-1.4\n%keyeval\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _national(kind: str) -> EvalTemplate:
    return EvalTemplate.objects.get(kind=kind, region__isnull=True, fiscal_year__isnull=True)


def _pdf(name: str = "文件.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _payload(world: World) -> dict[str, Any]:
    return {
        "fiscal_year": 2026,
        "title": "一中教学设备购置",
        "kind": KeyEvaluation.Kind.FINANCE,
        "object_type": KeyEvaluation.ObjectType.PROJECT,
        "budget_book": KeyEvaluation.BudgetBook.GENERAL,
        "mode": KeyEvaluation.Mode.SELF_RUN,
        "template": _national(EvalTemplate.Kind.PROJECT_10),
        "methods": "社会调查、实地核查",
        "basic_situation": "项目用于购置教学设备。",
    }


def _create(world: World, **data: Any) -> KeyEvaluation:
    payload = {**_payload(world), **data}
    return services.evaluation_create(actor=world.users["performance"], data=payload, projects=[world.school_project])


def _scores(ev: KeyEvaluation, factor: Decimal) -> dict[int, Decimal]:
    """Every leaf scored at `factor` of its weight."""
    return {leaf.row.pk: (leaf.row.weight * factor).quantize(Decimal("0.01")) for leaf in selectors.all_leaves(ev)}


def _to_fieldwork(world: World, ev: KeyEvaluation) -> KeyEvaluation:
    perf = world.users["performance"]
    services.document_add(actor=perf, evaluation=ev, kind=KeyEvalDocument.Kind.NOTICE, upload=_pdf("通知.pdf"))
    ev = services.evaluation_transition(actor=perf, evaluation=ev, action="notify")
    services.document_add(actor=perf, evaluation=ev, kind=KeyEvalDocument.Kind.WORK_PLAN, upload=_pdf("方案.pdf"))
    ev = services.evaluation_transition(actor=perf, evaluation=ev, action="approve_plan")
    return services.evaluation_transition(actor=perf, evaluation=ev, action="start_fieldwork")


# ---- templates ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", EvalTemplate.Kind.values)
def test_shipped_templates_pass_their_check(kind: str) -> None:
    template = _national(kind)
    roots = build_tree(template.nodes.all())
    check_tree(kind, roots)  # raises on any inconsistency
    assert sum(r.row.weight for r in roots) == 100


@pytest.mark.django_db
def test_project_template_has_the_10hao_framework_and_default_weights() -> None:
    roots = build_tree(_national(EvalTemplate.Kind.PROJECT_10).nodes.all())
    assert [(r.row.name, r.row.weight) for r in roots] == [("决策", 15), ("过程", 15), ("产出", 35), ("效益", 35)]
    names = {leaf.row.name for leaf in leaves(roots)}
    assert {"立项依据充分性", "资金到位率", "预算执行率", "实际完成率", "成本节约率", "服务对象满意度"} <= names
    dept_c = build_tree(_national(EvalTemplate.Kind.DEPT_OVERALL_C).nodes.all())
    assert [(r.row.name, r.row.weight) for r in dept_c] == [("部门决策", 25), ("综合管理", 30), ("部门绩效情况", 45)]


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        ("100", "excellent"),
        ("90", "excellent"),
        ("89.99", "good"),
        ("80", "good"),
        ("79.99", "fair"),
        ("60", "fair"),
        ("59.99", "poor"),
        ("0", "poor"),
    ],
)
def test_grade_bands(score: str, grade: str) -> None:
    assert grade_for(Decimal(score)) == grade


def test_mean_rounds_half_up() -> None:
    assert mean([Decimal("80"), Decimal("85.01")]) == Decimal("82.51")  # 82.505 → 82.51
    assert mean([]) is None


def test_template_check_rejects_output_benefit_below_60_and_unbalanced_children(world: World) -> None:
    perf = world.users["performance"]
    template = _national(EvalTemplate.Kind.PROJECT_10)
    nodes = {n.name: n for n in template.nodes.all()}
    # 决策 30 / 过程 15 / 产出 30 / 效益 25: sums to 100 but 产出+效益 = 55; children of 决策 no longer add up.
    weights = {nodes["决策"].pk: Decimal(30), nodes["产出"].pk: Decimal(30), nodes["效益"].pk: Decimal(25)}
    with pytest.raises(DomainError, match="下级指标分值合计"):
        services.template_update(actor=perf, template=template, weights=weights)
    shares = [("D", "决策", 25), ("P", "过程", 20), ("O", "产出", 30), ("B", "效益", 25)]
    flat = [
        SimpleNamespace(pk=i, parent_id=None, code=code, name=name, weight=Decimal(w))
        for i, (code, name, w) in enumerate(shares, start=1)
    ]
    with pytest.raises(DomainError, match="不得低于60分"):
        check_tree(EvalTemplate.Kind.PROJECT_10, build_tree(flat))
    check_tree(EvalTemplate.Kind.DEPT_OVERALL_A, build_tree(flat))  # the 60% rule is for project frameworks
    # Renamed, 产出 and 效益 are still known by their codes; a node merely named 产出 does not count.
    flat[2].name, flat[0].name = "产出指标", "产出"
    with pytest.raises(DomainError, match="不得低于60分"):
        check_tree(EvalTemplate.Kind.PROJECT_10, build_tree(flat))
    flat[2].name, flat[0].name = "产出", "决策"
    flat[0].weight = Decimal(26)
    with pytest.raises(DomainError, match="合计为101分"):
        check_tree(EvalTemplate.Kind.DEPT_OVERALL_A, build_tree(flat))
    # Weights are stored to 0.01: 24.995 + 20.005 adds up here but would be saved as 25.00 + 20.00 (half-even).
    flat[0].weight, flat[1].weight = Decimal("24.995"), Decimal("20.005")
    with pytest.raises(DomainError, match="“决策”的分值最多保留两位小数"):
        check_tree(EvalTemplate.Kind.DEPT_OVERALL_A, build_tree(flat))
    flat[0].weight = Decimal("1E+26")
    with pytest.raises(DomainError, match="不能超过100分"):
        check_tree(EvalTemplate.Kind.DEPT_OVERALL_A, build_tree(flat))
    assert EvalTemplate.objects.count() == 3  # nothing half-written


def test_editing_a_national_template_copies_it_for_the_region_and_year(world: World) -> None:
    perf = world.users["performance"]
    template = _national(EvalTemplate.Kind.PROJECT_10)
    nodes = {n.name: n for n in template.nodes.all()}
    # Move 2 points from 决策/项目立项/立项程序规范性 to 效益/项目效益/社会效益 (决策 13, 效益 37).
    weights = {
        nodes["决策"].pk: Decimal(13),
        nodes["项目立项"].pk: Decimal(3),
        nodes["立项程序规范性"].pk: Decimal(0),
        nodes["效益"].pk: Decimal(37),
        nodes["项目效益"].pk: Decimal(37),
        nodes["社会效益"].pk: Decimal(9),
    }
    copy = services.template_update(actor=perf, template=template, weights=weights, fiscal_year=2026)
    assert copy.pk != template.pk and copy.region == world.region and copy.fiscal_year == 2026
    assert copy.nodes.get(code="B").weight == 37 and template.nodes.get(code="B").weight == 35
    assert selectors.template_for(world.region, 2026, EvalTemplate.Kind.PROJECT_10) == copy
    assert selectors.template_for(world.region, 2027, EvalTemplate.Kind.PROJECT_10) == template
    assert AuditEvent.objects.filter(event_type="keyeval.template_update").count() == 1
    page = world.login("performance").get(f"/keyeval/templates/{copy.pk}/")
    assert page.status_code == 200 and "社会效益" in page.content.decode()
    assert world.login("unit_user").get("/keyeval/templates/").status_code == 403


def test_a_template_an_evaluation_uses_gets_a_new_version_instead_of_changing(world: World) -> None:
    perf = world.users["performance"]
    national = _national(EvalTemplate.Kind.PROJECT_10)
    own = services.template_update(actor=perf, template=national, weights={}, fiscal_year=2026)
    ev = _create(world, template=own)
    nodes = {n.name: n for n in own.nodes.all()}
    weights = {nodes["决策"].pk: Decimal(13), nodes["项目立项"].pk: Decimal(3), nodes["立项程序规范性"].pk: Decimal(0)}
    weights |= {nodes["效益"].pk: Decimal(37), nodes["项目效益"].pk: Decimal(37), nodes["社会效益"].pk: Decimal(9)}
    saved = services.template_update(actor=perf, template=own, weights=weights, fiscal_year=2026)
    own.refresh_from_db()
    ev.refresh_from_db()
    assert saved.pk != own.pk and saved.is_active and not own.is_active and saved.name == own.name
    assert own.nodes.get(code="B").weight == 35 and saved.nodes.get(code="B").weight == 37
    assert ev.template_id == own.pk  # the evaluation keeps the nodes it is scored against
    assert selectors.template_for(world.region, 2026, EvalTemplate.Kind.PROJECT_10) == saved
    again = services.template_update(actor=perf, template=saved, weights={}, fiscal_year=2026)
    assert again.pk == saved.pk  # not used yet: edited in place


# ---- workflow, scoping, scoring ----------------------------------------------------------------------------------


def test_full_workflow_with_two_scorers_mean_and_feedback(world: World) -> None:
    perf = world.users["performance"]
    expert_user = world.users["expert"]
    ExpertFactory(region=world.region, user=expert_user, field="教育")
    ev = _create(world)
    assert ev.department == world.edu and ev.amount_yuan == world.school_project.fiscal_amount_yuan
    # Before any document: the notice is required.
    with pytest.raises(DomainError, match="评价通知"):
        services.evaluation_transition(actor=perf, evaluation=ev, action="notify")
    ev.refresh_from_db()
    assert ev.status == "planned"
    ev = _to_fieldwork(world, ev)
    services.scorer_add_staff(actor=perf, evaluation=ev, user=world.users["budget"])
    drawn = services.scorers_draw_experts(actor=perf, evaluation=ev, field="教育", size=1, seed=7)
    assert [s.user for s in drawn] == [expert_user]
    # The 流转记录 names the drawn experts once after the action (not "抽取评审专家：抽取专家：…").
    timeline = world.login("performance").get(f"/keyeval/{ev.pk}/").content.decode()
    assert f"抽取评审专家：{drawn[0].expert.name}" in timeline and "抽取专家：" not in timeline
    # The scorer list names an expert whose login carries the expert's own name once (not “钱淑芬（钱淑芬）”);
    # a login under another name keeps the expert's name beside it.
    expert_user.display_name = drawn[0].expert.name
    expert_user.save(update_fields=["display_name"])
    scorers = world.login("performance").get(f"/keyeval/{ev.pk}/").content.decode().split('data-testid="scorers"')[1]
    name = drawn[0].expert.name
    assert f"评审专家 · {name} ·" in scorers and f"{name}（{name}）" not in scorers
    expert_user.display_name = "专家账号"
    expert_user.save(update_fields=["display_name"])
    scorers = world.login("performance").get(f"/keyeval/{ev.pk}/").content.decode().split('data-testid="scorers"')[1]
    assert f"评审专家 · 专家账号（{name}） ·" in scorers
    # Not yet scored: no conclusion possible.
    with pytest.raises(DomainError, match="没有评分人提交评分"):
        services.evaluation_transition(actor=perf, evaluation=ev, action="draft_report")
    evidence = dict.fromkeys(_scores(ev, Decimal(1)), "现场核查记录")
    services.score_submit(
        actor=world.users["budget"], evaluation=ev, scores=_scores(ev, Decimal("0.9")), evidence=evidence
    )
    services.score_submit(actor=expert_user, evaluation=ev, scores=_scores(ev, Decimal("0.8")), evidence=evidence)
    summary = selectors.score_summary(ev)
    totals = sorted(s.total for s in summary.submitted)
    assert summary.total == mean(totals)
    assert Decimal(79) <= summary.total <= Decimal(86)
    ev = services.evaluation_transition(actor=perf, evaluation=ev, action="draft_report")
    assert ev.total_score == summary.total and ev.grade == grade_for(summary.total)
    services.document_add(actor=perf, evaluation=ev, kind=KeyEvalDocument.Kind.DRAFT_REPORT, upload=_pdf("初稿.pdf"))
    ev = services.evaluation_transition(actor=perf, evaluation=ev, action="request_feedback")
    # The other unit cannot even see it; the evaluated unit answers with an opinion.
    with pytest.raises(NotFoundError):
        services.evaluation_transition(
            actor=world.users["other_unit_user"], evaluation=ev, action="respond", comment="x"
        )
    with pytest.raises(DomainError, match="请填写意见"):
        services.evaluation_transition(actor=world.users["unit_user"], evaluation=ev, action="respond")
    ev = services.evaluation_transition(
        actor=world.users["unit_user"], evaluation=ev, action="respond", comment="对评价结论无异议，将按建议整改。"
    )
    assert ev.status == "final_report" and "无异议" in ev.feedback_opinion
    services.document_add(actor=perf, evaluation=ev, kind=KeyEvalDocument.Kind.FINAL_REPORT, upload=_pdf("定稿.pdf"))
    ev = services.evaluation_transition(actor=perf, evaluation=ev, action="issue")
    assert ev.status == "issued" and ev.issued_at is not None
    actions = list(ev.events.order_by("occurred_at", "id").values_list("action", flat=True))
    assert actions[:4] == ["create", "notify", "approve_plan", "start_fieldwork"] and actions[-1] == "issue"
    assert AuditEvent.objects.filter(event_type="keyeval.issue", object_id=str(ev.pk)).exists()
    assert AuditEvent.objects.filter(event_type="keyeval.score_submit").count() == 2
    page = world.login("performance").get(f"/keyeval/{ev.pk}/").content.decode()
    assert f'data-testid="summary-total">{ev.total_score}<' in page and "无异议" in page
    unit_page = world.login("unit_user").get(f"/keyeval/{ev.pk}/")
    assert unit_page.status_code == 200 and "结果已下达" in unit_page.content.decode()
    # Upload after issue is refused.
    with pytest.raises(DomainError):
        services.document_add(actor=perf, evaluation=ev, kind=KeyEvalDocument.Kind.OTHER, upload=_pdf())


def test_scope_404_for_others_and_scorers_see_only_their_assignments(world: World) -> None:
    ev = _create(world)
    assert world.login("performance").get(f"/keyeval/{ev.pk}/").status_code == 200
    assert world.login("unit_user").get(f"/keyeval/{ev.pk}/").status_code == 200
    assert world.login("dept_admin").get(f"/keyeval/{ev.pk}/").status_code == 200
    assert world.login("other_unit_user").get(f"/keyeval/{ev.pk}/").status_code == 404
    assert world.login("expert").get(f"/keyeval/{ev.pk}/").status_code == 404
    assert world.login("agency").get(f"/keyeval/{ev.pk}/").status_code == 404
    # A business user of another section does not see it; the 对口 section does.
    assert world.login("business").get(f"/keyeval/{ev.pk}/").status_code == 200
    ev = _to_fieldwork(world, ev)
    services.scorer_add_staff(actor=world.users["performance"], evaluation=ev, user=world.users["budget"])
    assert world.login("budget").get(f"/keyeval/{ev.pk}/score/").status_code == 200
    assert world.login("business").get(f"/keyeval/{ev.pk}/score/").status_code == 404  # sees it, not assigned
    with pytest.raises(Http404):
        services.score_submit(actor=world.users["business"], evaluation=ev, scores=_scores(ev, Decimal(1)), evidence={})
    listing = world.login("other_unit_user").get("/keyeval/").content.decode()
    assert ev.title not in listing


def test_agency_scorers_through_the_engagement(world: World) -> None:
    from jixiao.experts.models import Agency, Engagement

    agency = Agency.objects.create(region=world.region, name="明信咨询", credit_code="91511700MA62D4L83R")
    agency.users.set([world.users["agency"]])
    engagement = Engagement.objects.create(
        region=world.region, agency=agency, scope="key_evaluation", fiscal_year=2026, title="重点评价委托"
    )
    with pytest.raises(DomainError, match="须关联一项第三方委托"):
        _create(world, mode=KeyEvaluation.Mode.THIRD_PARTY)
    assert KeyEvaluation.objects.count() == 0  # nothing half-written
    ev = _create(world, mode=KeyEvaluation.Mode.THIRD_PARTY, engagement=engagement)
    client = world.login("agency")
    assert client.get(f"/keyeval/{ev.pk}/").status_code == 200  # its agency's evaluation
    ev = _to_fieldwork(world, ev)
    created = services.scorers_from_engagement(actor=world.users["performance"], evaluation=ev)
    assert [s.user for s in created] == [world.users["agency"]]
    post = {f"score_{pk}": str(v) for pk, v in _scores(ev, Decimal(1)).items()}
    response = client.post(f"/keyeval/{ev.pk}/score/", post)
    assert response.status_code == 302
    assert selectors.score_summary(ev).total == Decimal("100.00")


def test_another_agency_removes_the_old_agencys_scorers_until_they_scored(world: World) -> None:
    from jixiao.core.errors import ConflictError
    from jixiao.experts.models import Agency, Engagement

    def engagement(name: str, code: str) -> Engagement:
        agency = Agency.objects.create(region=world.region, name=name, credit_code=code)
        return Engagement.objects.create(
            region=world.region, agency=agency, scope="key_evaluation", fiscal_year=2026, title=f"{name}委托"
        )

    first, second = engagement("明信咨询", "91511700MA62D4L83R"), engagement("华信评估", "91511700MA62D4L84R")
    first.agency.users.set([world.users["agency"]])
    perf = world.users["performance"]
    ev = _to_fieldwork(world, _create(world, mode=KeyEvaluation.Mode.THIRD_PARTY, engagement=first))
    services.scorers_from_engagement(actor=perf, evaluation=ev)
    ev = services.evaluation_update(actor=perf, evaluation=ev, data={"engagement": second})
    assert not ev.scorers.exists() and ev.events.filter(action="scorer_remove").exists()
    assert world.login("agency").get(f"/keyeval/{ev.pk}/").status_code == 404  # no longer the old agency's
    # Once the agency has scored, the agency is not changed under its scores.
    ev = services.evaluation_update(actor=perf, evaluation=ev, data={"engagement": first})
    services.scorers_from_engagement(actor=perf, evaluation=ev)
    post = {f"score_{pk}": str(v) for pk, v in _scores(ev, Decimal(1)).items()}
    assert world.login("agency").post(f"/keyeval/{ev.pk}/score/", post).status_code == 302
    with pytest.raises(ConflictError, match="已提交评分，不能更改委托机构"):
        services.evaluation_update(actor=perf, evaluation=ev, data={"engagement": second})
    assert ev.scorers.count() == 1


def test_a_section_assigned_to_score_another_sections_evaluation_can_open_it(world: World) -> None:
    perf = world.users["performance"]
    payload = {"title": "医院信息化建设", "department": world.health}
    ev = services.evaluation_create(actor=perf, data={**_payload(world), **payload}, projects=[world.hospital_project])
    client = world.login("business")  # 教科文股: not the 卫健局's section
    assert client.get(f"/keyeval/{ev.pk}/").status_code == 404
    ev = _to_fieldwork(world, ev)
    services.scorer_add_staff(actor=perf, evaluation=ev, user=world.users["business"])
    assert client.get(f"/keyeval/{ev.pk}/").status_code == 200
    assert client.get(f"/keyeval/{ev.pk}/score/").status_code == 200
    assert world.region.pk in {m.region_id for m in world.users["business"].memberships.all()}
    assert not selectors.staff_choices(perf).filter(memberships__region=world.other_region).exists()


def test_bad_scores_and_uploads_are_refused_in_chinese(world: World) -> None:
    ev = _to_fieldwork(world, _create(world))
    services.scorer_add_staff(actor=world.users["performance"], evaluation=ev, user=world.users["budget"])
    client = world.login("budget")
    scores = _scores(ev, Decimal(1))
    first = next(iter(scores))
    post = {f"score_{pk}": str(v) for pk, v in scores.items()}
    post[f"score_{first}"] = "99"
    post[f"evidence_{first}"] = "查阅会议纪要"
    post["comment"] = "资金管理较规范，绩效目标细化不足"
    response = client.post(f"/keyeval/{ev.pk}/score/", post)
    page = response.content.decode()
    assert response.status_code == 400 and "得分应在0至" in page
    # Everything typed stands on the refused sheet: the scores, the 评分依据 and the 评价意见.
    assert 'value="99"' in page and "查阅会议纪要" in page and "资金管理较规范，绩效目标细化不足</textarea>" in page
    post[f"score_{first}"] = "abc"
    # The message names the indicator whose box holds the text: the sheet has twenty boxes.
    name = ev.template.nodes.get(pk=first).name
    assert f"“{name}”得分应为数字" in client.post(f"/keyeval/{ev.pk}/score/", post).content.decode()
    # Scores are kept to 0.01: a third decimal would be rounded per indicator but not in the total.
    post[f"score_{first}"] = "1.555"
    refused = client.post(f"/keyeval/{ev.pk}/score/", post)
    assert refused.status_code == 400 and "得分最多保留两位小数" in refused.content.decode()
    # Text read straight from the request: a NUL (a 500 on PostgreSQL) or an over-long 评分依据 is refused by name.
    post[f"score_{first}"] = "1"
    post[f"evidence_{first}"] = "查阅\x00会议纪要"
    refused = client.post(f"/keyeval/{ev.pk}/score/", post)
    assert refused.status_code == 400 and f"“{name}”的评分依据不能包含控制字符" in refused.content.decode()
    post[f"evidence_{first}"] = "据" * 1001
    assert "不能超过1000个字" in client.post(f"/keyeval/{ev.pk}/score/", post).content.decode()
    assert KeyEvalScore.objects.count() == 0
    fake = SimpleUploadedFile("通知.pdf", b"MZ\x90\x00not a pdf")
    with pytest.raises(DomainError, match="文件内容与扩展名不符"):
        services.document_add(actor=world.users["performance"], evaluation=ev, kind="other", upload=fake)
    with pytest.raises(DomainError, match="只能上传"):
        services.document_add(
            actor=world.users["performance"], evaluation=ev, kind="other", upload=SimpleUploadedFile("a.exe", b"MZ")
        )


def test_pages_create_list_detail_and_transition(world: World) -> None:
    client = world.login("performance")
    assert client.get("/keyeval/new/").status_code == 200
    template = _national(EvalTemplate.Kind.DEPT_OVERALL_C)
    post = {
        "title": "县教育局部门整体支出",
        "fiscal_year": "2026",
        "kind": "finance",
        "object_type": "dept_overall",
        "budget_book": "general",
        "department": world.edu.pk,
        "mode": "self_run",
        "template": template.pk,
        "amount_yuan": "1200",
    }
    response = client.post("/keyeval/new/", post)
    assert response.status_code == 302, response.content.decode()
    ev = KeyEvaluation.objects.get()
    assert ev.amount_yuan == Decimal("12000000.00") and ev.organiser_section == world.perf_section
    # A department-overall evaluation with a project template is refused.
    bad = {**post, "template": _national(EvalTemplate.Kind.PROJECT_10).pk}
    response = client.post("/keyeval/new/", bad)
    assert response.status_code == 400 and "部门整体指标体系" in response.content.decode()
    assert KeyEvaluation.objects.count() == 1
    assert "县教育局部门整体支出" in client.get("/keyeval/").content.decode()
    response = client.post(f"/keyeval/{ev.pk}/transition/", {"action": "notify"})
    assert response.status_code == 400 and "请先上传" in response.content.decode()  # the page again, not a 302
    assert client.post(f"/keyeval/{ev.pk}/documents/", {"kind": "notice", "file": _pdf()}).status_code == 302
    client.post(f"/keyeval/{ev.pk}/transition/", {"action": "notify"})
    ev.refresh_from_db()
    assert ev.status == "notified"
    assert client.get(f"/keyeval/{ev.pk}/edit/").status_code == 200
    edited = {**post, "title": "县教育局2026年部门整体支出", "suggestions": "加强资产管理"}
    assert client.post(f"/keyeval/{ev.pk}/edit/", edited).status_code == 302
    ev.refresh_from_db()
    assert ev.title == "县教育局2026年部门整体支出" and ev.version == 3
    # A save from a page rendered before that change (version 2) is refused: no silent overwrite.
    stale = {**edited, "title": "旧页面的标题", "expected_version": 2}
    response = client.post(f"/keyeval/{ev.pk}/edit/", stale)
    assert response.status_code == 409 and "已被他人修改" in response.content.decode()
    ev.refresh_from_db()
    assert ev.title == "县教育局2026年部门整体支出" and ev.version == 3
    assert AuditEvent.objects.filter(event_type="keyeval.update", object_id=str(ev.pk)).exists()
    assert world.login("unit_user").get(f"/keyeval/{ev.pk}/edit/").status_code == 403
    # Experts drawn from the pool through the page (stored seed, avoidance of the evaluated department).
    ExpertFactory(region=world.region, user=world.users["expert"], field="教育")
    # A seed beyond what is stored (64-bit) is refused in Chinese, nothing drawn (it was a 500).
    huge = {"how": "experts", "field": "教育", "size": "1", "seed": "99999999999999999999"}
    response = client.post(f"/keyeval/{ev.pk}/scorers/", huge)  # the page again with the reason and 400
    assert response.status_code == 400 and "随机种子须为0至9223372036854775807之间的整数" in response.content.decode()
    assert not ev.scorers.exists()
    # 随机抽取专家 clicked twice draws once: the second POST (the form's one-time token) opens the evaluation.
    page = client.get(f"/keyeval/{ev.pk}/").content.decode()
    token = page.split('name="submit_token" value="')[1].split('"')[0]
    draw = {"how": "experts", "field": "教育", "size": "1", "seed": "3", "submit_token": token}
    response = client.post(f"/keyeval/{ev.pk}/scorers/", draw)
    again = client.post(f"/keyeval/{ev.pk}/scorers/", draw)
    assert response.status_code == again.status_code == 302 and again["Location"] == response["Location"]
    assert PanelDraw.objects.filter(object_id=str(ev.pk)).count() == 1
    assert list(ev.scorers.values_list("user__username", flat=True)) == ["p_expert"]
    assert world.login("expert").get(f"/keyeval/{ev.pk}/").status_code == 200
    assert "县教育局2026年部门整体支出" in world.login("expert").get("/keyeval/scoring/").content.decode()


# ---- Word report and statistics ----------------------------------------------------------------------------------


def _text(content: bytes) -> tuple[Any, str]:
    doc = Document(io.BytesIO(content))
    return doc, "\n".join(p.text for p in doc.paragraphs)


def test_word_report_follows_the_national_outline_with_the_score_table(world: World) -> None:
    ev = _to_fieldwork(world, _create(world))
    services.scorer_add_staff(actor=world.users["performance"], evaluation=ev, user=world.users["budget"])
    services.score_submit(actor=world.users["budget"], evaluation=ev, scores=_scores(ev, Decimal("0.9")), evidence={})
    ev = services.evaluation_transition(actor=world.users["performance"], evaluation=ev, action="draft_report")
    response = world.login("performance").get(f"/keyeval/{ev.pk}/report.docx")
    assert response.status_code == 200
    doc, text = _text(response.content)
    assert doc.paragraphs[0].text == "2026年县教育局一中教学设备购置重点项目绩效评价报告"
    # No table row breaks across a page; the score table's heads repeat on every page it runs onto.
    assert tables_kept_whole(doc) and head_repeats(doc.tables[-1])
    assert (round(doc.sections[0].page_width.cm, 1), round(doc.sections[0].page_height.cm, 1)) == (21.0, 29.7)
    for heading in (
        "一、基本情况",
        "二、绩效评价工作开展情况",
        "三、综合评价情况及评价结论",
        "四、绩效评价指标分析",
        "五、主要经验及做法、存在的问题及原因分析",
        "六、有关建议",
        "七、其他需要说明的问题",
    ):
        assert heading in text
    positions = [text.index(h) for h in ("一、基本情况", "三、综合评价情况及评价结论", "七、其他需要说明的问题")]
    assert positions == sorted(positions)
    assert f"得分{ev.total_score:.2f}分" in text and "评价等级为“优”" in text
    score_table = doc.tables[1]
    assert [c.text for c in score_table.rows[0].cells] == ["一级指标", "二级指标", "三级指标", "分值", "得分"]
    cells = [[c.text for c in row.cells] for row in score_table.rows]
    assert ["决策", "", "", "15.00", "13.50"] in cells
    assert cells[-1][0] == "合计" and cells[-1][4] == f"{ev.total_score:.2f}"
    assert "社会调查、实地核查" in text
    assert AuditEvent.objects.filter(event_type="keyeval.report_download").exists()
    # Department-overall title.
    dept = _create(
        world,
        title="部门整体",
        object_type="dept_overall",
        department=world.edu,
        template=_national(EvalTemplate.Kind.DEPT_OVERALL_A),
    )
    _doc, dept_text = _text(world.login("performance").get(f"/keyeval/{dept.pk}/report.docx").content)
    assert dept_text.startswith("2026年县教育局部门整体支出绩效评价报告")
    assert world.login("other_unit_user").get(f"/keyeval/{ev.pk}/report.docx").status_code == 404


def test_statistics_by_object_type_budget_book_and_grade(world: World) -> None:
    _create(world, amount_yuan=Decimal("1000000"))
    _create(
        world, title="专项债券项目", object_type="special_bond", budget_book="gov_fund", amount_yuan=Decimal("3000000")
    )
    finished = _to_fieldwork(world, _create(world, title="其他", amount_yuan=Decimal("500000")))
    services.scorer_add_staff(actor=world.users["performance"], evaluation=finished, user=world.users["budget"])
    services.score_submit(
        actor=world.users["budget"], evaluation=finished, scores=_scores(finished, Decimal("0.95")), evidence={}
    )
    services.evaluation_transition(actor=world.users["performance"], evaluation=finished, action="draft_report")
    KeyEvaluation.objects.filter(pk=finished.pk).update(status="issued")
    stats = selectors.statistics(world.users["leader"], 2026)
    assert stats.total_count == 3 and stats.total_amount_yuan == Decimal("4500000")
    by_type = {r.key: (r.count, r.amount_yuan) for r in stats.by_object_type}
    assert by_type["project"] == (2, Decimal("1500000")) and by_type["special_bond"] == (1, Decimal("3000000"))
    by_book = {r.key: r.count for r in stats.by_budget_book}
    assert by_book == {"general": 2, "gov_fund": 1, "state_capital": 0, "social_insurance": 0}
    assert {r.key: r.count for r in stats.by_grade}["excellent"] == 1
    page = world.login("leader").get("/keyeval/statistics/?fiscal_year=2026").content.decode()
    assert "专项债券项目" in page and "政府性基金预算" in page
    assert selectors.statistics(world.users["other_unit_user"], 2026).total_count == 0


# ---- menu, pages by role, 待办 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_gets_the_home_page_and_the_right_keyeval_access(world: World, persona: str) -> None:
    client = world.login(persona)
    home = client.get("/")
    assert home.status_code == 200
    html = home.content.decode()
    can_view = persona in {
        "performance",
        "budget",
        "business",
        "dept_admin",
        "unit_user",
        "other_unit_user",
        "expert",
        "agency",
        "leader",
        "oversight",
    }
    assert ("重点绩效评价" in html) == can_view
    assert client.get("/keyeval/").status_code == (200 if can_view else 403)
    assert client.get("/keyeval/new/").status_code == (200 if persona in ("performance", "dept_admin") else 403)
    assert client.get("/keyeval/statistics/").status_code == (200 if can_view else 403)


def test_the_scoring_todo_opens_exactly_the_evaluations_it_counts(world: World) -> None:
    """A scorer with one evaluation scored and one not: 待办 “待评分的重点评价 1” opens a list of that one evaluation
    (it used to open every assignment, scored or not, 2 rows under a count of 1), with a link to the whole list."""
    perf, budget = world.users["performance"], world.users["budget"]
    done = _to_fieldwork(world, _create(world, title="已评分的评价"))
    waiting = _to_fieldwork(world, _create(world, title="待评分的评价"))
    for ev in (done, waiting):
        services.scorer_add_staff(actor=perf, evaluation=ev, user=budget)
    services.score_submit(actor=budget, evaluation=done, scores=_scores(done, Decimal(1)), evidence={})
    [item] = [t for t in selectors.keyeval_todos(budget) if t.title == "待评分的重点评价"]
    client = world.login("budget")
    page = client.get(item.url)
    assert item.count == 1 and [s.evaluation_id for s in page.context["page"]] == [waiting.pk]
    assert "仅列出待评分的评价" in page.content.decode() and "已评分的评价" not in page.content.decode()
    everything = client.get("/keyeval/scoring/")
    assert {s.evaluation_id for s in everything.context["page"]} == {done.pk, waiting.pk}


def test_scorers_and_the_evaluated_party_get_todos(world: World) -> None:
    ev = _to_fieldwork(world, _create(world))
    services.scorer_add_staff(actor=world.users["performance"], evaluation=ev, user=world.users["budget"])
    todos = {t.title: t.count for t in selectors.keyeval_todos(world.users["budget"])}
    assert todos["待评分的重点评价"] == 1
    services.score_submit(actor=world.users["budget"], evaluation=ev, scores=_scores(ev, Decimal(1)), evidence={})
    assert {t.title: t.count for t in selectors.keyeval_todos(world.users["budget"])}["待评分的重点评价"] == 0
    perf = world.users["performance"]
    ev = services.evaluation_transition(actor=perf, evaluation=ev, action="draft_report")
    services.document_add(actor=perf, evaluation=ev, kind=KeyEvalDocument.Kind.DRAFT_REPORT, upload=_pdf())
    services.evaluation_transition(actor=perf, evaluation=ev, action="request_feedback")
    unit_todos = {t.title: t.count for t in selectors.keyeval_todos(world.users["unit_user"])}
    assert unit_todos["重点评价征求被评价方意见"] == 1
    other = {t.title: t.count for t in selectors.keyeval_todos(world.users["other_unit_user"])}
    assert other["重点评价征求被评价方意见"] == 0
    # The evaluated unit may upload its feedback document; another unit may not even see the evaluation.
    services.document_add(actor=world.users["unit_user"], evaluation=ev, kind="feedback", upload=_pdf("反馈.pdf"))
    with pytest.raises(NotFoundError):
        services.document_add(
            actor=world.users["other_unit_user"], evaluation=ev, kind="feedback", upload=_pdf("反馈.pdf")
        )
    with pytest.raises(DomainError, match="不能上传该类文件"):
        services.document_add(actor=world.users["unit_user"], evaluation=ev, kind="final_report", upload=_pdf())


def test_grade_bands_come_from_the_template() -> None:
    from decimal import Decimal

    from jixiao.keyeval.checks import grade_for

    assert grade_for(Decimal("89.99")) == grade_for(Decimal(85))
    assert grade_for(Decimal(90)) != grade_for(Decimal("89.99"))
    strict = (Decimal(95), Decimal(85), Decimal(70))
    assert grade_for(Decimal(90), strict) == grade_for(Decimal(85))
    assert grade_for(Decimal(69), strict) == grade_for(Decimal(10))


# ---- what each role is offered on the detail page ----------------------------------------------------------------


def _upload_kinds(world: World, persona: str, ev: KeyEvaluation) -> list[str] | None:
    """The kinds the detail page's upload form offers the persona; None when it shows no upload form."""
    response = world.login(persona).get(f"/keyeval/{ev.pk}/")
    assert response.status_code == 200
    page = lxml.html.fromstring(response.content)
    if not page.xpath('//form[@data-testid="document-form"]'):
        return None
    return [str(v) for v in page.xpath('//form[@data-testid="document-form"]//select[@name="kind"]/option/@value')]


def test_the_upload_form_offers_only_the_kinds_the_user_may_upload(world: World) -> None:
    ev = _to_fieldwork(world, _create(world))
    assert _upload_kinds(world, "performance", ev) == list(KeyEvalDocument.Kind.values)
    # The evaluated unit uploads its feedback; a read-only leader and a viewer not assigned to score upload nothing
    # (the form was shown to them with 评价通知 preselected, and every upload was refused).
    assert _upload_kinds(world, "unit_user", ev) == ["feedback"]
    assert _upload_kinds(world, "leader", ev) is None
    assert _upload_kinds(world, "budget", ev) is None
    services.scorer_add_staff(actor=world.users["performance"], evaluation=ev, user=world.users["budget"])
    assert _upload_kinds(world, "budget", ev) == ["draft_report", "final_report", "other"]
    # A kind the user may not upload is refused at the field in Chinese, nothing stored.
    response = world.login("budget").post(f"/keyeval/{ev.pk}/documents/", {"kind": "notice", "file": _pdf()})
    assert response.status_code == 400 and "您不能上传该类文件" in response.content.decode()
    response = world.login("leader").post(f"/keyeval/{ev.pk}/documents/", {"kind": "other", "file": _pdf()})
    assert response.status_code == 400 and "您不能上传该类文件" in response.content.decode()
    assert not ev.documents.exclude(kind__in=["notice", "work_plan"]).exists()
    assert (
        world.login("budget").post(f"/keyeval/{ev.pk}/documents/", {"kind": "other", "file": _pdf()}).status_code == 302
    )


def test_the_word_report_waits_for_the_draft_report_except_for_the_performance_section(world: World) -> None:
    perf = world.users["performance"]
    ev = _to_fieldwork(world, _create(world))
    services.scorer_add_staff(actor=perf, evaluation=ev, user=world.users["budget"])
    services.scorer_add_staff(actor=perf, evaluation=ev, user=world.users["business"])
    services.score_submit(actor=world.users["budget"], evaluation=ev, scores=_scores(ev, Decimal("0.9")), evidence={})
    # During the scoring the report's score table is the mean of what has been submitted so far: a scorer still to
    # score (and any other viewer) must not get it, only the performance section.
    for persona in ("business", "unit_user", "leader"):
        client = world.login(persona)
        assert 'data-testid="keyeval-report"' not in client.get(f"/keyeval/{ev.pk}/").content.decode()
        assert client.get(f"/keyeval/{ev.pk}/report.docx").status_code == 403
    assert world.login("performance").get(f"/keyeval/{ev.pk}/report.docx").status_code == 200
    services.score_submit(actor=world.users["business"], evaluation=ev, scores=_scores(ev, Decimal("0.8")), evidence={})
    ev = services.evaluation_transition(actor=perf, evaluation=ev, action="draft_report")
    for persona in ("business", "unit_user", "leader"):
        client = world.login(persona)
        assert 'data-testid="keyeval-report"' in client.get(f"/keyeval/{ev.pk}/").content.decode()
        _doc, text = _text(client.get(f"/keyeval/{ev.pk}/report.docx").content)
        assert f"得分{ev.total_score:.2f}分" in text


def test_a_bad_list_filter_says_why_at_its_box_and_the_others_still_filter(world: World) -> None:
    """A year typed wrong was dropped without a word, so the page listed every year as if it were that one."""
    _create(world, title="一中教学设备购置")
    _create(world, title="污水处理专项债", budget_book=KeyEvaluation.BudgetBook.GOV_FUND)
    page = world.login("performance").get("/keyeval/", {"fiscal_year": "二〇二六", "budget_book": "gov_fund"})
    tree = lxml.html.fromstring(page.content)
    assert [e.text_content() for e in tree.xpath('//*[@data-testid="filter-error"]')] == ["输入整数。"]
    assert "污水处理专项债" in page.content.decode() and "一中教学设备购置" not in page.content.decode()


def test_the_list_filters_are_labelled_and_filter_by_budget_book(world: World) -> None:
    _create(world, title="一中教学设备购置")
    _create(world, title="污水处理专项债", budget_book=KeyEvaluation.BudgetBook.GOV_FUND)
    client = world.login("performance")
    page = lxml.html.fromstring(client.get("/keyeval/").content)
    form = page.xpath('//form[@data-testid="keyeval-filter"]')[0]
    # Every box says what it filters (the 年度 and 关键字 boxes were blank, 评价类型 read only “全部”).
    labels = {label.get("for"): label.text_content() for label in form.xpath(".//label")}
    assert labels == {
        "id_fiscal_year": "年度",
        "id_status": "状态",
        "id_object_type": "对象类型",
        "id_kind": "评价类型",
        "id_budget_book": "预算类型",
        "id_grade": "评价等级",
        "id_organiser": "组织方",
        "id_q": "关键字",
    }
    listing = client.get("/keyeval/", {"budget_book": "gov_fund"}).content.decode()
    assert "污水处理专项债" in listing and "一中教学设备购置" not in listing


def test_the_scorer_forms_go_once_the_report_is_drafted(world: World) -> None:
    perf = world.users["performance"]
    ev = _to_fieldwork(world, _create(world))
    client = world.login("performance")
    assert 'value="staff"' in client.get(f"/keyeval/{ev.pk}/").content.decode()
    services.scorer_add_staff(actor=perf, evaluation=ev, user=world.users["budget"])
    services.score_submit(actor=world.users["budget"], evaluation=ev, scores=_scores(ev, Decimal("0.9")), evidence={})
    ev = services.evaluation_transition(actor=perf, evaluation=ev, action="draft_report")
    # After the draft report scorers can no longer be arranged: the forms were still shown and every press answered
    # “评价已形成报告，不能再调整评分人”.
    page = client.get(f"/keyeval/{ev.pk}/").content.decode()
    assert 'value="staff"' not in page and 'value="experts"' not in page and "随机抽取专家" not in page
    response = client.post(
        f"/keyeval/{ev.pk}/scorers/", {"how": "staff", "user": world.users["business"].pk}, follow=True
    )
    assert "不能再调整评分人" in response.content.decode()
    assert list(ev.scorers.values_list("user__username", flat=True)) == [world.users["budget"].username]


def test_the_documents_are_listed_in_the_order_of_the_procedure(world: World) -> None:
    perf = world.users["performance"]
    ev = _to_fieldwork(world, _create(world))  # 评价通知, then 评价工作方案
    services.document_add(actor=perf, evaluation=ev, kind=KeyEvalDocument.Kind.OTHER, upload=_pdf("问卷.pdf"))
    services.document_add(actor=perf, evaluation=ev, kind=KeyEvalDocument.Kind.DRAFT_REPORT, upload=_pdf("初稿.pdf"))
    page = lxml.html.fromstring(world.login("performance").get(f"/keyeval/{ev.pk}/").content)
    kinds = [
        row.xpath("string(.//span[contains(@class, 'badge')])")
        for row in page.xpath('//li[@data-testid="document-row"]')
    ]
    # They were sorted by the kinds' codes: 评价报告初稿 (draft_report) above 评价通知 (notice).
    assert kinds == ["评价通知", "评价工作方案", "评价报告初稿", "其他材料"]


def test_an_evaluation_stays_editable_after_its_agency_has_delivered(world: World) -> None:
    from jixiao.experts.models import Agency, Engagement

    agency = Agency.objects.create(region=world.region, name="明信咨询", credit_code="91511700MA62D4L83R")
    engagement = Engagement.objects.create(
        region=world.region, agency=agency, scope="key_evaluation", fiscal_year=2026, title="重点评价委托"
    )
    ev = _create(world, mode=KeyEvaluation.Mode.THIRD_PARTY, engagement=engagement)
    Engagement.objects.filter(pk=engagement.pk).update(status=Engagement.Status.DELIVERED)
    client = world.login("performance")
    page = lxml.html.fromstring(client.get(f"/keyeval/{ev.pk}/edit/").content)
    assert page.xpath('//select[@name="engagement"]/option[@selected]/@value') == [str(engagement.pk)]
    post = {
        "title": "一中教学设备购置（修改）",
        "fiscal_year": "2026",
        "kind": "finance",
        "object_type": "project",
        "budget_book": "general",
        "department": world.edu.pk,
        "mode": "third_party",
        "engagement": engagement.pk,
        "template": ev.template_id,
        "expected_version": ev.version,
    }
    # The linked engagement was no choice once the agency had delivered: every save was refused (选择一个有效的选项).
    response = client.post(f"/keyeval/{ev.pk}/edit/", post)
    assert response.status_code == 302, response.content.decode()
    ev.refresh_from_db()
    assert ev.title == "一中教学设备购置（修改）" and ev.engagement_id == engagement.pk
    # A new evaluation is still only linked to an engagement in force.
    new_page = lxml.html.fromstring(client.get("/keyeval/new/").content)
    assert str(engagement.pk) not in new_page.xpath('//select[@name="engagement"]/option/@value')


def test_the_report_tables_are_written_in_the_reports_own_style(world: World) -> None:
    """Both tables take the report's text style (仿宋_GB2312 14pt, as typed in Word): 基本情况 a label table without a
    head, the score sheet with its head repeated and the 合计 row last; a control character in a title is dropped."""
    ev = _create(world, title="一中教学\x01设备购置")
    doc = Document(io.BytesIO(documents.evaluation_report_docx(ev)))
    basics, scores = doc.tables
    assert [cell_look(c) for c in basics.rows[0].cells] == [
        ("评价对象", None, None, False),
        ("一中教学设备购置", None, None, False),
    ]
    assert not head_repeats(basics)
    assert cell_look(scores.rows[0].cells[0]) == ("一级指标", None, None, True)
    assert cell_look(scores.rows[1].cells[0]) == ("决策", None, None, False)
    assert [c.text for c in scores.rows[-1].cells] == ["合计", "", "", "100.00", "—"]
    assert tables_kept_whole(doc) and head_repeats(scores)
