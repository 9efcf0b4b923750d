"""抽评/再评价 and 真实性核查 (issue 6 items 6, 7, 10): reproducible draws, re-scoring and gaps, agency scoping,
results, the Excel export and the Word circular, authenticity findings and rectification items."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document

from conftest import World
from jixiao.core import sampling
from jixiao.core.errors import ConflictError, DomainError
from jixiao.core.models import AuditEvent
from jixiao.core.tests.helpers import cell_look, head_repeats, tables_kept_whole
from jixiao.evaluation import reeval_documents, selectors, services, services_reeval
from jixiao.evaluation.models import (
    AuthenticityCheck,
    AuthenticityItem,
    ReEvaluationBatch,
    ReEvaluationSample,
    SelfEvalEvidence,
    SelfEvalStatus,
    SelfEvaluation,
)
from jixiao.evaluation.tests.selfeval_helpers import YEAR, approved_target, row_ids, set_amounts, start
from jixiao.experts.models import Agency
from jixiao.projects.models import Project
from jixiao.targets.models import TargetIndicator

pytestmark = pytest.mark.django_db


def _fill(actor: Any, record: SelfEvaluation) -> SelfEvaluation:
    ids = row_ids(record)
    rows = {
        ids["购置教学设备数量"]: {"actual_text": "120台", "claimed_score": "50"},
        ids["教学条件改善情况"]: {"actual_text": "明显改善", "qual_level": "ACHIEVED", "claimed_score": "30"},
        ids["师生满意度"]: {"actual_text": "95%", "claimed_score": "10"},
    }
    data = {"goal_actual": "完成", "exec_score_claimed": "10", "total_claimed": "100", "grade_claimed": "优"}
    return services.selfeval_save(actor=actor, record=record, data=data, rows=rows)


def final_records(world: World) -> dict[str, SelfEvaluation]:
    """Three finance-reviewed project self-evaluations (school, branch: 县教育局; hospital: 县卫健局), all 100 / 优."""
    set_amounts(world.school_project, "1000000")
    set_amounts(world.branch_project, "500000")
    set_amounts(world.hospital_project, "3000000")
    for project in (world.school_project, world.branch_project, world.hospital_project):
        approved_target(world, project)
    start(world)
    records = {}
    for key, project, user in (
        ("school", world.school_project, "unit_user"),
        ("branch", world.branch_project, "unit_user"),
        ("hospital", world.hospital_project, "other_unit_user"),
    ):
        record = _fill(world.users[user], SelfEvaluation.objects.get(project=project))
        records[key] = record
    SelfEvaluation.objects.filter(pk__in=[r.pk for r in records.values()]).update(
        status=SelfEvalStatus.FIN_REVIEWED, is_final=True
    )
    return {k: SelfEvaluation.objects.get(pk=r.pk) for k, r in records.items()}


def _batch(world: World, **data: Any) -> ReEvaluationBatch:
    values: dict[str, Any] = {"fiscal_year": YEAR, "subject": "project", "rate": Decimal("0.5"), "n_min": 1}
    values.update(data)
    return services_reeval.batch_create(actor=world.users["performance"], data=values)


def test_draw_stores_seed_population_and_reproduces(world: World) -> None:
    records = final_records(world)
    perf = world.users["performance"]
    batch = _batch(world, must_include_errors=False)
    preview = services_reeval.batch_preview(perf, batch)
    assert preview == {"size": 3, "amount_yuan": Decimal("4500000.00"), "sample_size": 2}
    batch = services_reeval.batch_draw(actor=perf, batch=batch)
    assert len(batch.seed) == 32 and batch.population_size == 3 and batch.sample_size == 2
    assert [row[0] for row in batch.population] == ["P-BRANCH", "P-HOSP", "P-SCHOOL"]
    # Anyone can reproduce the draw from the printed seed and list with the published rule.
    expected = sorted(["P-BRANCH", "P-HOSP", "P-SCHOOL"], key=lambda c: sampling.draw_key(batch.seed, c))[:2]
    assert sorted(batch.samples.values_list("code", flat=True)) == sorted(expected)
    matches, again = services_reeval.batch_verify(batch)
    assert matches and set(again.selected) == set(expected)
    sample = batch.samples.get(code=expected[0])
    assert sample.self_score == Decimal("100.00") and sample.self_grade == "优"
    assert sample.rows[0]["key"] == "exec" and len(sample.rows) == 4
    assert {r.pk for r in records.values()} >= set(batch.samples.values_list("self_eval_id", flat=True))
    assert AuditEvent.objects.filter(event_type="evaluation.reeval_draw", object_id=str(batch.pk)).exists()
    # … and from the Excel export alone: its 抽样范围 sheet lists the population with each code's key.
    workbook = openpyxl.load_workbook(
        io.BytesIO(world.login("performance").get(f"/evaluation/reeval/{batch.pk}/export/").content)
    )
    seed = dict(workbook["抽样说明"].iter_rows(min_row=2, values_only=True))["抽样种子"]
    listed = list(workbook["抽样范围"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in listed] == ["P-BRANCH", "P-HOSP", "P-SCHOOL"]
    assert all(key == hashlib.sha256(f"{seed}:{code}".encode()).hexdigest() for code, _d, _a, _f, key, _s in listed)
    assert sorted(r[0] for r in sorted(listed, key=lambda r: r[4])[:2]) == sorted(expected)
    assert sorted(r[0] for r in listed if r[5] == "是") == sorted(expected)
    with pytest.raises(ConflictError):
        services_reeval.batch_draw(actor=perf, batch=batch)


def test_scope_filters_and_must_include(world: World) -> None:
    final_records(world)
    perf = world.users["performance"]
    edu_only = _batch(world, department=world.edu)
    assert services_reeval.batch_preview(perf, edu_only)["size"] == 2
    big = _batch(
        world, count=1, rate=None, must_include_over_yuan=Decimal("2000000"), must_include_errors=False, stratified=True
    )
    big = services_reeval.batch_draw(actor=perf, batch=big)
    assert big.must_include == ["P-HOSP"]
    assert list(big.samples.values_list("code", "selected_by")) == [("P-HOSP", "MUST_INCLUDE")]
    ranged = _batch(world, amount_min_yuan=Decimal("600000"), amount_max_yuan=Decimal("2000000"))
    assert services_reeval.batch_preview(perf, ranged)["size"] == 1
    with pytest.raises(DomainError, match="二选一"):
        _batch(world, count=3)
    with pytest.raises(DomainError, match="下限不能大于上限"):
        _batch(world, amount_min_yuan=Decimal(5), amount_max_yuan=Decimal(1))
    with pytest.raises(DomainError, match="抽样范围内没有"):
        services_reeval.batch_draw(actor=perf, batch=_batch(world, grade="差"))


def test_a_class_projects_are_always_drawn_when_asked(world: World) -> None:
    """项目分级分类 (seed 002 S26): an A类（重大）project's self-evaluation is drawn whatever the sample size."""
    final_records(world)
    perf = world.users["performance"]
    Project.objects.filter(pk=world.branch_project.pk).update(tier=Project.Tier.A)
    plain = _batch(world, count=1, rate=None, must_include_errors=False)
    assert services_reeval.batch_draw(actor=perf, batch=plain).must_include == []
    major = _batch(world, count=1, rate=None, must_include_errors=False, must_include_major=True)
    major = services_reeval.batch_draw(actor=perf, batch=major)
    assert major.must_include == ["P-BRANCH"]
    assert list(major.samples.values_list("code", "selected_by")) == [("P-BRANCH", "MUST_INCLUDE")]
    page = world.login("performance").get(reverse("evaluation:reeval_detail", args=[major.pk])).content.decode()
    assert "A类（重大）项目必抽" in page


