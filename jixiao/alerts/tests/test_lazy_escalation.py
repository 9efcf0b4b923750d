"""The lists' lazy escalation changes the status only: the 提醒敦促函 are drafted by a background job the page
enqueues once (or by the nightly command), so the first user to open a list after a mass deadline does not wait for
every late unit's letter. The case page says 待生成 meanwhile; no path drafts a case's letter twice."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from jixiao.alerts import services
from jixiao.alerts.models import CaseStatus, ReminderLetter, WarningCase
from jixiao.alerts.sweep import sweep_region
from jixiao.alerts.tests.conftest import pay, use_sichuan
from jixiao.core.jobs import run_job
from jixiao.core.models import AuditEvent, Job
from jixiao.documents.models import DocType, OfficialDocument

AS_OF = date(2026, 9, 4)  # the cases fall due on 18 September, long before today
QUEUE_ONLY = override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}})


@pytest.fixture
def overdue(library: Any) -> list[WarningCase]:
    use_sichuan(library.region)
    pay(library.school_project, "50000", date(2026, 3, 1))
    sweep_region(library.region, 2026, AS_OF)
    cases = list(WarningCase.objects.filter(status=CaseStatus.OPEN, due_date__lt=timezone.localdate()))
    assert len(cases) > 1
    return cases


def _letters_jobs() -> Any:
    return Job.objects.filter(kind=services.LETTERS_JOB)


@QUEUE_ONLY
def test_the_list_escalates_and_leaves_the_letters_to_one_job(library: Any, overdue: list[WarningCase]) -> None:
    finance = library.login("performance")
    assert finance.get("/alerts/cases/").status_code == 200
    assert set(WarningCase.objects.filter(pk__in=[c.pk for c in overdue]).values_list("status", flat=True)) == {
        CaseStatus.OVERDUE
    }
    assert AuditEvent.objects.filter(event_type="alerts.case_escalate").count() == len(overdue)
    assert not ReminderLetter.objects.exists()
    assert not OfficialDocument.objects.filter(doc_type=DocType.REMINDER_LETTER).exists()
    [job] = _letters_jobs()
    assert job.status == Job.Status.QUEUED and job.owner == library.users["performance"]
    assert job.region_code == library.region.mof_div_code and job.params["region_id"] == library.region.pk

    # The case page is honest meanwhile: the 绩效股 reads 待生成; the unit sees no draft of it either way.
    case = overdue[0]
    page = finance.get(f"/alerts/cases/{case.pk}/").content.decode()
    assert 'data-testid="letter-status">待生成<' in page and "提醒敦促函待生成：系统正在后台起草" in page
    assert 'data-testid="case-countdown">已逾期<' in page and "剩余 -" not in page
    unit_page = library.login("unit_user").get(f"/alerts/cases/{case.pk}/").content.decode()
    assert 'data-testid="case-letters"' not in unit_page

    # Opening the lists again (nothing left to escalate) or after a new late case while the job waits: no second job.
    finance.get("/alerts/")
    reopened = WarningCase.objects.filter(pk=case.pk)
    reopened.update(status=CaseStatus.OPEN)
    finance.get("/alerts/cases/")
    assert reopened.get().status == CaseStatus.OVERDUE and _letters_jobs().count() == 1

    # The worker runs the job: one letter per unit for every escalated case, as the nightly command would.
    assert run_job.call(job.pk) == Job.Status.DONE
    job.refresh_from_db()
    drafted = OfficialDocument.objects.filter(doc_type=DocType.REMINDER_LETTER)
    assert job.summary == [["提醒敦促函", drafted.count()]] and drafted.count() >= 1
    assert ReminderLetter.objects.filter(document_id__isnull=False).count() == len(overdue)
    page = finance.get(f"/alerts/cases/{case.pk}/").content.decode()
    assert 'data-testid="letter-status">待印发<' in page and "待生成" not in page

    # Nothing is drafted twice: not by a second run of the job, nor by the nightly command.
    assert run_job.call(job.pk) == "missing"  # a finished job is not run again
    assert services.draft_reminder_letters(today=timezone.localdate(), region=None) == 0
    call_command("escalate_warning_cases")
    assert drafted.count() == OfficialDocument.objects.filter(doc_type=DocType.REMINDER_LETTER).count()
    assert ReminderLetter.objects.count() == len(overdue)


@QUEUE_ONLY
def test_a_waiting_job_of_another_region_does_not_hold_back_this_one(library: Any, overdue: list[WarningCase]) -> None:
    Job.objects.create(
        kind=services.LETTERS_JOB,
        title="其他区划",
        owner=library.users["performance"],
        region_code=library.other_region.mof_div_code,
        callable_path="jixiao.alerts.services.reminder_letters_job",
        params={"region_id": library.other_region.pk, "today": "2026-12-01"},
    )
    library.login("performance").get("/alerts/")
    assert _letters_jobs().filter(region_code=library.region.mof_div_code).count() == 1


@QUEUE_ONLY
def test_a_list_that_escalates_nothing_enqueues_nothing(library: Any, overdue: list[WarningCase]) -> None:
    services.escalate_overdue(today=timezone.localdate(), draft_letters=False)  # escalated by someone else
    library.login("performance").get("/alerts/cases/")
    assert not _letters_jobs().exists()  # the nightly command drafts those letters
    call_command("escalate_warning_cases")
    assert ReminderLetter.objects.filter(document_id__isnull=False).count() == len(overdue)


def test_with_the_immediate_backend_the_page_job_drafts_the_letters_at_once(
    library: Any, overdue: list[WarningCase]
) -> None:
    """Tests and a worker-less setup run jobs in the request (settings.TASKS): the page then ends with the letters."""
    library.login("performance").get("/alerts/cases/")
    [job] = _letters_jobs()
    assert job.status == Job.Status.DONE and job.message.startswith("已起草提醒敦促函")
    assert ReminderLetter.objects.filter(document_id__isnull=False).count() == len(overdue)


def test_the_nightly_command_reports_the_letters(library: Any, overdue: list[WarningCase], capsys: Any) -> None:
    call_command("escalate_warning_cases", "--today", "2026-12-21")
    drafted = OfficialDocument.objects.filter(doc_type=DocType.REMINDER_LETTER).count()
    assert f"逾期处理{len(overdue)}件，起草提醒敦促函{drafted}份" in capsys.readouterr().out
    assert not _letters_jobs().exists()
