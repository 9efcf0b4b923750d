"""通报 generated from data: figures equal a recomputation from the records, the page and the Word file show them,
the narrative is editable before issuing, and issuing creates the numbered CIRCULAR_* document."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Count, Sum
from docx import Document

from jixiao.accounts.models import Membership
from jixiao.accounts.tests.factories import UserFactory
from jixiao.bulletins import services
from jixiao.bulletins.models import Bulletin, BulletinStatus
from jixiao.core.errors import ConflictError, DomainError, NotFoundError
from jixiao.core.models import AuditEvent
from jixiao.core.money import format_wan
from jixiao.documents.models import DocType, OfficialDocument
from jixiao.evaluation import services_reeval
from jixiao.evaluation.models import ReEvaluationSample
from jixiao.evaluation.tests.test_reeval import _drawn, _scores
from jixiao.keyeval import services as keyeval_services
from jixiao.keyeval.models import EvalTemplate, KeyEvaluation
from jixiao.monitoring.models import MonitoringRecord, MonitoringTask

pytestmark = pytest.mark.django_db


def _docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _finished_batch(world: Any) -> Any:
    batch = _drawn(world)
    perf = world.users["performance"]
    for sample in batch.samples.all():
        lower = "20" if sample.code == "P-SCHOOL" else "50"
        services_reeval.sample_rescore(actor=perf, sample=sample, scores=_scores(sample, 购置教学设备数量=lower))
    return services_reeval.batch_finish(actor=perf, batch=batch)


def test_re_evaluation_bulletin_figures_page_word_and_issue(world: Any) -> None:
    batch = _finished_batch(world)
    perf = world.users["performance"]
    bulletin = services.bulletin_generate(actor=perf, kind="RE_EVAL", fiscal_year=batch.fiscal_year, source_id=batch.pk)
    samples = ReEvaluationSample.objects.filter(batch=batch)
    expected_grades = dict(samples.values_list("re_grade").annotate(n=Count("id")).order_by())
    amount = samples.aggregate(total=Sum("amount_yuan"))["total"]
    figures = bulletin.snapshot["figures"]
    assert figures["sample_size"] == samples.count() == batch.sample_size
    assert figures["population"] == batch.population_size
    assert Decimal(figures["sample_amount_yuan"]) == amount
    assert {g: v["count"] for g, v in figures["grades"].items() if v["count"]} == expected_grades
    assert f"涉及资金{format_wan(amount)}万元" in bulletin.narrative
    client = world.login("performance")
    page = client.get(f"/bulletins/{bulletin.pk}/").content.decode()
    assert format_wan(amount) in page and "再评价结果等级分布" in page
    text = _docx_text(client.get(f"/bulletins/{bulletin.pk}/docx/").content)
    assert format_wan(amount) in text and "“中”1个" in text and "（未编号）" in text
    # The narrative is editable before issuing.
    client.post(
        f"/bulletins/{bulletin.pk}/edit/",
        {
            "title": bulletin.title,
            "narrative": bulletin.narrative + "\n请各部门认真整改。",
            "version": bulletin.version,
        },
    )
    client.post(f"/bulletins/{bulletin.pk}/transition/", {"action": "issue"})
    bulletin.refresh_from_db()
    assert bulletin.status == BulletinStatus.ISSUED
    document = bulletin.document
    assert document is not None and document.doc_type == DocType.CIRCULAR_RE_EVAL
    assert document.doc_no.startswith("渠财绩〔") and document.related == bulletin
    assert set(document.recipients.values_list("department__name", flat=True)) == {"县教育局", "县卫健局"}
    assert "请各部门认真整改。" in document.body
    issued_text = _docx_text(client.get(f"/bulletins/{bulletin.pk}/docx/").content)
    assert document.doc_no in issued_text and format_wan(amount) in issued_text
    doc_text = _docx_text(client.get(f"/documents/{document.pk}/docx/").content)
    assert document.doc_no in doc_text and f"涉及资金{format_wan(amount)}万元" in doc_text
    with pytest.raises(ConflictError):
        services.bulletin_update(actor=perf, bulletin=bulletin, title="x", narrative="y")
    events = set(AuditEvent.objects.filter(object_id=str(bulletin.pk)).values_list("event_type", flat=True))
    assert {"bulletins.generate", "bulletins.update", "bulletins.issue"} <= events
    # The department receives the bulletin as a document.
    assert world.login("dept_admin").get(f"/documents/{document.pk}/").status_code == 200


def _round(world: Any) -> MonitoringTask:
    task = MonitoringTask.objects.create(
        task_no="JK-2026-08",
        title="2026年1—8月项目支出绩效运行监控",
        fiscal_year=2026,
        region=world.region,
        period_end_month=8,
        start_date=date(2026, 9, 1),
        deadline=date(2026, 9, 20),
        status="issued",
    )
    executed = {
        world.school_project.pk: "100000",
        world.branch_project.pk: "300000",
        world.hospital_project.pk: "400000",
    }
    for p in (world.school_project, world.branch_project, world.hospital_project):
        MonitoringRecord.objects.create(
            task=task,
            project=p,
            department=p.department,
            unit=p.unit,
            region=p.region,
            fiscal_year=2026,
            name=p.name,
            current_budget_yuan=Decimal("500000"),
            executed_to_date_yuan=Decimal(executed[p.pk]),
            status="submitted",
        )
    return task


def test_monitoring_bulletin_equals_the_round_records(world: Any) -> None:
    task = _round(world)
    bulletin = services.bulletin_generate(
        actor=world.users["performance"], kind="MONITORING", fiscal_year=2026, source_id=str(task.pk)
    )
    records = MonitoringRecord.objects.filter(task=task, project__isnull=False)
    totals = records.aggregate(budget=Sum("current_budget_yuan"), executed=Sum("executed_to_date_yuan"))
    figures = bulletin.snapshot["figures"]
    assert figures["projects"] == records.count() == 3
    assert Decimal(figures["budget_yuan"]) == totals["budget"]
    assert Decimal(figures["executed_yuan"]) == totals["executed"]
    rate = (totals["executed"] * 100 / totals["budget"]).quantize(Decimal("0.01"))
    assert Decimal(figures["rate_pct"]) == rate
    assert f"共监控项目3个，全年预算{format_wan(totals['budget'])}万元" in bulletin.narrative
    assert bulletin.title == "关于2026年1—8月项目支出绩效运行监控结果的通报"
    text = _docx_text(world.login("performance").get(f"/bulletins/{bulletin.pk}/docx/").content)
    assert f"执行率{rate}%" in text


def test_key_evaluation_bulletin_counts_amounts_and_grades(world: Any) -> None:
    template = EvalTemplate.objects.get(
        kind=EvalTemplate.Kind.PROJECT_10, region__isnull=True, fiscal_year__isnull=True
    )
    created = []
    for title, amount in (("一中教学设备购置", "1000000"), ("医院信息化建设", "2500000")):
        created.append(
            keyeval_services.evaluation_create(
                actor=world.users["performance"],
                data={
                    "fiscal_year": 2026,
                    "title": title,
                    "kind": KeyEvaluation.Kind.FINANCE,
                    "object_type": KeyEvaluation.ObjectType.PROJECT,
                    "budget_book": KeyEvaluation.BudgetBook.GENERAL,
                    "mode": KeyEvaluation.Mode.SELF_RUN,
                    "template": template,
                    "amount_yuan": Decimal(amount),
                },
                projects=[world.school_project],
            )
        )
    KeyEvaluation.objects.filter(pk=created[0].pk).update(status="issued", grade="good", total_score=Decimal("86.5"))
    KeyEvaluation.objects.filter(pk=created[1].pk).update(mode=KeyEvaluation.Mode.THIRD_PARTY)
    bulletin = services.bulletin_generate(actor=world.users["performance"], kind="KEY_EVAL", fiscal_year=2026)
    evaluations = KeyEvaluation.objects.filter(region=world.region, fiscal_year=2026)
    amount = evaluations.aggregate(total=Sum("amount_yuan"))["total"]
    figures = bulletin.snapshot["figures"]
    assert figures["count"] == evaluations.count() == 2
    assert Decimal(figures["amount_yuan"]) == amount == Decimal("3500000")
    assert figures["third_party"] == 1 and figures["issued"] == 1 and figures["grades"]["良"] == 1
    assert "涉及资金350.00万元" in bulletin.narrative and "“良”1个" in bulletin.narrative
    text = _docx_text(world.login("performance").get(f"/bulletins/{bulletin.pk}/docx/").content)
    assert "一中教学设备购置" in text and "86.50" in text


def test_appraisal_bulletin_without_results_says_so_and_cannot_be_issued(world: Any) -> None:
    bulletin = services.bulletin_generate(actor=world.users["performance"], kind="APPRAISAL", fiscal_year=2026)
    assert bulletin.snapshot["empty"] == "考核结果尚未产生"
    page = world.login("performance").get(f"/bulletins/{bulletin.pk}/").content.decode()
    assert "考核结果尚未产生" in page
    with pytest.raises(DomainError, match="考核结果尚未产生"):
        services.bulletin_issue(actor=world.users["performance"], bulletin=bulletin)
    assert not OfficialDocument.objects.exists()


def test_generate_needs_a_source_of_the_users_region(world: Any) -> None:
    perf = world.users["performance"]
    with pytest.raises(DomainError, match="请选择"):
        services.bulletin_generate(actor=perf, kind="MONITORING", fiscal_year=2026)
    with pytest.raises(NotFoundError):
        services.bulletin_generate(actor=perf, kind="MONITORING", fiscal_year=2026, source_id="999999")
    assert not Bulletin.objects.exists()
    response = world.login("performance").post("/bulletins/generate/", {"kind": "RE_EVAL", "fiscal_year": 2026})
    assert response.status_code == 400 and not Bulletin.objects.exists()
    assert "请选择再评价批次或监控轮次" in _generate_errors(response)


def test_scoping_and_access(world: Any, anonymous_client: Any) -> None:
    bulletin = services.bulletin_generate(actor=world.users["performance"], kind="KEY_EVAL", fiscal_year=2026)
    assert anonymous_client.get("/bulletins/").status_code == 302
    assert world.login("leader").get(f"/bulletins/{bulletin.pk}/").status_code == 200
    assert world.login("unit_user").get(f"/bulletins/{bulletin.pk}/").status_code == 403
    assert world.login("leader").post(f"/bulletins/{bulletin.pk}/transition/", {"action": "issue"}).status_code == 403
    outsider = UserFactory(username="far_perf")
    Membership.objects.create(user=outsider, role="performance", region=world.other_region, section=None)
    client = world.login("performance")
    client.logout()
    from jixiao.accounts.tests.factories import TEST_PASSWORD

    assert client.login(username="far_perf", password=TEST_PASSWORD)
    assert client.get(f"/bulletins/{bulletin.pk}/").status_code == 404
    assert client.get(f"/bulletins/{bulletin.pk}/docx/").status_code == 404


def test_an_edit_from_a_stale_page_is_a_409_with_the_typed_text_kept(world: Any) -> None:
    bulletin = services.bulletin_generate(actor=world.users["performance"], kind="KEY_EVAL", fiscal_year=2026)
    client = world.login("performance")
    url = f"/bulletins/{bulletin.pk}/edit/"
    shown = {"title": bulletin.title, "narrative": bulletin.narrative, "version": bulletin.version}
    assert client.post(url, shown | {"narrative": "第一次修改的正文"}).status_code == 302
    stale = client.post(url, shown | {"narrative": "旧页面上修改的正文"})
    body = stale.content.decode()
    assert stale.status_code == 409 and "通报已被他人修改，请刷新后重试" in body and "旧页面上修改的正文" in body
    bad = client.post(url, shown | {"narrative": "含{占位符}的正文", "version": bulletin.version + 1})
    assert bad.status_code == 400 and "不能包含花括号占位符" in bad.content.decode()
    bulletin.refresh_from_db()
    assert bulletin.narrative == "第一次修改的正文" and bulletin.version == shown["version"] + 1


def test_appraisal_bulletin_lists_the_ranking_commendations_and_interviews(world: Any) -> None:
    from jixiao.appraisals import selectors as appraisal_selectors
    from jixiao.appraisals import services as appraisal_services
    from jixiao.appraisals.models import Appraisal, AppraisalSettings
    from jixiao.appraisals.tests.helpers import YEAR, dept_task, finance_score, to_perf_final

    AppraisalSettings.objects.create(region=world.region, fiscal_year=YEAR, commend_top_k=1, interview_bottom_k=1)
    task = dept_task(world)
    for dept, scores in ((world.edu, {"A1": "6.5"}), (world.health, {"E1": "5"})):
        appraisal = Appraisal.objects.get(task=task, department=dept)
        finance_score(world, to_perf_final(world, appraisal), scores)
    appraisal_services.task_rank(actor=world.users["performance"], task=task)
    bulletin = services.bulletin_generate(actor=world.users["performance"], kind="APPRAISAL", fiscal_year=YEAR)
    ranking = appraisal_selectors.appraisal_ranking(world.users["performance"], YEAR)
    figures = bulletin.snapshot["figures"]
    assert figures["examinees"] == len(ranking) == Appraisal.objects.filter(task=task).count()
    commended = [r["examinee"] for r in ranking if r["outcome"] == "COMMEND"]
    interviewed = [r["examinee"] for r in ranking if r["outcome"] == "INTERVIEW"]
    assert figures["commended"] == len(commended) == 1 and figures["interviewed"] == len(interviewed) == 1
    assert f"通报表扬1个：{commended[0]}" in bulletin.narrative and f"约谈1个：{interviewed[0]}" in bulletin.narrative
    bulletin = services.bulletin_issue(actor=world.users["performance"], bulletin=bulletin)
    assert bulletin.document is not None and bulletin.document.doc_type == DocType.CIRCULAR_APPRAISAL
    text = _docx_text(world.login("performance").get(f"/bulletins/{bulletin.pk}/docx/").content)
    assert bulletin.document.doc_no in text and "通报表扬名单" in text and interviewed[0] in text


def test_generate_runs_as_a_job_that_links_the_draft_and_its_word_file(world: Any) -> None:
    """通报 generation is background work (issue 8): the page starts a job; the job page links the draft and
    offers the Word file; the job belongs to its owner only."""
    import io

    from docx import Document

    from jixiao.core.models import Job

    client = world.login("performance")
    response = client.post("/bulletins/generate/", {"kind": "KEY_EVAL", "fiscal_year": 2026})
    job = Job.objects.get(kind="bulletins.generate")
    assert response.status_code == 302 and response["Location"].startswith(f"/jobs/{job.pk}/")
    assert job.status == Job.Status.DONE and job.owner == world.users["performance"]
    bulletin = Bulletin.objects.get()
    assert job.result_url == f"/bulletins/{bulletin.pk}/" and bulletin.region == world.region
    page = client.get(f"/jobs/{job.pk}/")
    assert f'href="/bulletins/{bulletin.pk}/"' in page.content.decode() and "打开通报草稿" in page.content.decode()
    download = client.get(f"/jobs/{job.pk}/download/result/")
    text = "\n".join(p.text for p in Document(io.BytesIO(b"".join(download.streaming_content))).paragraphs)
    assert bulletin.title in text
    assert world.login("leader").get(f"/jobs/{job.pk}/").status_code == 404


def test_generate_job_failure_keeps_nothing_and_says_why(world: Any) -> None:
    """A source of another region: the job fails with the reason and no bulletin is written."""
    from jixiao.core.models import Job

    client = world.login("performance")
    response = client.post("/bulletins/generate/", {"kind": "MONITORING", "fiscal_year": 2026})
    assert response.status_code == 400 and not Job.objects.exists()  # checked in the request: no job at all
    from jixiao.bulletins.views import bulletin_generate_job
    from jixiao.core.jobs import job_start

    perf = world.users["performance"]
    job = job_start(
        perf,
        "bulletins.generate",
        "jixiao.bulletins.views.bulletin_generate_job",
        title="t",
        membership_id=perf.memberships.first().pk,
        bulletin_kind="MONITORING",
        fiscal_year=2026,
        source_id="999999",
    )
    job.refresh_from_db()
    assert bulletin_generate_job and job.status == Job.Status.FAILED and not Bulletin.objects.exists()
    assert job.result_url == ""


def test_refresh_runs_as_a_job_and_bumps_the_draft(world: Any) -> None:
    from jixiao.core.models import Job

    bulletin = services.bulletin_generate(actor=world.users["performance"], kind="KEY_EVAL", fiscal_year=2026)
    Bulletin.objects.filter(pk=bulletin.pk).update(narrative="旧正文")
    response = world.login("performance").post(f"/bulletins/{bulletin.pk}/transition/", {"action": "refresh"})
    job = Job.objects.get(kind="bulletins.refresh")
    assert response["Location"].startswith(f"/jobs/{job.pk}/") and job.status == Job.Status.DONE
    bulletin.refresh_from_db()
    assert bulletin.version == 2 and bulletin.narrative != "旧正文"
    assert job.result_url == f"/bulletins/{bulletin.pk}/"


def test_generate_job_keeps_no_draft_when_the_word_file_fails(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from jixiao.bulletins import documents
    from jixiao.core.models import Job

    def broken(bulletin: Any) -> bytes:
        raise RuntimeError("docx writer failed")

    monkeypatch.setattr(documents, "bulletin_docx", broken)
    world.login("performance").post("/bulletins/generate/", {"kind": "KEY_EVAL", "fiscal_year": 2026})
    job = Job.objects.get(kind="bulletins.generate")
    assert job.status == Job.Status.FAILED and "未保存任何数据" in job.message
    assert not Bulletin.objects.exists() and not job.result_file and job.result_url == ""


def test_a_source_of_the_other_kind_is_refused_not_read_by_its_id(world: Any) -> None:
    """The 再评价批次 and the 监控轮次 can share an id: the generator's options name their kind, and a 监控轮次 picked
    for a 再评价 bulletin is refused (it used to generate from the 再评价批次 with the same id)."""
    from jixiao.core.models import Job

    batch = _finished_batch(world)
    task = _round(world)
    client = world.login("performance")
    page = client.get("/bulletins/", {"fiscal_year": batch.fiscal_year}).content.decode()
    assert f'value="RE_EVAL:{batch.pk}"' in page and f'value="MONITORING:{task.pk}"' in page
    wrong = {"kind": "RE_EVAL", "fiscal_year": 2026, "source_id": f"MONITORING:{task.pk}"}
    response = client.post("/bulletins/generate/", wrong, follow=True)
    assert "所选数据来源与通报类型不符：部门自评财政再评价结果通报须选择再评价批次" in response.content.decode()
    assert not Job.objects.exists() and not Bulletin.objects.exists()
    stale = client.post("/bulletins/generate/", {**wrong, "source_id": str(task.pk)}, follow=True)
    assert "请刷新页面后重新选择" in stale.content.decode() and not Bulletin.objects.exists()
    right = {"kind": "MONITORING", "fiscal_year": 2026, "source_id": f"MONITORING:{task.pk}"}
    client.post("/bulletins/generate/", right)
    bulletin = Bulletin.objects.get()
    assert bulletin.kind == "MONITORING" and bulletin.source_id == str(task.pk)


def test_the_list_page_has_no_duplicate_ids(world: Any) -> None:
    """The generator and the filter both have 通报类型 and 年度: each label opens its own field."""
    import re

    html = world.login("performance").get("/bulletins/").content.decode()
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert [i for i in set(ids) if ids.count(i) > 1] == []
    assert 'for="gen_kind"' in html and 'for="id_kind"' in html


def test_a_refused_edit_keeps_the_typed_text_and_says_which_field(world: Any) -> None:
    """An emptied title or a text over the limit: the page again (400) with what was typed, not a redirect."""
    bulletin = services.bulletin_generate(actor=world.users["performance"], kind="KEY_EVAL", fiscal_year=2026)
    client = world.login("performance")
    url = f"/bulletins/{bulletin.pk}/edit/"
    typed = {"title": "", "narrative": "花了半小时改写的通报正文", "version": bulletin.version}
    response = client.post(url, typed)
    html = response.content.decode()
    assert response.status_code == 400 and "花了半小时改写的通报正文" in html and "通报正文未保存" in html
    too_long = client.post(url, {**typed, "title": "标题" * 101})
    html = too_long.content.decode()
    assert too_long.status_code == 400 and "确保该变量包含不超过 200 字符" in html
    assert "花了半小时改写的通报正文" in html
    bulletin.refresh_from_db()
    assert bulletin.version == typed["version"] and bulletin.narrative != typed["narrative"]


def test_a_bad_filter_is_shown_at_its_field_and_the_others_still_filter(world: Any) -> None:
    """A year typed wrong used to drop every filter silently (状态 = 草稿 listed the issued bulletins too)."""
    draft = services.bulletin_generate(actor=world.users["performance"], kind="KEY_EVAL", fiscal_year=2026)
    # Another year's: one bulletin per kind, year and source (`bulletin_check_new`).
    issued = services.bulletin_generate(actor=world.users["performance"], kind="KEY_EVAL", fiscal_year=2025)
    Bulletin.objects.filter(pk=issued.pk).update(status=BulletinStatus.ISSUED)
    page = world.login("performance").get("/bulletins/?status=draft&fiscal_year=abc").content.decode()
    assert f"/bulletins/{draft.pk}/" in page and f"/bulletins/{issued.pk}/" not in page
    assert 'data-testid="filter-error"' in page


def test_the_oversight_reads_a_bulletin_once_issued_and_leaders_read_drafts(world: Any) -> None:
    """A draft 通报 is the bureau's document in the making (decision 0008): 人大/审计 read it once issued, as they read
    the 文书; they could open the draft's narrative and tables before anyone had agreed them."""
    draft = services.bulletin_generate(actor=world.users["performance"], kind="KEY_EVAL", fiscal_year=2026)
    # Another year's: one bulletin per kind, year and source (`bulletin_check_new`).
    issued = services.bulletin_generate(actor=world.users["performance"], kind="KEY_EVAL", fiscal_year=2025)
    Bulletin.objects.filter(pk=issued.pk).update(status=BulletinStatus.ISSUED)
    oversight = world.login("oversight")
    assert oversight.get(f"/bulletins/{draft.pk}/").status_code == 404
    assert oversight.get(f"/bulletins/{draft.pk}/docx/").status_code == 404
    assert oversight.get(f"/bulletins/{issued.pk}/").status_code == 200
    listing = oversight.get("/bulletins/").content.decode()
    assert f"/bulletins/{draft.pk}/" not in listing and f"/bulletins/{issued.pk}/" in listing
    assert 'value="draft"' not in listing
    for persona in ("leader", "performance", "business", "budget"):
        client = world.login(persona)
        assert client.get(f"/bulletins/{draft.pk}/").status_code == 200, persona
        assert 'value="draft"' in client.get("/bulletins/").content.decode(), persona


