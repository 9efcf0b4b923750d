"""Generation, the review workflow, scoping, audit, settings, statistics and the internal pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import Count
from django.urls import reverse

from conftest import World
from jixiao.core.audit_labels import event_label
from jixiao.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.core.todos import for_user
from jixiao.disclosure import selectors, services
from jixiao.disclosure.models import Disclosure, DisclosureSettings, ItemType
from jixiao.disclosure.tests.helpers import YEAR, Sources, generate, item_of, make_sources, publish
from jixiao.evaluation.models import SelfEvaluation
from jixiao.targets.models import PerformanceTarget

S = Disclosure.Status


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def sources(world: World) -> Sources:
    return make_sources(world)


def test_generator_creates_one_pending_item_per_source_and_is_idempotent(world: World, sources: Sources) -> None:
    result = generate(world)
    assert result["created"] == 8
    counts = dict(Disclosure.objects.values_list("item_type").annotate(n=Count("id")).order_by())
    assert counts == {
        ItemType.TARGET_TABLE: 2,
        ItemType.DEPT_OVERALL_TARGET: 1,
        ItemType.SELF_EVAL_REPORT: 1,
        ItemType.KEY_EVAL_REPORT: 1,
        ItemType.MONITOR_SUMMARY: 1,
        ItemType.INDICATOR_LIBRARY: 1,
        ItemType.AGRI_FUND_NOTICE: 1,
    }
    assert set(Disclosure.objects.values_list("status", flat=True)) == {S.PENDING}
    assert generate(world)["created"] == 0
    assert Disclosure.objects.count() == 8
    event = AuditEvent.objects.filter(event_type="disclosure.generate").earliest("seq")
    assert event.changes["created"][ItemType.TARGET_TABLE] == 2
    # The console reads it in Chinese (the change rows show the stored codes: TARGET_TABLE：2).
    assert event.reason.startswith("生成8个公开事项（") and "项目绩效目标表2个" in event.reason
    assert event.reason.endswith("，其中0个涉密默认不予公开")
    # Due date: approval + the national default of 20 days.
    assert item_of(ItemType.TARGET_TABLE, sources.target).due_date == dt.date(2026, 1, 30)


def test_unapproved_targets_and_filling_self_evaluations_are_not_generated(world: World, sources: Sources) -> None:
    PerformanceTarget.objects.filter(pk=sources.hospital_target.pk).update(status="perf_review")
    SelfEvaluation.objects.filter(pk=sources.self_eval.pk).update(status="filling")
    generate(world)
    assert not Disclosure.objects.filter(subject_id=sources.hospital_target.pk, item_type=ItemType.TARGET_TABLE)
    assert not Disclosure.objects.filter(item_type=ItemType.SELF_EVAL_REPORT).exists()


def test_secret_department_items_start_exempt_with_a_reason(world: World, sources: Sources) -> None:
    world.health.is_secret = True
    world.health.save(update_fields=["is_secret"])
    result = generate(world)
    assert result["exempt_secret"] == 1
    item = item_of(ItemType.TARGET_TABLE, sources.hospital_target)
    assert item.status == S.EXEMPT_SECRET
    assert "涉密" in item.exempt_reason
    assert item.events.get().to_status == S.EXEMPT_SECRET


def test_region_setting_overrides_the_deadline_and_overdue_is_flagged(world: World, sources: Sources) -> None:
    DisclosureSettings.objects.create(region=world.region, fiscal_year=YEAR, days_after_approval=5)
    generate(world)
    item = item_of(ItemType.TARGET_TABLE, sources.target)
    assert item.due_date == dt.date(2026, 1, 15)
    assert item.is_overdue  # 2026-01-15 is long past in the test clock
    assert selectors.disclosure_summary(world.users["performance"], YEAR)["overdue"] >= 1
    overdue = selectors.disclosures_filtered(world.users["performance"], {"overdue": True})
    assert item in overdue


def test_unit_proposes_and_performance_publishes_with_events_and_audit(world: World, sources: Sources) -> None:
    generate(world)
    item = item_of(ItemType.TARGET_TABLE, sources.target)
    item = services.disclosure_transition(actor=world.users["unit_user"], item=item, action="propose")
    assert item.status == S.REVIEW
    with pytest.raises(PermissionDeniedError):
        services.disclosure_transition(actor=world.users["unit_user"], item=item, action="publish")
    item = services.disclosure_transition(actor=world.users["performance"], item=item, action="publish")
    assert item.status == S.PUBLISHED and item.published_at is not None
    assert item.snapshot["name"] == sources.target.name
    assert [i["name"] for i in item.snapshot["indicators"]][:3] == [
        "购置教学设备数量",
        "教学条件改善情况",
        "师生满意度",
    ]
    assert [e.action for e in item.events.order_by("id")] == ["generate", "propose", "publish"]
    assert AuditEvent.objects.filter(event_type="disclosure.publish", object_id=str(item.pk)).exists()
    assert AuditEvent.objects.filter(event_type="disclosure.propose", object_id=str(item.pk)).exists()


def test_other_units_items_are_not_found_for_a_unit_user(world: World, sources: Sources) -> None:
    generate(world)
    hospital = item_of(ItemType.TARGET_TABLE, sources.hospital_target)
    with pytest.raises(NotFoundError):
        services.disclosure_transition(actor=world.users["unit_user"], item=hospital, action="propose")
    assert hospital not in selectors.disclosures_visible(world.users["unit_user"])
    assert Disclosure.objects.get(pk=hospital.pk).status == S.PENDING


def test_exemption_needs_a_type_and_a_reason_and_nothing_is_half_written(world: World, sources: Sources) -> None:
    generate(world)
    item = item_of(ItemType.SELF_EVAL_REPORT)
    with pytest.raises(DomainError, match="请填写理由"):
        services.disclosure_transition(actor=world.users["unit_user"], item=item, action="propose_exempt")
    with pytest.raises(DomainError, match="不予公开的类型"):
        services.disclosure_transition(
            actor=world.users["unit_user"], item=item, action="propose_exempt", comment="含个人信息", exemption="x"
        )
    assert Disclosure.objects.get(pk=item.pk).status == S.PENDING
    item = services.disclosure_transition(
        actor=world.users["unit_user"], item=item, action="propose_exempt", comment="含个人信息", exemption="sensitive"
    )
    assert item.status == S.REVIEW and item.requested_exemption == "sensitive"
    with pytest.raises(DomainError):
        services.disclosure_transition(actor=world.users["performance"], item=item, action="exempt_sensitive")
    item = services.disclosure_transition(
        actor=world.users["performance"], item=item, action="exempt_sensitive", comment="涉及个人信息"
    )
    assert item.status == S.EXEMPT_SENSITIVE and item.exempt_reason == "涉及个人信息"
    assert not item.snapshot


def test_withdraw_needs_a_reason_and_reopen_starts_over(world: World, sources: Sources) -> None:
    generate(world)
    item = publish(world, item_of(ItemType.KEY_EVAL_REPORT))
    with pytest.raises(DomainError):
        services.disclosure_transition(actor=world.users["performance"], item=item, action="withdraw")
    item = services.disclosure_transition(
        actor=world.users["performance"], item=item, action="withdraw", comment="报告需更正"
    )
    assert item.status == S.WITHDRAWN and item.withdraw_reason == "报告需更正"
    item = services.disclosure_transition(
        actor=world.users["performance"], item=item, action="reopen", comment="重新提交"
    )
    assert item.status == S.PENDING


def test_stale_state_is_a_conflict(world: World, sources: Sources) -> None:
    generate(world)
    item = item_of(ItemType.TARGET_TABLE, sources.target)
    stale = Disclosure.objects.get(pk=item.pk)
    services.disclosure_transition(actor=world.users["performance"], item=item, action="propose")
    Disclosure.objects.filter(pk=item.pk).update(status=S.PENDING)
    stale.status = S.REVIEW
    with pytest.raises(ConflictError):
        services.disclosure_transition(actor=world.users["performance"], item=stale, action="publish")


def test_only_performance_generates_and_only_in_its_region(world: World, sources: Sources) -> None:
    with pytest.raises(PermissionDeniedError):
        services.disclosure_generate(actor=world.users["dept_admin"], region=world.region, fiscal_year=YEAR)
    with pytest.raises(NotFoundError):
        services.disclosure_generate(actor=world.users["performance"], region=world.other_region, fiscal_year=YEAR)
    assert not Disclosure.objects.exists()


def test_a_generator_racing_another_on_the_same_items_is_a_conflict_and_writes_nothing(
    world: World, sources: Sources, monkeypatch: Any
) -> None:
    """A city and its county generating the same year at once: each locks only its own region row, both read the
    county's items as not yet there, the second insert hits the unique constraint. It was an IntegrityError (500)."""
    generate(world)
    items, events = Disclosure.objects.count(), AuditEvent.objects.filter(event_type="disclosure.generate").count()
    # The second generator read before the first committed: its “not yet generated” check saw nothing.
    monkeypatch.setattr(services, "_not_yet", lambda qs, item_type, content_type: qs)
    with pytest.raises(ConflictError, match="其他人正在生成"):
        generate(world)
    response = world.login("performance").post(reverse("disclosure:generate"), {"fiscal_year": YEAR})
    assert response.status_code == 409 and "本次未生成任何事项" in response.content.decode()
    # Nothing of the clashing runs is kept, and the caller's transaction is still usable (a savepoint).
    assert Disclosure.objects.count() == items
    assert AuditEvent.objects.filter(event_type="disclosure.generate").count() == events


