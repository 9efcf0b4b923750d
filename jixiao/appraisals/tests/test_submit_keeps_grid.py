"""提交自评（送审） sends the grid as typed: it saves the scores, then submits (送审校验 on what was typed). Before, the
button sat in another form, so scores typed but not saved were dropped and the stored ones were submitted."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import World
from jixiao.appraisals.models import Appraisal, AppraisalScore, AppraisalStatus
from jixiao.appraisals.tests.helpers import dept_task, full_self_scores, leaves

pytestmark = pytest.mark.django_db


def _token(page: str) -> str:
    return page.split('id="self-form">')[1].split('name="lock_token" value="')[1].split('"')[0]


def _grid(edu: Appraisal) -> dict[str, str]:
    return {f"ind_{pk}": value for pk, (value, _note) in full_self_scores(edu).items()}


def test_submitting_saves_the_typed_grid_first(world: World) -> None:
    edu = Appraisal.objects.get(task=dept_task(world), department=world.edu)
    a1 = next(n for n in leaves(edu) if n.code == "A1")
    client = world.login("dept_admin")
    page = client.get(reverse("appraisals:detail", args=[edu.pk])).content.decode()
    # The submit button belongs to the grid's form.
    assert 'form="self-form"' in page.split('data-testid="self-submit"')[0].rsplit("<button", 1)[1]
    data = {**_grid(edu), f"ind_{a1.pk}": "8", f"indnote_{a1.pk}": "1个项目未出结论", "action": "submit"}
    data["lock_token"] = _token(page)
    response = client.post(reverse("appraisals:self_save", args=[edu.pk]), data)
    assert response.status_code == 302
    edu.refresh_from_db()
    assert edu.status == AppraisalStatus.SECTION_SCORING
    score = AppraisalScore.objects.get(appraisal=edu, node=a1)
    assert (score.ind_score, score.ind_note) == (Decimal(8), "1个项目未出结论")


def test_a_grid_that_fails_the_check_is_kept_and_not_submitted(world: World) -> None:
    edu = Appraisal.objects.get(task=dept_task(world), department=world.edu)
    a1 = next(n for n in leaves(edu) if n.code == "A1")
    client = world.login("dept_admin")
    page = client.get(reverse("appraisals:detail", args=[edu.pk])).content.decode()
    data = {f"ind_{a1.pk}": "8", "action": "submit", "lock_token": _token(page)}  # the rest left blank
    response = client.post(reverse("appraisals:self_save", args=[edu.pk]), data, follow=True)
    edu.refresh_from_db()
    assert edu.status == AppraisalStatus.SELF_SCORING
    assert AppraisalScore.objects.get(appraisal=edu, node=a1).ind_score == Decimal(8)  # what was typed is kept
    assert "送审校验未通过" in response.content.decode()


def test_a_refused_step_or_evidence_delete_shows_the_page_with_its_status(world: World) -> None:
    """A step pressed on a page out of date (the appraisal moved on meanwhile) and 删除 of a file once the self-scores
    are submitted: the page again, as it stands now, with the reason and 409 (they redirected with a message)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    edu = Appraisal.objects.get(task=dept_task(world), department=world.edu)
    client = world.login("dept_admin")
    upload = SimpleUploadedFile("说明.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    assert client.post(reverse("appraisals:evidence_upload", args=[edu.pk]), {"file": upload}).status_code == 302
    evidence = edu.evidence.get()
    Appraisal.objects.filter(pk=edu.pk).update(status=AppraisalStatus.SECTION_SCORING)  # submitted in another tab
    response = client.post(reverse("appraisals:transition", args=[edu.pk]), {"action": "submit"})
    assert response.status_code == 409 and 'data-testid="self-submit"' not in response.content.decode()
    response = client.post(reverse("appraisals:evidence_delete", args=[edu.pk, evidence.pk]))
    assert response.status_code == 409 and "自评已提交，不能删除佐证材料" in response.content.decode()
    assert edu.evidence.filter(pk=evidence.pk).exists()