def _generate_errors(response: Any) -> list[str]:
    return re.findall(r'data-testid="generate-error">([^<]*)<', response.content.decode())


def test_a_refused_generator_shows_the_choices_again_with_the_reason_at_the_field(world: Any) -> None:
    """A year typed wrong (20266) was redirected to the list with 请选择通报类型、年度和数据来源, the choices lost."""
    from jixiao.core.models import Job

    client = world.login("performance")
    response = client.post("/bulletins/generate/", {"kind": "KEY_EVAL", "fiscal_year": "20266"})
    assert response.status_code == 400
    assert _generate_errors(response) == ["确保该值小于或等于2100。"]
    page = response.content.decode()
    generator = page.split('data-testid="bulletin-generate"')[1].split("</form>")[0]
    assert 'value="20266"' in generator and 'value="KEY_EVAL" selected' in generator
    assert not Job.objects.exists() and not Bulletin.objects.exists()


def test_refreshing_a_bulletin_issued_meanwhile_is_refused_in_the_request(world: Any) -> None:
    """A page out of date offers 按最新数据重新生成 on a bulletin issued meanwhile: the press started a background job
    that failed on its progress page. It is refused on the bulletin's page, in words, and no job is started."""
    from jixiao.core.models import Job

    perf = world.users["performance"]
    bulletin = services.bulletin_generate(actor=perf, kind="KEY_EVAL", fiscal_year=2026)
    Bulletin.objects.filter(pk=bulletin.pk).update(status=BulletinStatus.ISSUED)  # in another tab, meanwhile
    client = world.login("performance")
    response = client.post(f"/bulletins/{bulletin.pk}/transition/", {"action": "refresh"})
    # The bulletin's page again, as it stands now (issued: no 重新生成 offered), with the reason and 409.
    assert response.status_code == 409
    page = response.content.decode()
    assert "当前状态为“已印发”，不允许执行“按最新数据重新生成”操作" in page and 'value="refresh"' not in page
    assert not Job.objects.filter(kind="bulletins.refresh").exists()