def test_a_year_after_the_next_budget_year_is_refused(world: World, sources: Sources) -> None:
    """2062 typed for 2026 would leave a 指标体系 item pending for good; the next budget year (2027) is allowed."""
    perf = world.login("performance")
    refused = perf.post(reverse("disclosure:generate"), {"fiscal_year": 2062})
    assert refused.status_code == 400 and "年度不能晚于2027年" in refused.content.decode()
    assert 'value="2062"' in refused.content.decode()  # the list again with the year as typed, not a 302
    assert f'<form method="get" action="{reverse("disclosure:list")}"' in refused.content.decode()  # filters still work
    assert not Disclosure.objects.filter(fiscal_year=2062).exists()
    services.disclosure_generate(actor=world.users["performance"], region=world.region, fiscal_year=2027)
    assert Disclosure.objects.filter(fiscal_year=2027, item_type=ItemType.INDICATOR_LIBRARY).exists()


def test_summary_and_statistics_count_published_and_exempt(world: World, sources: Sources) -> None:
    generate(world)
    publish(world, item_of(ItemType.TARGET_TABLE, sources.target), proposer="unit_user")
    publish(world, item_of(ItemType.KEY_EVAL_REPORT))
    item = services.disclosure_transition(
        actor=world.users["performance"], item=item_of(ItemType.MONITOR_SUMMARY), action="propose"
    )
    services.disclosure_transition(actor=world.users["performance"], item=item, action="exempt_secret", comment="涉密")
    summary = selectors.disclosure_summary(world.users["performance"], YEAR)
    assert summary["published"][ItemType.TARGET_TABLE] == 1
    assert summary["published"][ItemType.KEY_EVAL_REPORT] == 1
    assert summary["published_total"] == 2
    assert summary["exempt"] == {"secret": 1, "sensitive": 0, "other": 0}
    assert summary["pending"] == 5
    # A unit sees only its own items.
    unit_summary = selectors.disclosure_summary(world.users["unit_user"], YEAR)
    assert unit_summary["published_total"] == 1
    rows = {r["item_type"]: r for r in selectors.statistics_rows(world.users["performance"], YEAR)}
    assert rows[ItemType.MONITOR_SUMMARY]["secret"] == 1
    page = world.login("leader").get(reverse("disclosure:statistics") + f"?fiscal_year={YEAR}")
    assert page.status_code == 200
    assert "信息公开统计" in page.content.decode()


