"""委托成果 on `core.models.StoredFile` (decision 0006): the SHA-256 and 说明 kept, shown and audited, the shared upload
checks with a 4xx page (the form kept) and nothing left on disk, the migration that fills the SHA-256 of older rows,
and the files removed with their engagement as `seed_demo --reset` removes them."""

from __future__ import annotations

import hashlib
from importlib import import_module
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import World
from jixiao.core import audit, uploads
from jixiao.core.models import AuditEvent
from jixiao.experts import services
from jixiao.experts.models import Agency, Engagement, EngagementDeliverable

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%engagement deliverable\n"
SHA = hashlib.sha256(PDF).hexdigest()


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _stored() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def _engagement(world: World) -> Engagement:
    agency = Agency.objects.create(region=world.region, name="明信咨询", credit_code="91511700MA62D4L83R")
    agency.users.set([world.users["agency"]])
    data = {"agency": agency, "scope": "key_evaluation", "fiscal_year": 2026, "title": "2026年重点绩效评价委托"}
    return services.engagement_save(actor=world.users["performance"], engagement=None, data=data)


def test_the_upload_keeps_its_sha256_and_note_shown_and_audited(world: World) -> None:
    engagement = _engagement(world)
    client = world.login("agency")
    url = reverse("experts:engagement_deliver", args=[engagement.pk])
    upload = SimpleUploadedFile("评价报告（初稿）.pdf", PDF)
    assert client.post(url, {"file": upload, "note": "征求意见稿"}).status_code == 302
    item = EngagementDeliverable.objects.get()
    assert (item.sha256, item.size_bytes, item.note) == (SHA, len(PDF), "征求意见稿")
    assert item.file.name.startswith("engagements/") and item.uploaded_by == world.users["agency"]
    added = AuditEvent.objects.get(event_type="engagement.deliverable_add")
    assert added.changes["sha256"] == [None, SHA] and added.object_id == str(engagement.pk)
    status = AuditEvent.objects.get(event_type="engagement.status")
    assert status.changes == {"status": ["active", "delivered"]}
    page = client.get(reverse("experts:engagement_detail", args=[engagement.pk])).content.decode()
    assert f'title="{SHA}"' in page and f"{SHA[:12]}…" in page and "说明：征求意见稿" in page
    assert "评价报告（初稿）.pdf" in page and "p_agency" in page
    # The performance section reads the same file, and its download is audited with the hash.
    download = world.login("performance").get(reverse("experts:deliverable_download", args=[engagement.pk, item.pk]))
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    opened = AuditEvent.objects.get(event_type="engagement.deliverable_download")
    assert opened.changes == {"sha256": [None, SHA]} and opened.actor_id == world.users["performance"].pk
    # A second upload adds a file; the status stays 已提交成果 and is not audited again.
    client.post(url, {"file": SimpleUploadedFile("评价报告（定稿）.pdf", PDF)})
    assert EngagementDeliverable.objects.count() == 2
    assert AuditEvent.objects.filter(event_type="engagement.status").count() == 1


def test_a_refused_upload_is_a_4xx_page_with_the_form_kept_and_nothing_stored(world: World, monkeypatch: Any) -> None:
    engagement = _engagement(world)
    client = world.login("agency")
    url = reverse("experts:engagement_deliver", args=[engagement.pk])
    response = client.post(url, {"file": SimpleUploadedFile("run.exe", b"MZ\x90\x00"), "note": "成果报告"})
    page = response.content.decode()
    assert response.status_code == 400 and "“run.exe”：只能上传" in page and 'data-testid="deliverable-error"' in page
    assert 'value="成果报告"' in page  # the 说明 is kept for the next try
    response = client.post(url, {"file": SimpleUploadedFile("报告.pdf", b"not a pdf")})
    assert response.status_code == 400 and "文件内容与扩展名不符" in response.content.decode()
    response = client.post(url, {"note": "忘了选文件"})
    assert response.status_code == 400 and "请选择要上传的文件" in response.content.decode()
    # A file was chosen but it is empty: the page names the file and says so (it said 请选择要上传的文件).
    response = client.post(url, {"file": SimpleUploadedFile("评价报告.pdf", b"")})
    page = response.content.decode()
    assert response.status_code == 400 and "“评价报告.pdf”：文件为空" in page and "请选择要上传的文件" not in page
    response = client.post(url, {"file": SimpleUploadedFile("报告.pdf", PDF), "note": "长" * 501})
    assert response.status_code == 400 and "说明不能超过500字" in response.content.decode()
    assert not EngagementDeliverable.objects.exists() and _stored() == []
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.ACTIVE

    def broken(events: Any) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr(audit, "record_all", broken)
    with pytest.raises(RuntimeError):
        client.post(url, {"file": SimpleUploadedFile("报告.pdf", PDF)})
    assert not EngagementDeliverable.objects.exists() and _stored() == []
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.ACTIVE


