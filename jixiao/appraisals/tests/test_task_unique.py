"""One appraisal task per region, year and kind: a double submit of 下达考核任务 issues one task, the second gets a
409 with a Chinese message and nothing of it is written; duplicates already stored are retired by a migration."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from conftest import World
from jixiao.appraisals import services
from jixiao.appraisals.models import Appraisal, AppraisalScore, AppraisalTask
from jixiao.appraisals.tests.helpers import YEAR, default_template, dept_task, local_copy
from jixiao.core.errors import ConflictError
from jixiao.organizations.tests.factories import FiscalRegionFactory

EXISTS = "2026年度的部门（单位）考核任务已存在"

FORM = {
    "name": "2026年度部门考核",
    "fiscal_year": "2026",
    # Ahead of any day the suite runs on: the page refuses a scoring deadline already past.
    "self_score_deadline": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
    "section_score_deadline": (timezone.localdate() + dt.timedelta(days=45)).isoformat(),
}


@pytest.mark.django_db
def test_submitting_the_new_task_form_twice_issues_one_task(world: World) -> None:
    client = world.login("performance")
    form = {**FORM, "template": str(default_template().pk)}
    assert client.post(reverse("appraisals:task_create"), form).status_code == 302
    appraisals, scores = Appraisal.objects.count(), AppraisalScore.objects.count()
    again = client.post(reverse("appraisals:task_create"), form)
    html = again.content.decode()
    assert again.status_code == 409
    assert EXISTS in html and "请勿重复下达" in html
    assert 'value="2026年度部门考核"' in html  # the form is shown again as typed
    assert AppraisalTask.objects.count() == 1
    assert (Appraisal.objects.count(), AppraisalScore.objects.count()) == (appraisals, scores)


@pytest.mark.django_db
def test_another_table_of_the_same_kind_and_year_is_refused_but_other_kinds_and_years_are_not(world: World) -> None:
    dept_task(world)
    with pytest.raises(ConflictError, match=EXISTS):
        dept_task(world, template=local_copy(world))
    assert dept_task(world, fiscal_year=YEAR + 1).fiscal_year == YEAR + 1
    code = "511725102"
    FiscalRegionFactory(
        mof_div_code=code, name="三汇镇", level="town", parent=world.region, path=f"{world.region.path}{code}/"
    )
    town = services.task_create(
        actor=world.users["performance"],
        template=default_template("TOWN"),
        name="2026年度乡镇考核",
        fiscal_year=YEAR,
        self_score_deadline=dt.date(2027, 1, 31),
    )
    assert town.kind == "TOWN" and AppraisalTask.objects.filter(fiscal_year=YEAR).count() == 2


@pytest.mark.django_db
def test_a_deleted_task_can_be_issued_again(world: World) -> None:
    first = dept_task(world)
    AppraisalTask.objects.filter(pk=first.pk).update(is_deleted=True)
    assert dept_task(world).pk != first.pk


@pytest.mark.django_db
def test_two_requests_at_once_keep_the_first_task_and_write_nothing_of_the_second(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = dept_task(world)
    appraisals = Appraisal.objects.count()
    check = services._refuse_second_task
    calls: list[Any] = []

    def raced(*args: Any) -> None:
        # The second request checked before the first one committed: only the database constraint stops it.
        calls.append(args)
        if len(calls) > 1:
            check(*args)

    monkeypatch.setattr(services, "_refuse_second_task", raced)
    with pytest.raises(ConflictError, match=EXISTS):
        dept_task(world)
    assert len(calls) == 2
    assert list(AppraisalTask.objects.values_list("pk", flat=True)) == [first.pk]
    assert Appraisal.objects.count() == appraisals


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_retires_untouched_duplicates_and_keeps_the_one_with_work(fresh_world: World) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("appraisals", "0004_settings_out_of_range")])
    try:
        old_apps = executor.loader.project_state([("appraisals", "0004_settings_out_of_range")]).apps
        task_model = old_apps.get_model("appraisals", "AppraisalTask")
        appraisal_model = old_apps.get_model("appraisals", "Appraisal")
        common = {
            "region_id": fresh_world.region.pk,
            "fiscal_year": YEAR,
            "kind": "DEPT",
            "template_id": default_template().pk,
            "self_score_deadline": dt.date(2027, 1, 31),
        }
        untouched = task_model.objects.create(name="第一次提交", **common)
        worked = task_model.objects.create(name="第二次提交", **common)
        appraisal_model.objects.create(
            task=worked,
            region_id=fresh_world.region.pk,
            examinee_type=2,
            examinee_kind="DEPARTMENT",
            department_id=fresh_world.edu.pk,
            examinee_name=fresh_world.edu.name,
            status="self_scoring",
        )
        town = task_model.objects.create(name="乡镇", **{**common, "kind": "TOWN"})
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    live = set(AppraisalTask.objects.filter(is_deleted=False).values_list("pk", flat=True))
    assert live == {worked.pk, town.pk}
    assert AppraisalTask.objects.get(pk=untouched.pk).is_deleted  # kept as a row, hidden