def test_reviewers_and_proposers_get_todos(world: World, sources: Sources) -> None:
    generate(world)
    services.disclosure_transition(
        actor=world.users["unit_user"], item=item_of(ItemType.TARGET_TABLE, sources.target), action="propose"
    )
    titles = {t.title: t.count for t in for_user(world.users["performance"])}
    assert titles["待审核的公开事项"] == 1
    unit_titles = {t.title: t.count for t in for_user(world.users["unit_user"])}
    assert "待审核的公开事项" not in unit_titles
    assert unit_titles["待提交的公开事项"] == 2  # the school's self-evaluation and department-overall target


# ---- pages --------------------------------------------------------------------------------------------------------


def test_pages_list_detail_generate_and_transition(world: World, sources: Sources) -> None:
    perf = world.login("performance")
    response = perf.post(reverse("disclosure:generate"), {"fiscal_year": YEAR})
    assert response.status_code == 302
    assert Disclosure.objects.count() == 8
    listing = perf.get(reverse("disclosure:list"), {"fiscal_year": YEAR, "item_type": ItemType.TARGET_TABLE})
    assert listing.status_code == 200
    assert sources.target.name in listing.content.decode()
    # The filter's 年度 and the generator's 年度 are two boxes with two ids, each label pointing at its own.
    body = listing.content.decode()
    assert body.count('id="id_fiscal_year"') == 1 and body.count('id="id_generate_fiscal_year"') == 1
    assert 'for="id_generate_fiscal_year"' in body
    item = item_of(ItemType.TARGET_TABLE, sources.target)
    unit = world.login("unit_user")
    assert unit.get(reverse("disclosure:detail", args=[item.pk])).status_code == 200
    assert unit.post(reverse("disclosure:transition", args=[item.pk]), {"action": "propose"}).status_code == 302
    queue = perf.get(reverse("disclosure:review"))
    assert sources.target.name in queue.content.decode()
    assert perf.post(reverse("disclosure:transition", args=[item.pk]), {"action": "publish"}).status_code == 302
    assert Disclosure.objects.get(pk=item.pk).status == S.PUBLISHED
    detail = perf.get(reverse("disclosure:detail", args=[item.pk])).content.decode()
    assert "公开内容快照" in detail and "购置教学设备数量" in detail


