"""The 佐证材料 upload lets the department say which indicator a file supports (the list then names it)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import World
from jixiao.appraisals import selectors
from jixiao.appraisals.models import Appraisal, AppraisalEvidence
from jixiao.appraisals.tests.helpers import dept_task

pytestmark = pytest.mark.django_db


def _upload_form(page: str) -> str:
    match = re.search(r'<form[^>]*data-testid="evidence-upload".*?</form>', page, re.S)
    assert match, "no upload form"
    return match.group(0)


def test_the_upload_form_offers_the_scored_items(world: World) -> None:
    edu = Appraisal.objects.get(task=dept_task(world), department=world.edu)
    rows = selectors.tree(selectors.template_nodes(edu.task.template))
    leaf = next(r.node for r in rows if r.is_leaf and r.node.code == "E1")
    parent = next(r.node for r in rows if not r.is_leaf)
    client = world.login("dept_admin")
    form = _upload_form(client.get(reverse("appraisals:detail", args=[edu.pk])).content.decode())
    assert 'name="node"' in form and f'value="{leaf.pk}"' in form and "E1 部门评价开展情况" in form
    assert f'value="{parent.pk}"' not in form  # a heading is no item to support

    # Chosen in the page, the file is tied to the item and the list names it.
    url = reverse("appraisals:evidence_upload", args=[edu.pk])
    client.post(url, {"file": SimpleUploadedFile("部门评价报告.pdf", b"%PDF-1.4\n"), "node": str(leaf.pk)})
    assert AppraisalEvidence.objects.get().node == leaf
    page = client.get(reverse("appraisals:detail", args=[edu.pk])).content.decode()
    assert "（E1 部门评价开展情况）" in page

    # A refused upload (no file chosen) keeps the chosen item.
    refused = client.post(url, {"node": str(leaf.pk), "note": "补充"})
    assert refused.status_code == 400
    assert re.search(rf'<option value="{leaf.pk}"\s+selected', _upload_form(refused.content.decode()))