def test_a_closed_engagement_refuses_the_upload_with_409_and_stores_nothing(world: World) -> None:
    engagement = _engagement(world)
    services.engagement_set_status(actor=world.users["performance"], engagement=engagement, status="terminated")
    client = world.login("performance")
    url = reverse("experts:engagement_deliver", args=[engagement.pk])
    response = client.post(url, {"file": SimpleUploadedFile("报告.pdf", PDF)})
    assert response.status_code == 409 and "已验收或终止" in response.content.decode()
    assert not EngagementDeliverable.objects.exists() and _stored() == []


def test_another_agencys_file_is_a_404(world: World) -> None:
    engagement = _engagement(world)
    item = services.deliverable_add(
        actor=world.users["agency"], engagement=engagement, upload=SimpleUploadedFile("报告.pdf", PDF)
    )
    other = Engagement.objects.create(
        region=world.region,
        agency=Agency.objects.create(region=world.region, name="其他机构", credit_code="91511700MA62D4L84R"),
        scope="key_evaluation",
        fiscal_year=2026,
        title="另一委托",
    )
    client = world.login("performance")
    assert client.get(reverse("experts:deliverable_download", args=[other.pk, item.pk])).status_code == 404
    outsider = Agency.objects.create(region=world.region, name="第三家", credit_code="91511700MA62D4L85R")
    engagement.agency = outsider
    engagement.save(update_fields=["agency"])
    url = reverse("experts:deliverable_download", args=[engagement.pk, item.pk])
    assert world.login("agency").get(url).status_code == 404
    assert not AuditEvent.objects.filter(event_type="engagement.deliverable_download").exists()


def test_the_migration_fills_the_sha256_of_older_rows_and_skips_a_missing_file(world: World) -> None:
    engagement = _engagement(world)
    kept = default_storage.save("engagements/2025/01/old.pdf", ContentFile(PDF))
    old = EngagementDeliverable.objects.create(
        engagement=engagement, file=kept, original_name="a.pdf", size_bytes=0, sha256=""
    )
    missing = EngagementDeliverable.objects.create(
        engagement=engagement, file="engagements/2025/01/gone.pdf", original_name="b.pdf", size_bytes=3, sha256=""
    )

    migration = import_module("jixiao.experts.migrations.0008_deliverable_fill_sha256")
    schema_editor = SimpleNamespace(connection=SimpleNamespace(alias="default"))
    migration.fill(apps, schema_editor)
    migration.fill(apps, schema_editor)  # run again: nothing to do, nothing fails

    old.refresh_from_db()
    missing.refresh_from_db()
    assert (old.sha256, old.size_bytes, old.file.name) == (SHA, len(PDF), kept)
    assert missing.sha256 == ""


def test_the_files_go_with_their_engagement_as_on_a_demo_reset(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """`seed_demo --reset` deletes the county's engagements inside `stored_files_removed_with_rows`: their
    deliverables' files leave the disk once it commits (a StoredFile table is covered without being named)."""
    engagement = _engagement(world)
    services.deliverable_add(
        actor=world.users["agency"], engagement=engagement, upload=SimpleUploadedFile("报告.pdf", PDF)
    )
    assert len(_stored()) == 1
    with django_capture_on_commit_callbacks(execute=True), uploads.stored_files_removed_with_rows():
        Engagement.objects.filter(region__path__startswith=world.region.path).delete()
    assert not EngagementDeliverable.objects.exists() and _stored() == []