def test_pages_refuse_bad_input_in_chinese_and_hide_other_units_items(world: World, sources: Sources) -> None:
    generate(world)
    hospital = item_of(ItemType.TARGET_TABLE, sources.hospital_target)
    unit = world.login("unit_user")
    assert unit.get(reverse("disclosure:detail", args=[hospital.pk])).status_code == 404
    assert unit.post(reverse("disclosure:transition", args=[hospital.pk]), {"action": "propose"}).status_code == 404
    item = item_of(ItemType.TARGET_TABLE, sources.target)
    response = unit.post(reverse("disclosure:transition", args=[item.pk]), {"action": "propose_exempt"})
    assert response.status_code == 400
    assert "请填写理由或意见" in response.content.decode()
    response = unit.post(reverse("disclosure:transition", args=[item.pk]), {"action": "publish"})
    assert response.status_code in (403, 409)
    assert Disclosure.objects.get(pk=item.pk).status == S.PENDING
    assert world.login("expert").get(reverse("disclosure:list")).status_code == 403
    assert world.login("unit_user").post(reverse("disclosure:generate"), {"fiscal_year": YEAR}).status_code == 403


@pytest.mark.parametrize("persona", ["performance", "budget", "business", "dept_admin", "unit_user", "leader"])
def test_every_reader_gets_the_list_with_bounded_queries(
    world: World, sources: Sources, persona: str, django_assert_max_num_queries: Any
) -> None:
    generate(world)
    client = world.login(persona)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("disclosure:list")).status_code == 200