def _drawn(world: World) -> ReEvaluationBatch:
    final_records(world)
    batch = _batch(world, rate=Decimal("1"))
    return services_reeval.batch_draw(actor=world.users["performance"], batch=batch)


def _scores(sample: ReEvaluationSample, **changes: str) -> dict[str, Any]:
    scores = {r["key"]: r["score"] for r in sample.rows}
    scores["exec"] = "10"  # no payments in these tests: the computed execution score is 0
    for row in sample.rows:
        if row["name"] in changes:
            scores[row["key"]] = changes[row["name"]]
    return scores


def test_rescore_gap_grade_and_flag(world: World) -> None:
    batch = _drawn(world)
    perf = world.users["performance"]
    sample = batch.samples.get(code="P-SCHOOL")
    with pytest.raises(DomainError, match="0至分值50"):
        services_reeval.sample_rescore(actor=perf, sample=sample, scores=_scores(sample, 购置教学设备数量="60"))
    sample.refresh_from_db()
    assert sample.re_score is None
    done = services_reeval.sample_rescore(
        actor=perf,
        sample=sample,
        scores=_scores(sample, 购置教学设备数量="35"),
        comments={"exec": "属实"},
        opinion="数量指标佐证不足",
    )
    assert done.re_score == Decimal("85.00") and done.re_grade == "良" and done.gap == Decimal("-15.00")
    assert done.flagged
    record = SelfEvaluation.objects.get(pk=sample.self_eval_id)
    assert [m["code"] for m in record.flags["messages"]].count("R_GAP") == 1
    # A re-score within tolerance and the same grade clears the flag.
    again = services_reeval.sample_rescore(actor=perf, sample=done, scores=_scores(done, 购置教学设备数量="48"))
    assert again.gap == Decimal("-2.00") and not again.flagged
    record.refresh_from_db()
    assert "R_GAP" not in [m["code"] for m in record.flags["messages"]]
    with pytest.raises(DomainError, match="未评分"):
        services_reeval.batch_finish(actor=perf, batch=batch)


def test_a_re_score_from_a_page_shown_before_another_is_refused_then_saved_on_purpose(world: World) -> None:
    import re

    batch = _drawn(world)
    sample = batch.samples.get(code="P-SCHOOL")
    url = f"/evaluation/reeval/samples/{sample.pk}/"
    client = world.login("performance")
    seen = re.search(r'name="seen" value="([^"]*)"', client.get(url).content.decode())[1]
    services_reeval.sample_rescore(
        actor=world.users["performance"], sample=sample, scores=_scores(sample, 购置教学设备数量="35"), opinion="先评"
    )
    post = {f"score-{key}": value for key, value in _scores(sample, 购置教学设备数量="48").items()}
    post |= {"opinion": "后评", "seen": seen}
    stale = client.post(url, post)
    body = stale.content.decode()
    assert stale.status_code == 409 and "重新评分（总分85分）" in body and 'value="48"' in body
    sample.refresh_from_db()
    assert sample.re_score == Decimal("85.00") and sample.opinion == "先评"
    fresh = re.search(r'name="seen" value="([^"]*)"', body)[1]
    assert fresh != seen
    assert client.post(url, {**post, "seen": fresh}).status_code == 302
    sample.refresh_from_db()
    assert sample.opinion == "后评" and sample.re_score == Decimal("98.00")


