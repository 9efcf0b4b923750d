"""第三方委托 and 执业质量核查: scoping (an agency sees only its engagements), deliverables, the quality-review
total and grade bands, suspension on 不合格, and the history kept per agency."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import World
from jixiao.accounts.models import Membership
from jixiao.accounts.tests.factories import UserFactory
from jixiao.core.errors import DomainError, NotFoundError
from jixiao.core.models import AuditEvent
from jixiao.experts import services
from jixiao.experts.checks import quality_grade, quality_total
from jixiao.experts.models import QUALITY_ASPECTS, Agency, AgencyQualityReview, Engagement, QualityReviewSetting

PDF = b"%PDF-1.4\n%deliverable\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _agency(world: World, name: str = "明信咨询", code: str = "91511700MA62D4L83R", users: Any = None) -> Agency:
    agency = Agency.objects.create(region=world.region, name=name, credit_code=code)
    agency.users.set(users if users is not None else [world.users["agency"]])
    return agency


def _scores(*values: int) -> dict[str, Decimal]:
    return {code: Decimal(v) for (code, _label), v in zip(QUALITY_ASPECTS, values, strict=True)}


@pytest.mark.parametrize(
    ("values", "total", "grade"),
    [
        ((90, 90, 90, 90, 90, 90), "90.00", "excellent"),
        ((95, 85, 90, 90, 90, 89), "89.83", "good"),
        ((80, 80, 80, 80, 80, 80), "80.00", "good"),
        ((79, 80, 80, 80, 80, 80), "79.83", "pass"),
        ((60, 60, 60, 60, 60, 60), "60.00", "pass"),
        ((60, 60, 60, 60, 60, 59), "59.83", "fail"),
        ((0, 0, 0, 0, 0, 0), "0.00", "fail"),
    ],
)
def test_quality_total_and_grade_bands(values: tuple[int, ...], total: str, grade: str) -> None:
    computed = quality_total(_scores(*values), {})
    assert computed == Decimal(total)
    assert quality_grade(computed, Decimal(90), Decimal(80), Decimal(60)) == grade


def test_quality_weights_come_from_the_setting() -> None:
    weights = {"service_quality": 5}  # the others default to 1
    assert quality_total(_scores(100, 70, 100, 100, 100, 100), weights) == Decimal("85.00")
    with pytest.raises(DomainError, match="0至100"):
        quality_total(_scores(101, 70, 100, 100, 100, 100), {})


@pytest.mark.django_db
def test_the_national_default_setting_is_shipped() -> None:
    row = QualityReviewSetting.objects.get(region__isnull=True, fiscal_year__isnull=True)
    assert row.excellent_min == 90 and row.good_min == 80 and row.pass_min == 60 and len(row.weights) == 6


def test_reviews_are_kept_per_year_and_fail_suspends_the_agency(world: World) -> None:
    perf = world.users["performance"]
    agency = _agency(world)
    first = services.quality_review_save(
        actor=perf, agency=agency, fiscal_year=2025, scores=_scores(95, 92, 90, 90, 91, 96)
    )
    assert first.grade == "excellent" and first.total == Decimal("92.33")
    second = services.quality_review_save(
        actor=perf, agency=agency, fiscal_year=2026, scores=_scores(50, 40, 60, 60, 55, 50), note="档案缺失"
    )
    assert second.grade == "fail"
    agency.refresh_from_db()
    assert not agency.is_active and "2026年度执业质量核查不合格" in agency.suspended_reason
    assert AgencyQualityReview.objects.filter(agency=agency).count() == 2
    assert AuditEvent.objects.filter(event_type="agency.suspend").exists()
    # Revising a year replaces that year's row.
    services.quality_review_save(actor=perf, agency=agency, fiscal_year=2025, scores=_scores(85, 85, 85, 85, 85, 85))
    assert AgencyQualityReview.objects.get(agency=agency, fiscal_year=2025).grade == "good"
    page = world.login("performance").get(f"/experts/agencies/{agency.pk}/").content.decode()
    assert "2025" in page and "2026" in page and "不合格" in page and "暂停委托" in page
    # A suspended agency cannot get a new engagement.
    with pytest.raises(DomainError, match="暂停委托"):
        services.engagement_save(
            actor=perf,
            engagement=None,
            data={"agency": agency, "scope": "key_evaluation", "fiscal_year": 2026, "title": "x"},
        )
    with pytest.raises(NotFoundError):
        services.quality_review_save(
            actor=world.users["performance"],
            agency=Agency.objects.create(region=world.other_region, name="外县", credit_code="91511700MA62D4L84R"),
            fiscal_year=2026,
            scores=_scores(90, 90, 90, 90, 90, 90),
        )


def test_review_form_page(world: World) -> None:
    agency = _agency(world)
    client = world.login("performance")
    assert client.get(f"/experts/agencies/{agency.pk}/review/").status_code == 200
    post = {"fiscal_year": "2026", "note": "良好", **{code: "85" for code, _label in QUALITY_ASPECTS}}
    assert client.post(f"/experts/agencies/{agency.pk}/review/", post).status_code == 302
    bad = {**post, "basic_mgmt": "120"}
    assert client.post(f"/experts/agencies/{agency.pk}/review/", bad).status_code == 400
    assert AgencyQualityReview.objects.get().total == Decimal("85.00")
    assert "执业质量核查" in client.get("/experts/reviews/").content.decode()
    assert world.login("agency").get("/experts/reviews/").status_code == 403


def test_agency_sees_only_its_engagements_and_uploads_deliverables(world: World) -> None:
    perf = world.users["performance"]
    other_login = UserFactory(username="p_agency2")
    Membership.objects.create(user=other_login, role="agency", region=world.region)
    mine = _agency(world)
    theirs = _agency(world, name="其他机构", code="91511700MA62D4L84R", users=[other_login])
    data = {
        "scope": "key_evaluation",
        "fiscal_year": 2026,
        "title": "2026年重点绩效评价委托",
        "contract_no": "HT-2026-01",
        "fee_yuan": Decimal("180000"),
        "team": "周凯（项目负责人）",
    }
    own = services.engagement_save(actor=perf, engagement=None, data={**data, "agency": mine})
    other = services.engagement_save(actor=perf, engagement=None, data={**data, "agency": theirs, "title": "另一委托"})
    client = world.login("agency")
    listing = client.get("/experts/engagements/").content.decode()
    assert "2026年重点绩效评价委托" in listing and "另一委托" not in listing
    assert client.get(f"/experts/engagements/{other.pk}/").status_code == 404
    assert world.login("unit_user").get("/experts/engagements/").status_code == 403
    upload = SimpleUploadedFile("评价报告.pdf", PDF, content_type="application/pdf")
    assert client.post(f"/experts/engagements/{own.pk}/deliver/", {"file": upload}).status_code == 302
    own.refresh_from_db()
    assert own.status == "delivered" and own.deliverables.count() == 1
    assert client.post(f"/experts/engagements/{other.pk}/deliver/", {"file": upload}).status_code == 404
    bad = SimpleUploadedFile("评价报告.pdf", b"not a pdf")
    response = client.post(f"/experts/engagements/{own.pk}/deliver/", {"file": bad})
    assert response.status_code == 400 and "文件内容与扩展名不符" in response.content.decode()
    assert own.deliverables.count() == 1
    download = client.get(f"/experts/engagements/{own.pk}/files/{own.deliverables.get().pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    # The agency cannot accept its own work; the performance section does.
    assert client.post(f"/experts/engagements/{own.pk}/status/", {"status": "accepted"}).status_code == 403
    services.engagement_set_status(actor=perf, engagement=own, status="accepted")
    own.refresh_from_db()
    assert own.status == Engagement.Status.ACCEPTED
    assert AuditEvent.objects.filter(event_type="engagement.deliverable_add", object_id=str(own.pk)).exists()


def test_engagement_pages_for_the_performance_section(world: World) -> None:
    agency = _agency(world)
    client = world.login("performance")
    assert client.get("/experts/engagements/new/").status_code == 200
    post = {
        "agency": agency.pk,
        "scope": "training",
        "fiscal_year": "2026",
        "title": "绩效管理培训",
        "fee_yuan": "2.5",
        "start_date": "2026-05-01",
        "end_date": "2026-04-01",
    }
    response = client.post("/experts/engagements/new/", post)
    assert response.status_code == 400 and "结束日期不能早于开始日期" in response.content.decode()
    assert Engagement.objects.count() == 0
    post["end_date"] = "2026-05-30"
    assert client.post("/experts/engagements/new/", post).status_code == 302
    engagement = Engagement.objects.get()
    assert engagement.fee_yuan == Decimal("25000.00")
    edit = f"/experts/engagements/{engagement.pk}/edit/"
    # The edit page shows the saved dates in the date boxes (type=date takes only 2026-05-01, not 2026/05/01).
    page = client.get(edit).content.decode()
    assert 'value="2026-05-01"' in page and 'value="2026-05-30"' in page
    shown = {**post, "version": engagement.version}
    assert client.post(edit, {**shown, "title": "绩效管理培训（一）"}).status_code == 302
    stale = client.post(edit, {**shown, "title": "绩效管理培训（旧页面）"})
    body = stale.content.decode()
    assert stale.status_code == 409 and "该委托已被他人修改，请刷新后重试" in body and "绩效管理培训（旧页面）" in body
    engagement.refresh_from_db()
    assert engagement.title == "绩效管理培训（一）"
    assert "绩效管理培训" in client.get(f"/experts/agencies/{agency.pk}/").content.decode()


def test_an_engagement_cannot_be_moved_to_a_suspended_agency_but_stays_editable(world: World) -> None:
    """暂停委托 also holds on edit: moving a commission to a suspended agency is a new commission for it."""
    agency = _agency(world)
    suspended = _agency(world, name="暂停机构", code="91511700MA62D4L84R", users=[])
    Agency.objects.filter(pk=suspended.pk).update(is_active=False, suspended_reason="2026年度执业质量核查不合格")
    client = world.login("performance")
    post = {"agency": agency.pk, "scope": "training", "fiscal_year": "2026", "title": "绩效管理培训"}
    assert client.post("/experts/engagements/new/", post).status_code == 302
    engagement = Engagement.objects.get()
    edit = f"/experts/engagements/{engagement.pk}/edit/"
    moved = client.post(edit, {**post, "agency": suspended.pk, "title": "改派", "version": engagement.version})
    assert moved.status_code == 400
    assert "该第三方机构已出库或被暂停委托，不能新增委托" in moved.content.decode()
    engagement.refresh_from_db()
    assert (engagement.agency_id, engagement.title) == (agency.pk, "绩效管理培训")
    # An engagement whose own agency is suspended later can still be edited (e.g. to record its dates).
    Agency.objects.filter(pk=agency.pk).update(is_active=False)
    kept = client.post(edit, {**post, "title": "绩效管理培训（一）", "version": engagement.version})
    assert kept.status_code == 302
    engagement.refresh_from_db()
    assert engagement.title == "绩效管理培训（一）"


def test_terminating_an_engagement_asks_first(world: World) -> None:
    engagement = Engagement.objects.create(
        region=world.region, agency=_agency(world), scope="key_evaluation", fiscal_year=2026, title="重点评价委托"
    )
    page = world.login("performance").get(f"/experts/engagements/{engagement.pk}/").content.decode()
    # 终止委托 is final (no page reopens it) and was one click with no question.
    assert 'data-confirm="确定终止委托“重点评价委托”吗？终止后不能恢复，机构也不能再上传成果。"' in page


def test_a_closed_engagement_keeps_its_status(world: World) -> None:
    perf = world.users["performance"]
    engagement = Engagement.objects.create(
        region=world.region, agency=_agency(world), scope="key_evaluation", fiscal_year=2026, title="重点评价委托"
    )
    services.deliverable_add(
        actor=world.users["agency"], engagement=engagement, upload=SimpleUploadedFile("成果.pdf", PDF)
    )
    client = world.login("performance")
    accepted = client.post(f"/experts/engagements/{engagement.pk}/status/", {"status": "accepted"}, follow=True)
    assert "委托已验收" in accepted.content.decode()  # the message says what happened, not 委托状态已更新
    # A 终止委托 pressed on a page opened before the acceptance turned the accepted engagement into a terminated one.
    response = client.post(f"/experts/engagements/{engagement.pk}/status/", {"status": "terminated"})
    assert response.status_code == 409 and "委托已验收，不能再变更状态" in response.content.decode()
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.ACCEPTED
    ended = Engagement.objects.create(
        region=world.region, agency=engagement.agency, scope="training", fiscal_year=2026, title="培训委托"
    )
    services.engagement_set_status(actor=perf, engagement=ended, status="terminated")
    with pytest.raises(DomainError, match="委托已终止，不能再变更状态"):
        services.engagement_set_status(actor=perf, engagement=ended, status="active")
    # The two real changes (accepted, terminated) are audited; the refused ones are not.
    assert AuditEvent.objects.filter(event_type="engagement.status", actor_id=perf.pk).count() == 2


def test_a_status_not_offered_is_explained_at_the_filter(world: World) -> None:
    _agency(world)
    page = world.login("performance").get("/experts/engagements/", {"status": "finished"}).content.decode()
    assert 'data-testid="filter-error"' in page and "finished 不在可用的选项中" in page