def test_settings_page_saves_the_region_row_with_audit_and_refuses_bad_input(world: World, sources: Sources) -> None:
    perf = world.login("performance")
    url = reverse("disclosure:settings")
    page = perf.get(url)
    assert page.status_code == 200 and "全国默认" in page.content.decode()
    response = perf.post(url, {"fiscal_year": "", "days_after_approval": "0"})
    assert response.status_code == 400
    assert not DisclosureSettings.objects.filter(region=world.region).exists()
    assert perf.post(url, {"fiscal_year": YEAR, "days_after_approval": "10"}).status_code == 302
    assert perf.post(url, {"fiscal_year": YEAR, "days_after_approval": "12"}).status_code == 302
    row = DisclosureSettings.objects.get(region=world.region, fiscal_year=YEAR)
    assert row.days_after_approval == 12
    assert AuditEvent.objects.filter(event_type="disclosure.settings").count() == 2
    assert selectors.days_after_approval(world.region, YEAR) == 12
    assert selectors.days_after_approval(world.region, YEAR + 1) == 20
    assert world.login("unit_user").get(url).status_code == 403
    with pytest.raises(DomainError, match="1至365"):
        services.disclosure_settings_save(
            actor=world.users["performance"], region=world.region, fiscal_year=None, days_after_approval=400
        )


def test_bulk_propose_and_publish_in_one_go_with_events_and_one_audit_record(world: World, sources: Sources) -> None:
    generate(world)
    perf = world.login("performance")
    ids = list(Disclosure.objects.filter(item_type=ItemType.TARGET_TABLE).values_list("pk", flat=True))
    assert perf.post(reverse("disclosure:bulk"), {"ids": ids, "action": "propose"}).status_code == 302
    assert perf.get(reverse("disclosure:review")).content.decode().count('name="ids"') == 2
    assert perf.post(reverse("disclosure:bulk"), {"ids": ids, "action": "publish"}).status_code == 302
    published = Disclosure.objects.filter(pk__in=ids)
    assert {i.status for i in published} == {S.PUBLISHED}
    assert all(i.snapshot["indicators"] for i in published)
    assert AuditEvent.objects.filter(event_type="disclosure.bulk_publish").count() == 1
    assert all(i.events.filter(action="publish").exists() for i in published)
    # Nothing half-done: one item in another state fails the whole batch, with a Chinese message.
    others = list(Disclosure.objects.filter(item_type=ItemType.SELF_EVAL_REPORT).values_list("pk", flat=True))
    with pytest.raises(ConflictError, match="状态已变化"):
        services.disclosure_bulk_transition(actor=world.users["performance"], ids=[*others, ids[0]], action="propose")
    assert Disclosure.objects.get(pk=others[0]).status == S.PENDING
    with pytest.raises(DomainError, match="不能批量"):
        services.disclosure_bulk_transition(actor=world.users["performance"], ids=others, action="withdraw")
    # A unit cannot touch another unit's item in a batch (404), nor publish.
    hospital = item_of(ItemType.SELF_EVAL_REPORT).pk
    unit = world.login("other_unit_user")
    assert unit.post(reverse("disclosure:bulk"), {"ids": [hospital], "action": "propose"}).status_code == 404
    with pytest.raises(PermissionDeniedError):
        services.disclosure_bulk_transition(actor=world.users["unit_user"], ids=[hospital], action="publish")


def test_the_statistics_year_filter_keeps_its_label_and_button_on_one_line(world: World) -> None:
    """A flex row: without nowrap/w-auto the select took the width and 年度/查看 broke per character."""
    body = world.login("performance").get(reverse("disclosure:statistics")).content.decode()
    assert '<label class="small text-nowrap" for="year-select">年度</label>' in body
    assert 'class="form-select form-select-sm w-auto" id="year-select"' in body
    assert '<button class="btn btn-primary btn-sm text-nowrap" type="submit">查看</button>' in body