def test_sample_page_links_back_to_its_batch_and_names_the_flag_in_chinese(world: World) -> None:
    """The performance section scores a sample from its batch: the page leads back to that batch (an agency, which
    may not open batches, goes back to its own 再评价任务), and a large gap reads 分差超限, not the code R_GAP."""
    batch = _drawn(world)
    sample = batch.samples.get(code="P-SCHOOL")
    services_reeval.sample_rescore(
        actor=world.users["performance"], sample=sample, scores=_scores(sample, 购置教学设备数量="35")
    )
    page = world.login("performance").get(f"/evaluation/reeval/samples/{sample.pk}/").content.decode()
    assert f'href="/evaluation/reeval/{batch.pk}/" data-testid="reeval-sample-batch"' in page
    assert "分差超限" in page and "R_GAP" not in page
    listing = world.login("performance").get(f"/evaluation/reeval/{batch.pk}/").content.decode()
    assert "分差超限" in listing and "R_GAP" not in listing
    agency = Agency.objects.create(region=world.region, name="四川某某会计师事务所", credit_code="91511700MA62D4L83R")
    agency.users.add(world.users["agency"])
    other = batch.samples.get(code="P-HOSP")
    services_reeval.sample_assign(actor=world.users["performance"], batch=batch, sample_ids=[other.pk], agency=agency)
    agency_page = world.login("agency").get(f"/evaluation/reeval/samples/{other.pk}/").content.decode()
    assert f"/evaluation/reeval/{batch.pk}/" not in agency_page and 'href="/evaluation/reeval/samples/"' in agency_page


