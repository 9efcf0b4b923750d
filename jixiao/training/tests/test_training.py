"""培训记录: create, edit, totals per year, export, materials, scope and audit."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import World
from jixiao.core.errors import DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.training import selectors, services
from jixiao.training.models import TrainingSession

PDF = b"%PDF-1.4\n%training\n"


def _data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "held_on": dt.date(2026, 4, 10),
        "topic": "预算绩效管理业务培训",
        "organiser": "县财政局绩效股",
        "trainer_type": "third_party_teacher",
        "trainer": "某会计师事务所",
        "audience": ["unit_leaders", "finance_staff"],
        "kind": "training",
        "session_count": 2,
        "attendance": 150,
        "note": "",
    }
    data.update(overrides)
    return data


def test_totals_per_year_sum_sessions_and_attendance_by_kind(world: World) -> None:
    perf = world.users["performance"]
    services.training_create(actor=perf, data=_data())
    services.training_create(actor=perf, data=_data(kind="study_visit", session_count=1, attendance=30))
    services.training_create(actor=perf, data=_data(held_on=dt.date(2025, 5, 1), attendance=999))
    totals = selectors.training_totals(perf, 2026)
    assert totals["records"] == 2
    assert totals["sessions"] == 3
    assert totals["attendance"] == 180
    assert totals["by_kind"]["training"]["attendance"] == 150
    assert totals["by_kind"]["study_visit"]["sessions"] == 1
    assert totals["by_kind"]["on_site_guidance"] == {"label": "上门指导", "records": 0, "sessions": 0, "attendance": 0}
    # Another region's user sees none of it.
    assert selectors.training_totals(world.users["unit_user"], 2026)["attendance"] == 0
    api = world.login("leader").get("/api/v1/training/totals/", {"year": 2026}).json()
    assert (api["sessions"], api["attendance"], api["by_kind"]["study_visit"]["attendance"]) == (3, 180, 30)
    assert world.login("unit_user").get("/api/v1/training/totals/", {"year": 2026}).status_code == 403


def test_bad_input_is_refused_in_chinese_and_nothing_is_saved(world: World) -> None:
    perf = world.users["performance"]
    with pytest.raises(DomainError, match="主题"):
        services.training_create(actor=perf, data=_data(topic="  "))
    with pytest.raises(DomainError, match="期数"):
        services.training_create(actor=perf, data=_data(session_count=0))
    with pytest.raises(DomainError, match="培训对象"):
        services.training_create(actor=perf, data=_data(audience=["nobody"]))
    assert not TrainingSession.objects.exists()


def test_a_date_outside_the_listed_years_is_refused(world: World) -> None:
    """The list and the totals filter by a year from 2000 to 2100: a typo like 1900 saved a record no one could find."""
    perf = world.users["performance"]
    with pytest.raises(DomainError, match="日期应在2000年至2100年之间"):
        services.training_create(actor=perf, data=_data(held_on=dt.date(1900, 4, 10)))
    form = {**_data(held_on="1900-04-10", topic="年度写错的培训"), "session_count": "1", "attendance": "10"}
    response = world.login("performance").post(reverse("training:create"), form)
    body = response.content.decode()
    assert response.status_code == 400 and "日期应在2000年至2100年之间" in body and "年度写错的培训" in body
    assert not TrainingSession.objects.exists()


def test_a_year_outside_the_filter_range_is_explained_at_the_box(world: World) -> None:
    """年度 1999 was dropped without a word: the page listed every year with no totals and no reason."""
    services.training_create(actor=world.users["performance"], data=_data())
    page = world.login("performance").get(reverse("training:list"), {"year": "1999"}).content.decode()
    assert 'data-testid="filter-error"' in page and "确保该值大于或等于2000" in page


def test_only_the_performance_section_records_training(world: World) -> None:
    with pytest.raises(PermissionDeniedError):
        services.training_create(actor=world.users["dept_admin"], data=_data())
    assert world.login("unit_user").get(reverse("training:list")).status_code == 403
    assert world.login("leader").get(reverse("training:list")).status_code == 200


# The 培训记录 form as the performance section fills it (participants and audience added where a test needs them).
PAGE_FORM = {
    "held_on": "2026-06-01",
    "topic": "绩效目标编报培训",
    "organiser": "县财政局",
    "kind": "training",
    "trainer_type": "staff",
    "session_count": "1",
    "attendance": "80",
}


def test_create_edit_and_audit_through_the_pages(world: World) -> None:
    client = world.login("performance")
    form = {**PAGE_FORM, "audience": ["finance_staff"], "participant_units": [str(world.school.pk)]}
    response = client.post(reverse("training:create"), form)
    assert response.status_code == 302
    session = TrainingSession.objects.get()
    assert session.year == 2026 and list(session.participant_units.all()) == [world.school]
    # The edit page shows the saved date in the date box (type=date takes only 2026-06-01, not 2026/06/01).
    assert 'value="2026-06-01"' in client.get(reverse("training:edit", args=[session.pk])).content.decode()
    form.update(attendance="85", version=str(session.version))
    assert client.post(reverse("training:edit", args=[session.pk]), form).status_code == 302
    session.refresh_from_db()
    assert session.attendance == 85 and session.version == 2
    events = list(
        AuditEvent.objects.filter(object_type="training.trainingsession", object_id=str(session.pk))
        .order_by("seq")
        .values_list("event_type", "changes")
    )
    assert events[0][0] == "training.create"
    assert events[1] == ("training.update", {"attendance": [80, 85]})
    bad = client.post(reverse("training:create"), {**form, "attendance": "-1"})
    assert bad.status_code == 400
    assert TrainingSession.objects.count() == 1
    # A save from the page shown before that edit (version 1) is a conflict: 409, the input kept, nothing saved.
    stale = client.post(reverse("training:edit", args=[session.pk]), {**form, "attendance": "99", "version": "1"})
    body = stale.content.decode()
    assert stale.status_code == 409 and "培训记录已被他人修改，请刷新后重试" in body and 'value="99"' in body
    session.refresh_from_db()
    assert session.attendance == 85 and session.version == 2


def test_a_unit_outside_the_region_cannot_be_a_participant(world: World) -> None:
    with pytest.raises(NotFoundError, match="参训单位"):
        services.training_create(actor=world.users["performance"], data=_data(), participant_units=[world.far_unit])


def test_export_opens_with_the_listed_rows_and_a_total(world: World) -> None:
    perf = world.users["performance"]
    services.training_create(actor=perf, data=_data(topic="=cmd|'/c calc'!A1"), participant_units=[world.school])
    services.training_create(actor=perf, data=_data(topic="考察学习", kind="study_visit", attendance=30))
    response = world.login("performance").get(reverse("training:export"), {"year": 2026})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("日期", "主题", "形式")
    topics = {r[1] for r in rows[1:-1]}
    assert topics == {"=cmd|'/c calc'!A1", "考察学习"}
    assert sheet.cell(row=2, column=2).data_type == "s" or sheet.cell(row=3, column=2).data_type == "s"
    assert rows[-1][0] == "合计" and rows[-1][8] == 180
    assert "县第一中学" in {r[9] for r in rows[1:-1]}


def test_materials_upload_download_and_scope(world: World) -> None:
    perf = world.users["performance"]
    session = services.training_create(actor=perf, data=_data())
    client = world.login("performance")
    upload = SimpleUploadedFile("课件.pdf", PDF, content_type="application/pdf")
    assert client.post(reverse("training:material_upload", args=[session.pk]), {"file": upload}).status_code == 302
    material = session.materials.get()
    response = client.get(reverse("training:material_download", args=[session.pk, material.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    fake = SimpleUploadedFile("病毒.pdf", b"MZ\x90\x00", content_type="application/pdf")
    with pytest.raises(DomainError, match="文件内容与扩展名不符"):
        services.material_add(actor=perf, session=session, upload=fake)
    assert session.materials.count() == 1
    types = set(AuditEvent.objects.filter(object_id=str(session.pk)).values_list("event_type", flat=True))
    assert {"training.material_add", "training.material_download"} <= types


def test_other_regions_sessions_are_404(world: World) -> None:
    from jixiao.accounts.models import Membership
    from jixiao.accounts.tests.factories import UserFactory

    outsider = UserFactory(username="far_perf")
    Membership.objects.create(user=outsider, role="performance", region=world.other_region)
    session = services.training_create(actor=outsider, data=_data())
    client = world.login("performance")
    assert client.get(reverse("training:detail", args=[session.pk])).status_code == 404
    assert client.get(reverse("training:edit", args=[session.pk])).status_code == 404
    assert selectors.training_totals(world.users["performance"], 2026)["records"] == 0


def test_the_list_has_a_query_bound(world: World, django_assert_max_num_queries: object) -> None:
    perf = world.users["performance"]
    for day in range(1, 8):
        services.training_create(actor=perf, data=_data(held_on=dt.date(2026, 5, day)))
    client = world.login("performance")
    client.get(reverse("training:list"))
    with django_assert_max_num_queries(20):  # type: ignore[operator]
        response = client.get(reverse("training:list"), {"year": 2026})
    assert response.status_code == 200 and response.content.decode().count("预算绩效管理业务培训") == 7


def test_the_form_pages_render(world: World) -> None:
    client = world.login("performance")
    assert client.get(reverse("training:create")).status_code == 200
    session = services.training_create(actor=world.users["performance"], data=_data())
    assert client.get(reverse("training:edit", args=[session.pk])).status_code == 200
    assert "预算绩效管理业务培训" in client.get(reverse("training:detail", args=[session.pk])).content.decode()
    assert client.post(reverse("training:delete", args=[session.pk])).status_code == 302
    assert not selectors.sessions_filtered(world.users["performance"], {}).exists()


def test_deleting_a_session_asks_first(world: World) -> None:
    session = services.training_create(actor=world.users["performance"], data=_data())
    page = world.login("performance").get(reverse("training:detail", args=[session.pk])).content.decode()
    # The 删除 button of a whole training record (its materials with it) asked nothing; a material's did.
    assert (
        'data-confirm="确定删除培训记录“预算绩效管理业务培训”吗？删除后不能恢复。" data-testid="training-delete"'
        in page
    )


def test_participant_units_are_chosen_by_search_not_a_list_of_every_unit(world: World) -> None:
    """A county has ~400 预算单位: the 培训记录 form listed every one in a multiple <select>; it is a search box
    now, the chosen units shown as badges, and a unit outside the county is still refused at the box."""
    client = world.login("performance")
    page = client.get(reverse("training:create")).content.decode()
    assert '<select name="participant_units"' not in page
    assert f'data-jx-autocomplete="{reverse("organizations:unit_autocomplete")}" data-jx-ac-multiple' in page
    form = PAGE_FORM
    refused = client.post(reverse("training:create"), {**form, "participant_units": [str(world.far_unit.pk)]})
    assert refused.status_code == 400 and not TrainingSession.objects.exists()
    chosen = [str(world.school.pk), str(world.hospital.pk)]
    assert client.post(reverse("training:create"), {**form, "participant_units": chosen}).status_code == 302
    session = TrainingSession.objects.get()
    assert set(session.participant_units.all()) == {world.school, world.hospital}
    edit = client.get(reverse("training:edit", args=[session.pk])).content.decode()
    assert world.school.name in edit and world.hospital.name in edit and "data-jx-ac-chip" in edit


def test_a_city_reads_a_countys_training_but_does_not_change_it(world: World) -> None:
    from jixiao.accounts.models import Membership, User
    from jixiao.accounts.tests.factories import UserFactory
    from jixiao.organizations.tests.factories import city_with_counties

    city, _counties = city_with_counties(world.region)
    city_perf = UserFactory(username="city_perf")
    Membership.objects.create(user=city_perf, role="performance", region=city)
    county_perf = User.objects.get(pk=world.users["performance"].pk)
    session = services.training_create(actor=county_perf, data=_data())
    services.material_add(
        actor=county_perf, session=session, upload=SimpleUploadedFile("课件.pdf", PDF, content_type="application/pdf")
    )
    material = session.materials.get()
    client = world.login("performance")
    client.force_login(city_perf)
    page = client.get(reverse("training:detail", args=[session.pk]))
    assert page.status_code == 200 and "预算绩效管理业务培训" in page.content.decode()
    body = page.content.decode()
    assert reverse("training:edit", args=[session.pk]) not in body
    assert reverse("training:delete", args=[session.pk]) not in body
    assert reverse("training:material_delete", args=[session.pk, material.pk]) not in body
    assert client.get(reverse("training:edit", args=[session.pk])).status_code == 403
    assert client.post(reverse("training:edit", args=[session.pk]), PAGE_FORM).status_code == 403
    assert client.post(reverse("training:delete", args=[session.pk])).status_code == 403
    assert client.post(reverse("training:material_delete", args=[session.pk, material.pk])).status_code == 403
    upload = SimpleUploadedFile("另一份.pdf", PDF, content_type="application/pdf")
    assert client.post(reverse("training:material_upload", args=[session.pk]), {"file": upload}).status_code == 403
    city_perf = User.objects.get(pk=city_perf.pk)
    with pytest.raises(PermissionDeniedError, match="只能查看"):
        services.training_update(actor=city_perf, session=session, data=_data(topic="改"))
    with pytest.raises(PermissionDeniedError, match="只能查看"):
        services.training_delete(actor=city_perf, session=session)
    with pytest.raises(PermissionDeniedError, match="只能查看"):
        services.material_delete(actor=city_perf, material=material)
    session.refresh_from_db()
    assert (session.topic, session.is_deleted, session.version) == ("预算绩效管理业务培训", False, 1)
    assert session.materials.count() == 1


def test_the_export_is_audited_and_a_long_list_is_written_by_a_job(world: World, settings: object) -> None:
    from jixiao.core.models import Job

    perf = world.users["performance"]
    services.training_create(actor=perf, data=_data(), participant_units=[world.school])
    services.training_create(actor=perf, data=_data(topic="考察学习", kind="study_visit", attendance=30))
    services.training_create(actor=perf, data=_data(topic="去年的培训", held_on=dt.date(2025, 5, 1)))
    client = world.login("leader")
    direct = client.get(reverse("training:export"), {"year": 2026})
    assert direct.status_code == 200 and "2026" in AuditEvent.objects.get(event_type="training.export").reason
    csv = client.get(reverse("training:export"), {"year": 2026, "format": "csv"})
    text = csv.getvalue().decode("utf-8-sig")  # type: ignore[attr-defined]
    assert csv.status_code == 200 and "考察学习" in text and "去年的培训" not in text
    settings.JIXIAO_EXPORT_SYNC_ROWS = 1  # type: ignore[attr-defined]
    response = client.get(reverse("training:export"), {"year": 2026})
    job = Job.objects.get(kind="training.export")
    assert response.status_code == 302 and job.status == Job.Status.DONE, job.message
    download = client.get(f"/jobs/{job.pk}/download/result/")
    rows = list(openpyxl.load_workbook(io.BytesIO(download.getvalue())).active.iter_rows(values_only=True))  # type: ignore[attr-defined]
    assert sorted(r[1] for r in rows[1:]) == ["考察学习", "预算绩效管理业务培训"]
    assert {r[9] or "" for r in rows[1:]} == {"县第一中学", ""}
    assert AuditEvent.objects.filter(event_type="training.export").count() == 3


def test_a_participant_id_beyond_any_row_is_refused_at_the_box_not_a_crash(world: World) -> None:
    """An id SQLite cannot compare (beyond a bigint) raised OverflowError, a 500; it names no unit: a 400 at the box."""
    client = world.login("performance")
    for huge in ("99999999999999999999", "9223372036854775808"):
        response = client.post(reverse("training:create"), {**PAGE_FORM, "participant_units": [huge]})
        assert response.status_code == 400 and "选择一个有效的选项" in response.content.decode()
    assert not TrainingSession.objects.exists()


def test_a_double_click_on_save_makes_one_training_record(world: World) -> None:
    """Two POSTs of the same new-record form (its one-time token, core.once) make one record; the second is sent to
    it with a notice."""
    client = world.login("performance")
    page = client.get(reverse("training:create")).content.decode()
    token = page.split('name="submit_token" value="')[1].split('"')[0]
    form = {**PAGE_FORM, "audience": ["finance_staff"], "submit_token": token}
    first = client.post(reverse("training:create"), form)
    second = client.post(reverse("training:create"), form)
    session = TrainingSession.objects.get()
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == reverse("training:detail", args=[session.pk])