@pytest.mark.parametrize("bad_id", ["²", "①", str(2**70)])
def test_a_bulk_post_with_an_id_that_is_no_number_or_too_large_is_not_found_and_moves_nothing(
    world: World, sources: Sources, bad_id: str
) -> None:
    generate(world)
    ids = [str(pk) for pk in Disclosure.objects.filter(item_type=ItemType.TARGET_TABLE).values_list("pk", flat=True)]
    response = world.login("performance").post(reverse("disclosure:bulk"), {"ids": [*ids, bad_id], "action": "propose"})
    assert response.status_code == 404
    assert set(Disclosure.objects.filter(pk__in=ids).values_list("status", flat=True)) == {S.PENDING}


def test_bulk_propose_returns_to_the_list_as_it_was(world: World, sources: Sources) -> None:
    """The 待提交 list (the 待办 link ?status=pending) stays filtered after 批量提交: the form carries its address."""
    generate(world)
    perf = world.login("performance")
    query = f"status=pending&item_type={ItemType.TARGET_TABLE}"
    body = perf.get(f"{reverse('disclosure:list')}?{query}").content.decode()
    assert f'action="{reverse("disclosure:bulk")}?status=pending&amp;item_type={ItemType.TARGET_TABLE}"' in body
    ids = list(Disclosure.objects.filter(item_type=ItemType.TARGET_TABLE).values_list("pk", flat=True))
    response = perf.post(f"{reverse('disclosure:bulk')}?{query}", {"ids": ids, "action": "propose"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('disclosure:list')}?{query}"
    assert set(Disclosure.objects.filter(pk__in=ids).values_list("status", flat=True)) == {S.REVIEW}
    # A refused batch shows that list again (its filters travel in the address) with the reason, nothing moved.
    response = perf.post(f"{reverse('disclosure:bulk')}?{query}", {"ids": ids, "action": "propose"})
    assert response.status_code == 409 and "所选公开事项中有状态已变化的" in response.content.decode()
    assert response.context["form"].data.get("status") == "pending"
    assert set(Disclosure.objects.filter(pk__in=ids).values_list("status", flat=True)) == {S.REVIEW}


def test_the_statistics_year_select_shows_the_year_of_the_figures(world: World, sources: Sources) -> None:
    """A year with no items yet (a new current year, or typed in the address) showed its figures under a select set
    to another year; 查看 then jumped to that one."""
    generate(world)
    perf = world.login("performance")
    body = perf.get(reverse("disclosure:statistics"), {"fiscal_year": YEAR + 1}).content.decode()
    assert f"信息公开统计（{YEAR + 1}年度）" in body
    assert f'<option value="{YEAR + 1}" selected>{YEAR + 1}</option>' in body
    assert f'<option value="{YEAR}" >{YEAR}</option>' in body  # the year with items is still offered
    body = perf.get(reverse("disclosure:statistics"), {"fiscal_year": YEAR}).content.decode()
    assert f'<option value="{YEAR}" selected>{YEAR}</option>' in body


def test_an_item_to_propose_or_review_shows_what_publishing_would_freeze(world: World, sources: Sources) -> None:
    """The 待办 asks to 核对公开内容后提交 and the reviewer decides 公开 or 不予公开: the page showed only
    “审核通过公开时，系统将冻结…”, nothing of the content. It now previews it from the source, writing nothing."""
    generate(world)
    item = item_of(ItemType.TARGET_TABLE, sources.target)
    body = world.login("unit_user").get(reverse("disclosure:detail", args=[item.pk])).content.decode()
    assert 'data-testid="snapshot-preview"' in body
    assert sources.target.name in body and 'data-testid="indicator-table"' in body
    report = item_of(ItemType.KEY_EVAL_REPORT)
    perf = world.login("performance")
    body = perf.get(reverse("disclosure:detail", args=[report.pk])).content.decode()
    assert 'data-testid="snapshot-preview"' in body and 'data-testid="keyeval-table"' in body
    report.refresh_from_db()
    assert not report.snapshot and not report.snapshot_file  # a preview, nothing frozen or generated to a file
    # Published: the frozen snapshot, no preview. A source that is gone: the page still opens, with the note.
    publish(world, item)
    body = perf.get(reverse("disclosure:detail", args=[item.pk])).content.decode()
    assert 'data-testid="snapshot-preview"' not in body and "公开内容快照" in body
    monitor = item_of(ItemType.MONITOR_SUMMARY)
    Disclosure.objects.filter(pk=monitor.pk).update(subject_id=10**9)
    response = perf.get(reverse("disclosure:detail", args=[monitor.pk]))
    assert response.status_code == 200 and "审核通过公开时，系统将冻结" in response.content.decode()


def test_a_printed_item_leaves_out_its_action_forms(world: World, sources: Sources) -> None:
    """Printed (for the file of a 公开审批), the page carried the 审核/退回 buttons and the 申请不予公开 form."""
    generate(world)
    item = item_of(ItemType.SELF_EVAL_REPORT)
    body = world.login("unit_user").get(reverse("disclosure:detail", args=[item.pk])).content.decode()
    assert '<div class="card mb-3 no-print"><div class="card-body">' in body  # 提交公开
    assert '<div class="card mb-3 border-warning no-print"><div class="card-header">申请不予公开</div>' in body


def test_the_batch_button_shows_only_above_items_to_tick(world: World, sources: Sources) -> None:
    """批量提交 showed on every page of the list, also to a 主管部门 with nothing 待提交 (nothing to tick)."""
    generate(world)
    perf = world.login("performance")
    url = reverse("disclosure:list")
    assert 'data-testid="bulk-propose"' in perf.get(url).content.decode()
    assert 'data-testid="bulk-propose"' not in perf.get(url, {"status": "published"}).content.decode()
    Disclosure.objects.update(status=S.REVIEW)
    assert 'data-testid="bulk-propose"' not in perf.get(url).content.decode()
    assert 'data-testid="bulk-propose"' not in world.login("budget").get(url).content.decode()  # views only


def test_a_reopened_item_previews_the_source_not_the_withdrawn_snapshot(world: World, sources: Sources) -> None:
    """Withdrawn and reopened (待提交), the page still showed the old frozen snapshot as 公开内容快照, though
    publishing builds a new one from the source: the preview shows what will be published."""
    generate(world)
    item = publish(world, item_of(ItemType.TARGET_TABLE, sources.target))
    PerformanceTarget.objects.filter(pk=sources.target.pk).update(name="更正后的项目名称")
    perf = world.users["performance"]
    item = services.disclosure_transition(actor=perf, item=item, action="withdraw", comment="数据有误")
    item = services.disclosure_transition(actor=perf, item=item, action="reopen", comment="已更正")
    assert item.status == S.PENDING and item.snapshot  # the old snapshot is kept until publishing replaces it
    body = world.login("performance").get(reverse("disclosure:detail", args=[item.pk])).content.decode()
    assert 'data-testid="snapshot-preview"' in body and "更正后的项目名称" in body
    assert "公开内容快照（公开时冻结" not in body


def test_an_internal_download_of_a_published_report_file_is_audited(world: World, sources: Sources) -> None:
    generate(world)
    report = publish(world, item_of(ItemType.KEY_EVAL_REPORT))
    response = world.login("performance").get(reverse("disclosure:file", args=[report.pk]))
    assert response.status_code == 200
    b"".join(response.streaming_content)  # type: ignore[attr-defined]
    event = AuditEvent.objects.get(event_type="disclosure.report_download")
    assert event.actor_id == world.users["performance"].pk and event.object_id == str(report.pk)
    assert event.reason == report.snapshot_file_name
    assert event_label(event.event_type) == "信息公开：下载报告"
    # No file (an item without one): 404 and nothing recorded as handed out.
    library = item_of(ItemType.INDICATOR_LIBRARY)
    assert world.login("performance").get(reverse("disclosure:file", args=[library.pk])).status_code == 404
    assert AuditEvent.objects.filter(event_type="disclosure.report_download").count() == 1