def test_agency_sees_only_assigned_samples(world: World) -> None:
    batch = _drawn(world)
    perf, agency_user = world.users["performance"], world.users["agency"]
    agency = Agency.objects.create(region=world.region, name="四川某某会计师事务所", credit_code="91511700MA62D4L83R")
    agency.users.add(agency_user)
    mine = batch.samples.get(code="P-HOSP")
    other = batch.samples.get(code="P-SCHOOL")
    assert services_reeval.sample_assign(actor=perf, batch=batch, sample_ids=[mine.pk], agency=agency) == 1
    client = world.login("agency")
    assert client.get(f"/evaluation/reeval/samples/{other.pk}/").status_code == 404
    assert client.get(f"/evaluation/reeval/{batch.pk}/").status_code == 403
    listing = client.get("/evaluation/reeval/samples/").content.decode()
    assert "医院信息化建设" in listing and "一中教学设备购置" not in listing
    scores = {f"score-{key}": value for key, value in _scores(mine).items()}
    response = client.post(f"/evaluation/reeval/samples/{mine.pk}/", {**scores, "opinion": "基本属实"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.re_score == Decimal("100.00") and mine.scored_by == agency_user
    # The performance section may not score a sample commissioned to an agency; units see nothing.
    with pytest.raises(DomainError, match="已委托"):
        services_reeval.sample_rescore(actor=perf, sample=mine, scores=_scores(mine))
    assert world.login("unit_user").get(f"/evaluation/reeval/samples/{mine.pk}/").status_code == 403


def test_sample_page_offers_the_grid_only_to_its_scorer_and_shows_the_opinion(world: World) -> None:
    """A sample commissioned to an agency: the performance section reads it (no enabled score boxes, no 保存再评分,
    which its save would refuse) and reads the agency's 再评价意见; once the batch is finished nobody gets the grid
    and the opinion stays on the page."""
    batch = _drawn(world)
    perf = world.users["performance"]
    agency = Agency.objects.create(region=world.region, name="四川某某会计师事务所", credit_code="91511700MA62D4L83R")
    agency.users.add(world.users["agency"])
    commissioned = batch.samples.get(code="P-HOSP")
    own = batch.samples.get(code="P-SCHOOL")
    services_reeval.sample_assign(actor=perf, batch=batch, sample_ids=[commissioned.pk], agency=agency)
    services_reeval.sample_rescore(
        actor=world.users["agency"], sample=commissioned, scores=_scores(commissioned), opinion="佐证资料齐全，基本属实"
    )
    client = world.login("performance")

    def score_boxes(page: str) -> list[str]:
        return re.findall(r'<input[^>]*name="score-[^"]+"[^>]*>', page)

    page = client.get(f"/evaluation/reeval/samples/{commissioned.pk}/").content.decode()
    assert score_boxes(page) and all("disabled" in box for box in score_boxes(page))
    assert "保存再评分" not in page and "佐证资料齐全，基本属实" in page and "由机构填写再评分" in page
    # The agency still scores it; the performance section scores its own sample.
    agency_page = world.login("agency").get(f"/evaluation/reeval/samples/{commissioned.pk}/").content.decode()
    assert "保存再评分" in agency_page and not any("disabled" in box for box in score_boxes(agency_page))
    own_page = client.get(f"/evaluation/reeval/samples/{own.pk}/").content.decode()
    assert "保存再评分" in own_page and not any("disabled" in box for box in score_boxes(own_page))
    services_reeval.sample_rescore(actor=perf, sample=own, scores=_scores(own), opinion="与自评一致")
    for rest in batch.samples.filter(re_score__isnull=True):
        services_reeval.sample_rescore(actor=perf, sample=rest, scores=_scores(rest))
    services_reeval.batch_finish(actor=perf, batch=batch)
    finished = client.get(f"/evaluation/reeval/samples/{own.pk}/").content.decode()
    assert "保存再评分" not in finished and all("disabled" in box for box in score_boxes(finished))
    assert "与自评一致" in finished


def _finished(world: World) -> ReEvaluationBatch:
    """Every sample re-scored (the school's 购置教学设备数量 down to 20: 优 → 中, flagged) and the batch finished."""
    batch = _drawn(world)
    perf = world.users["performance"]
    for sample in batch.samples.all():
        lower = "20" if sample.code == "P-SCHOOL" else "50"
        services_reeval.sample_rescore(actor=perf, sample=sample, scores=_scores(sample, 购置教学设备数量=lower))
    return services_reeval.batch_finish(actor=perf, batch=batch)


def test_results_export_and_circular(world: World, monkeypatch: Any) -> None:
    batch = _finished(world)
    results = services_reeval.batch_results(batch)
    assert results.rate_text == "3 / 3 = 100.00%"
    assert [(g, n) for g, n, _ in results.grades] == [("优", 2), ("良", 0), ("中", 1), ("差", 0)]
    edu = next(d for d in results.departments if d["name"] == "县教育局")
    assert edu["mean_abs_gap"] == Decimal("15.00") and edu["grade_changes"] == 1
    client = world.login("performance")
    page = client.get(f"/evaluation/reeval/{batch.pk}/").content.decode()
    assert batch.seed in page and "3 / 3 = 100.00%" in page and "-30.00" in page
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/evaluation/reeval/{batch.pk}/export/").content))
    codes = [row[0] for row in workbook["样本"].iter_rows(min_row=2, values_only=True)]
    assert sorted(codes) == ["P-BRANCH", "P-HOSP", "P-SCHOOL"]
    school = next(r for r in workbook["样本"].iter_rows(min_row=2) if r[0].value == "P-SCHOOL")
    assert isinstance(school[4].value, (int, float)) and school[4].number_format == "#,##0.00"  # 万元
    assert all(isinstance(school[i].value, (int, float)) for i in (7, 9, 11))  # scores and gap are numbers
    assert school[11].value == -30 and school[12].value == "分差超限"  # no raw R_GAP code, the pages' name
    edu_row = next(r for r in workbook["部门自评质量"].iter_rows(min_row=2) if r[0].value == "县教育局")
    assert isinstance(edu_row[5].value, float) and edu_row[5].number_format == "0.00%"  # 等级变化占比, a number
    info = dict(workbook["抽样说明"].iter_rows(min_row=2, values_only=True))
    assert info["抽样种子"] == batch.seed
    # The population list with each code's key: the sample is re-drawn from the export and the printed seed alone.
    population = list(workbook["抽样范围"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in population] == ["P-BRANCH", "P-HOSP", "P-SCHOOL"] and len(population) == batch.population_size
    for code, _dept, amount, _forced, key, drawn in population:
        assert key == hashlib.sha256(f"{info['抽样种子']}:{code}".encode()).hexdigest() and drawn == "是"
        assert isinstance(amount, (int, float))
    monkeypatch.setattr(reeval_documents, "timezone", SimpleNamespace(localdate=lambda: date(2026, 9, 3)))
    response = client.get(f"/evaluation/reeval/{batch.pk}/circular/")
    word = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in word.paragraphs)
    # An A4 official document, its 成文日期 without leading zeros.
    assert (round(word.sections[0].page_width.cm, 1), round(word.sections[0].page_height.cm, 1)) == (21.0, 29.7)
    assert text.endswith("\n2026年9月3日")
    assert tables_kept_whole(word) and all(head_repeats(table) for table in word.tables)
    assert "部门自评财政再评价结果的通报" in text and batch.seed in text and "“中”1个" in text
    verify = client.post(f"/evaluation/reeval/{batch.pk}/verify/").content.decode()
    assert "结果与原样本一致" in verify
    stats = client.get(f"/evaluation/self/statistics/?fiscal_year={YEAR}").content.decode()
    assert "3 / 3 = 100.00%" in stats and "450.00" in stats
    assert f'href="/evaluation/reeval/{batch.pk}/"' in stats
    # A leader reads the statistics but has no re-evaluation pages: the batch is named, not linked.
    leader = world.login("leader").get(f"/evaluation/self/statistics/?fiscal_year={YEAR}").content.decode()
    assert batch.title in leader and f'href="/evaluation/reeval/{batch.pk}/"' not in leader


def test_a_double_click_on_save_makes_one_batch(world: World) -> None:
    client = world.login("performance")
    page = client.get("/evaluation/reeval/").content.decode()
    token = page.split('name="submit_token" value="')[1].split('"')[0]
    post = {"fiscal_year": YEAR, "subject": "project", "rate_pct": "10", "n_min": 1, "submit_token": token}
    first = client.post("/evaluation/reeval/", post)
    second = client.post("/evaluation/reeval/", post)
    batch = ReEvaluationBatch.objects.get()
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == f"/evaluation/reeval/{batch.pk}/"


def test_batch_pages_create_and_draw(world: World) -> None:
    final_records(world)
    client = world.login("performance")
    bad = client.post("/evaluation/reeval/", {"fiscal_year": YEAR, "subject": "project", "n_min": 1})
    assert bad.status_code == 400 and "二选一" in bad.content.decode()
    huge = {"fiscal_year": YEAR, "subject": "project", "n_min": "11111111111111"}
    for extra in ({"rate_pct": "10"}, {"count": "11111111111111", "n_min": "1"}):
        response = client.post("/evaluation/reeval/", {**huge, **extra})
        assert response.status_code == 400 and "100000" in response.content.decode()
    assert not ReEvaluationBatch.objects.exists()
    response = client.post(
        "/evaluation/reeval/", {"fiscal_year": YEAR, "subject": "project", "rate_pct": "10", "n_min": 1}
    )
    batch = ReEvaluationBatch.objects.get()
    assert response.status_code == 302 and batch.rate == Decimal("0.1000")
    assert "已审定的单位自评 <strong>3</strong>" in client.get(f"/evaluation/reeval/{batch.pk}/").content.decode()
    client.post(f"/evaluation/reeval/{batch.pk}/draw/")
    batch.refresh_from_db()
    assert batch.status == "drawn" and batch.sample_size == 1
    # The 委托 select's empty choice says what it does (takes the samples back), not Django's “---------”.
    drawn = client.get(f"/evaluation/reeval/{batch.pk}/").content.decode()
    assert '<option value="" selected>绩效股自行评分（不委托）</option>' in drawn and "---------" not in drawn
    # The batch's results printed for the file carried this select (选中的样本委托 [绩效股自行评分（不委托）]).
    assign = drawn.split('data-testid="reeval-assign"', 1)[0].rsplit("<span", 1)[1]
    assert "no-print" in assign.split(">", 1)[0]
    assert world.login("unit_user").get("/evaluation/reeval/").status_code == 403
    assert world.login("leader").get(f"/evaluation/reeval/{batch.pk}/").status_code == 403


def test_authenticity_check_findings_and_rectification(world: World) -> None:
    records = final_records(world)
    TargetIndicator.objects.filter(target__project=world.school_project, name="购置教学设备数量").update(is_core=True)
    business = world.users["business"]
    check = services_reeval.check_create(actor=business, fiscal_year=YEAR)
    assert check.sample_size == 20 and check.organiser == world.edu_section
    check = services_reeval.check_draw(actor=business, check=check)
    # The business section sees its 对口 departments only: the two 县教育局 projects.
    assert check.population == ["P-BRANCH", "P-SCHOOL"]
    school_items = list(check.items.filter(code="P-SCHOOL"))
    assert [i.indicator_name for i in school_items] == ["购置教学设备数量"]
    assert check.items.filter(code="P-BRANCH").count() == 3
    assert services_reeval.check_verify(check)
    item = school_items[0]
    with pytest.raises(DomainError, match="须说明问题"):
        services_reeval.item_record(actor=business, item=item, verified_value="80台", finding="FALSIFIED")
    services_reeval.item_record(
        actor=business, item=item, verified_value="80台", finding="FALSIFIED", evidence_note="验收单仅80台"
    )
    record = SelfEvaluation.objects.get(pk=records["school"].pk)
    assert "A_FALSIFIED" in [m["code"] for m in record.flags["messages"]]
    assert record.error_count == records["school"].error_count + 1
    rect = services_reeval.rectification_items(check)
    assert len(rect) == 1 and "验收单仅80台" in rect[0]["problem"]
    with pytest.raises(DomainError, match="未核查"):
        services_reeval.check_finish(actor=business, check=check)
    # Pressed on the page: the page again with the reason and the refusal's status, not a redirect.
    detail = f"/evaluation/authenticity/{check.pk}/"
    refused = world.login("business").post(detail, {"action": "finish"})
    assert refused.status_code == 400 and "个指标未核查，不能办结" in refused.content.decode()
    assert f'<form method="post" action="{detail}"' in refused.content.decode()
    for other in check.items.filter(finding=""):
        services_reeval.item_record(actor=business, item=other, verified_value="", finding="CONFIRMED")
    services_reeval.check_finish(actor=business, check=check)
    page = world.login("business").get(f"/evaluation/authenticity/{check.pk}/").content.decode()
    assert check.seed in page and "验收单仅80台" in page
    # Two projects in range for a sample of 20: the page says all were drawn, not that 20 were.
    assert "计划抽取 20 个项目，抽样范围仅 2 个，已全部抽取" in page
    # Others: a unit has no access, a section that did not organise it gets 404 (performance sees the region).
    assert world.login("unit_user").get(f"/evaluation/authenticity/{check.pk}/").status_code == 403
    assert world.login("performance").get(f"/evaluation/authenticity/{check.pk}/").status_code == 200
    assert AuthenticityItem.objects.filter(finding="FALSIFIED").count() == 1
    assert AuditEvent.objects.filter(event_type="evaluation.authenticity_finding").count() == 4
    assert AuthenticityCheck.objects.get().status == "finished"


def test_todos(world: World) -> None:
    _drawn(world)
    from jixiao.core import todos

    items = {i.title: i.count for i in todos.for_user(world.users["performance"])}
    assert items["待评分的再评价样本"] == 3 and items["未办结的再评价批次"] == 1


def test_the_samples_todo_opens_a_list_of_exactly_its_count(world: World) -> None:
    """“待评分的再评价样本 N” opened every sample of the drawn batches (scored ones and those commissioned to an
    agency too): it now opens ?todo=score, the N samples it counts; the whole list keeps the unscored first."""
    batch = _drawn(world)
    perf, agency_user = world.users["performance"], world.users["agency"]
    agency = Agency.objects.create(region=world.region, name="四川某某会计师事务所", credit_code="91511700MA62D4L83R")
    agency.users.add(agency_user)
    commissioned = batch.samples.get(code="P-HOSP")
    services_reeval.sample_assign(actor=perf, batch=batch, sample_ids=[commissioned.pk], agency=agency)
    scored = batch.samples.get(code="P-SCHOOL")
    services_reeval.sample_rescore(actor=perf, sample=scored, scores=_scores(scored))
    [item] = [i for i in services_reeval.reeval_todos(perf) if i.title == "待评分的再评价样本"]
    client = world.login("performance")
    response = client.get(item.url)
    assert item.count == 1 and response.status_code == 200
    assert [s.pk for s in response.context["page"]] == list(
        batch.samples.filter(re_score__isnull=True, agency__isnull=True).values_list("pk", flat=True)
    )
    assert "仅列出待评分的样本" in response.content.decode()
    everything = client.get("/evaluation/reeval/samples/")
    listed = list(everything.context["page"])
    assert len(listed) == 3 and listed[-1].pk == scored.pk and "仅列出待评分的样本" not in everything.content.decode()
    # PostgreSQL sorts NULL last by default: the unscored-first order says so.
    assert "NULLS FIRST" in str(selectors.reeval_samples_open(perf).query).upper()
    [agency_item] = [i for i in services_reeval.reeval_todos(agency_user) if i.title == "待评分的再评价样本"]
    agency_page = world.login("agency").get(agency_item.url)
    assert agency_item.count == 1 and [s.pk for s in agency_page.context["page"]] == [commissioned.pk]


def test_the_open_batches_and_checks_todos_open_lists_of_exactly_their_counts(world: World) -> None:
    """“未办结的再评价批次 N” and “未办结的真实性核查 N” opened every batch and check, the 已办结 ones too: they open
    ?open=1, the N counted, with a link to the whole list."""
    finished = _drawn(world)
    ReEvaluationBatch.objects.filter(pk=finished.pk).update(status=ReEvaluationBatch.Status.FINISHED)
    open_batch = _batch(world, rate=Decimal("1"))
    perf = world.users["performance"]
    done = services_reeval.check_create(actor=perf, fiscal_year=YEAR, title="已办结的核查")
    AuthenticityCheck.objects.filter(pk=done.pk).update(status=AuthenticityCheck.Status.FINISHED)
    services_reeval.check_create(actor=perf, fiscal_year=YEAR, title="核查中的核查")
    items = {i.title: i for i in services_reeval.reeval_todos(perf)}
    client = world.login("performance")
    batches = client.get(items["未办结的再评价批次"].url)
    assert items["未办结的再评价批次"].count == 1 and [b.pk for b in batches.context["page"]] == [open_batch.pk]
    assert "仅列出未办结的批次" in batches.content.decode()
    checks = client.get(items["未办结的真实性核查"].url)
    assert items["未办结的真实性核查"].count == 1
    assert [c.title for c in checks.context["page"]] == [
        "核查中的核查"
    ] and "仅列出未办结的核查" in checks.content.decode()
    assert len(client.get("/evaluation/reeval/").context["page"]) == 2
    assert len(client.get("/evaluation/authenticity/").context["page"]) == 2


def test_result_file_upload(world: World, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    batch = _drawn(world)
    perf = world.users["performance"]
    sample = batch.samples.get(code="P-BRANCH")
    with pytest.raises(DomainError, match="只能上传"):
        services_reeval.sample_rescore(
            actor=perf, sample=sample, scores=_scores(sample), upload=SimpleUploadedFile("x.exe", b"MZ")
        )
    with pytest.raises(DomainError, match="内容与扩展名不符"):
        services_reeval.sample_rescore(
            actor=perf, sample=sample, scores=_scores(sample), upload=SimpleUploadedFile("x.pdf", b"MZ\x90\x00")
        )
    sample.refresh_from_db()
    assert sample.re_score is None and not sample.result_file
    done = services_reeval.sample_rescore(
        actor=perf, sample=sample, scores=_scores(sample), upload=SimpleUploadedFile("结果.pdf", b"%PDF-1.4")
    )
    assert done.result_file.name.endswith(".pdf") and "结果" not in done.result_file.name  # generated name on disk
    assert done.result_file_name == "结果.pdf"
    response = world.login("performance").get(f"/evaluation/reeval/samples/{sample.pk}/result/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    assert AuditEvent.objects.filter(event_type="evaluation.reeval_file_download").count() == 1
    assert world.login("unit_user").get(f"/evaluation/reeval/samples/{sample.pk}/result/").status_code in (403, 404)


def test_new_batch_and_check_forms_are_styled_like_every_other_form(world: World) -> None:
    """The 新建再评价批次 and 新建核查 forms rendered bare browser inputs and selects among the styled pages."""
    client = world.login("performance")
    page = client.get("/evaluation/reeval/").content.decode()
    assert re.search(r'<input type="number" name="fiscal_year"[^>]* class="form-control"', page)
    assert re.search(r'<select name="subject" class="form-select"', page)
    assert re.search(r'<input type="checkbox" name="stratified" class="form-check-input"', page)
    page = client.get("/evaluation/authenticity/").content.decode()
    assert re.search(r'<input type="number" name="sample_size"[^>]* class="form-control"', page)
    assert re.search(r'<input type="date" name="materials_deadline" class="form-control"', page)


def test_an_agency_reads_the_sampled_self_evaluation_and_downloads_its_evidence(
    world: World, settings: Any, tmp_path: Any
) -> None:
    """A third-party agency re-scoring a sample sees the record's reported actuals and its 佐证资料 on the sample page
    (it has no access to self-evaluations otherwise); files of other records stay 404, every download is audited."""
    settings.MEDIA_ROOT = str(tmp_path)
    batch = _drawn(world)
    agency = Agency.objects.create(region=world.region, name="四川某某会计师事务所", credit_code="91511700MA62D4L83R")
    agency.users.add(world.users["agency"])
    mine, other = batch.samples.get(code="P-HOSP"), batch.samples.get(code="P-SCHOOL")
    services_reeval.sample_assign(actor=world.users["performance"], batch=batch, sample_ids=[mine.pk], agency=agency)
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"
    row = row_ids(mine.self_eval)["购置教学设备数量"]
    tied = SelfEvalEvidence(self_eval=mine.self_eval, row_id=row, original_name="验收单.pdf", size_bytes=len(pdf))
    tied.sha256 = hashlib.sha256(pdf).hexdigest()
    tied.file.save("check.pdf", ContentFile(pdf))
    foreign = SelfEvalEvidence(self_eval=other.self_eval, original_name="别人的.pdf", size_bytes=len(pdf), sha256="0")
    foreign.file.save("other.pdf", ContentFile(pdf))

    client = world.login("agency")
    page = client.get(f"/evaluation/reeval/samples/{mine.pk}/").content.decode()
    assert 'data-testid="reeval-record"' in page and "120台" in page and "验收单.pdf" in page
    download = client.get(f"/evaluation/reeval/samples/{mine.pk}/evidence/{tied.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == pdf
    assert AuditEvent.objects.filter(event_type="evaluation.evidence_download", actor_id=world.users["agency"].pk)
    assert client.get(f"/evaluation/reeval/samples/{mine.pk}/evidence/{foreign.pk}/").status_code == 404
    assert client.get(f"/evaluation/reeval/samples/{other.pk}/evidence/{foreign.pk}/").status_code == 404
    # The record page itself stays closed to the agency.
    assert client.get(f"/evaluation/self/{mine.self_eval_id}/").status_code in (403, 404)


def test_a_refused_rescore_shows_the_page_again_with_every_score_and_note_typed(world: World) -> None:
    """A score out of range refuses the whole save (400, the message in Chinese); the scores and 说明 just typed — not
    the stored ones — are in the boxes again, so the scorer corrects one figure instead of typing the sheet anew."""
    batch = _drawn(world)
    sample = batch.samples.get(code="P-SCHOOL")
    scores = {f"score-{key}": value for key, value in _scores(sample, 购置教学设备数量="60", 师生满意度="7.5").items()}
    keys = {r["name"]: r["key"] for r in sample.rows}
    notes = {f"comment-{keys['购置教学设备数量']}": "验收单只有110台", f"comment-{keys['师生满意度']}": "问卷样本偏少"}
    client = world.login("performance")
    response = client.post(f"/evaluation/reeval/samples/{sample.pk}/", {**scores, **notes, "opinion": "佐证不足"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "0至分值50" in page
    assert f'name="score-{keys["购置教学设备数量"]}" value="60"' in page
    assert f'name="score-{keys["师生满意度"]}" value="7.5"' in page
    assert 'value="验收单只有110台"' in page and 'value="问卷样本偏少"' in page and "佐证不足" in page
    sample.refresh_from_db()
    assert sample.re_score is None
    # The page read afresh shows what is stored, not what was refused.
    again = client.get(f"/evaluation/reeval/samples/{sample.pk}/").content.decode()
    assert 'value="60"' not in again and "验收单只有110台" not in again


def test_a_refused_finding_shows_the_row_again_as_typed(world: World) -> None:
    """A finding other than 属实 without its 说明 is refused (400, in Chinese); the row keeps the 核实值 and the 结论
    just chosen, the other rows show what is stored, and nothing is recorded."""
    final_records(world)
    business = world.users["business"]
    check = services_reeval.check_draw(
        actor=business, check=services_reeval.check_create(actor=business, fiscal_year=YEAR)
    )
    item, other = list(check.items.order_by("code", "id"))[:2]
    url = f"/evaluation/authenticity/{check.pk}/"
    data = {"item": item.pk, "verified_value": "验收单仅有80台", "finding": "FALSIFIED", "evidence_note": ""}
    response = world.login("business").post(url, data)
    page = response.content.decode()
    assert response.status_code == 400 and "核查结论不是“属实”时须说明问题" in page
    assert page.count('value="验收单仅有80台"') == 1
    row = page[page.index(f'name="item" value="{item.pk}"') : page.index(f'name="item" value="{other.pk}"')]
    assert '<option value="FALSIFIED" selected>' in row
    rest = page[page.index(f'name="item" value="{other.pk}"') :]
    assert "selected>" not in rest.split("</form>")[0]
    item.refresh_from_db()
    assert item.finding == "" and item.verified_value == ""


def test_a_finding_from_a_page_shown_before_another_is_refused_then_saved_on_purpose(world: World) -> None:
    """Two checkers of one check: a finding recorded on a page shown before a colleague recorded that row's finding is
    refused (409 naming who and the finding), nothing changes and no audit record is written; what was typed stays
    on the page, and pressing again saves it on purpose."""
    final_records(world)
    business = world.users["business"]
    check = services_reeval.check_draw(
        actor=business, check=services_reeval.check_create(actor=business, fiscal_year=YEAR)
    )
    item = check.items.order_by("code", "id").first()
    url = f"/evaluation/authenticity/{check.pk}/"
    client = world.login("business")
    row = rf'name="item" value="{item.pk}"><input type="hidden" name="seen" value="([^"]*)"'
    seen = re.search(row, client.get(url).content.decode())[1]
    services_reeval.item_record(
        actor=world.users["performance"], item=item, verified_value="120台", finding="CONFIRMED"
    )
    data = {"item": item.pk, "verified_value": "仅80台", "finding": "FALSIFIED", "evidence_note": "验收单仅80台"}
    stale = client.post(url, {**data, "seen": seen})
    body = stale.content.decode()
    assert stale.status_code == 409 and f"已由{world.users['performance']}记录为“属实”" in body
    assert 'value="仅80台"' in body and 'value="验收单仅80台"' in body
    item.refresh_from_db()
    assert (item.finding, item.verified_value, item.checked_by) == ("CONFIRMED", "120台", world.users["performance"])
    assert AuditEvent.objects.filter(event_type="evaluation.authenticity_finding").count() == 1
    fresh = re.search(row, body)[1]
    assert fresh != seen
    assert client.post(url, {**data, "seen": fresh}).status_code == 302
    item.refresh_from_db()
    assert (item.finding, item.verified_value, item.checked_by) == ("FALSIFIED", "仅80台", business)
    assert AuditEvent.objects.filter(event_type="evaluation.authenticity_finding").count() == 2


def test_the_batch_form_finds_its_department_by_search_not_a_list_of_every_department(world: World) -> None:
    """A county has ~100 主管部门: the 新建再评价批次 form listed them all as one <select>; it is a search box now,
    and an id outside the county is still refused at the box."""
    final_records(world)
    client = world.login("performance")
    page = client.get("/evaluation/reeval/").content.decode()
    assert '<select name="department"' not in page
    assert f'data-jx-autocomplete="{reverse("organizations:department_autocomplete")}"' in page
    far = world.far_unit.department
    base = {"fiscal_year": YEAR, "subject": "project", "rate_pct": "10", "n_min": 1}
    refused = client.post("/evaluation/reeval/", {**base, "department": str(far.pk)})
    assert refused.status_code == 400 and not ReEvaluationBatch.objects.exists()
    assert client.post("/evaluation/reeval/", {**base, "department": str(world.edu.pk)}).status_code == 302
    batch = ReEvaluationBatch.objects.get()
    assert batch.department == world.edu
    # A refused form shows the chosen department's name in the box.
    again = client.post("/evaluation/reeval/", {**base, "department": str(world.edu.pk), "n_min": "0"})
    assert again.status_code == 400 and f'value="{world.edu.name}"' in again.content.decode()


def test_the_circular_tables_are_written_in_the_circulars_own_style(world: World) -> None:
    """The grade table and the 分差 table take the circular's text style (仿宋_GB2312 14pt, as typed in Word), their
    heads repeated on every page."""
    batch = _finished(world)
    word = Document(io.BytesIO(reeval_documents.circular_docx(services_reeval.batch_results(batch), "渠县财政局")))
    grades, gaps = word.tables
    assert [cell_look(c) for c in grades.rows[0].cells] == [
        ("等级", None, None, True),
        ("项目个数", None, None, True),
        ("涉及资金（万元）", None, None, True),
    ]
    assert [cell_look(c)[0] for c in grades.rows[1].cells] == ["优", "2", "350.00"]
    assert cell_look(grades.rows[1].cells[0]) == ("优", None, None, False)
    assert cell_look(gaps.rows[0].cells[1]) == ("项目名称", None, None, True)
    assert [c.text for c in gaps.rows[1].cells][3:] == ["100.00", "70.00", "-30.00", "优→中"]
    assert cell_look(gaps.rows[1].cells[3]) == ("100.00", None, None, False)
    assert tables_kept_whole(word) and head_repeats(grades) and head_repeats(gaps)
