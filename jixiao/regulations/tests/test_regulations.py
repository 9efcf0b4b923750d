"""制度办法: the register of a bureau's rules — pages, bad input, scope (the regions above are read, not changed),
files, export, audit and the yearly count."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import World
from jixiao.accounts.models import Membership, User
from jixiao.accounts.tests.factories import UserFactory
from jixiao.core.errors import DomainError, PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.organizations.tests.factories import city_with_counties
from jixiao.regulations import selectors, services
from jixiao.regulations.models import Regulation

PDF = b"%PDF-1.4\n%regulation\n"


def _data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "渠县预算绩效管理办法",
        "doc_no": "渠财绩〔2026〕3号",
        "category": "comprehensive",
        "action": "issued",
        "issuer": "渠县财政局",
        "issued_on": dt.date(2026, 3, 15),
        "is_current": True,
        "note": "",
    }
    data.update(overrides)
    return data


def _post(**overrides: object) -> dict[str, object]:
    post = {k: v for k, v in _data(**overrides).items() if v is not False}
    post["issued_on"] = str(post["issued_on"])
    return post


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # after the regions moved, the membership's region path with them


def test_the_year_counts_the_bureaus_own_rules_by_action(world: World) -> None:
    perf = world.users["performance"]
    services.regulation_create(actor=perf, data=_data())
    services.regulation_create(actor=perf, data=_data(title="转发省厅通知", action="forwarded", category="other"))
    services.regulation_create(actor=perf, data=_data(title="评价办法（修订）", action="revised"))
    services.regulation_create(actor=perf, data=_data(title="旧办法", issued_on=dt.date(2025, 6, 1)))
    totals = selectors.regulation_totals(perf, 2026)
    assert totals["records"] == 3
    assert {k: v["records"] for k, v in totals["by_action"].items()} == {"issued": 1, "forwarded": 1, "revised": 1}
    assert totals["by_action"]["forwarded"]["label"] == "转发"
    assert selectors.regulation_totals(perf, 2024)["by_action"]["issued"] == {"label": "出台", "records": 0}
    assert Regulation.objects.get(title="旧办法").year == 2025


def test_bad_input_is_refused_in_chinese_and_nothing_is_saved(world: World) -> None:
    perf = world.users["performance"]
    with pytest.raises(DomainError, match="制度名称"):
        services.regulation_create(actor=perf, data=_data(title="  "))
    with pytest.raises(DomainError, match="类别"):
        services.regulation_create(actor=perf, data=_data(category="law"))
    with pytest.raises(DomainError, match="出台、转发或修订"):
        services.regulation_create(actor=perf, data=_data(action="abolished"))
    with pytest.raises(DomainError, match="2000年至2100年"):
        services.regulation_create(actor=perf, data=_data(issued_on=dt.date(1999, 12, 31)))
    client = world.login("performance")
    response = client.post(reverse("regulations:create"), _post(title="", issued_on="2026-13-40"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "这个字段是必填项" in body or "必填" in body
    assert not Regulation.objects.exists()


def test_create_edit_delete_through_the_pages_with_audit(world: World) -> None:
    client = world.login("performance")
    response = client.post(reverse("regulations:create"), _post())
    regulation = Regulation.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("regulations:detail", args=[regulation.pk])
    assert (regulation.region, regulation.year, regulation.created_by) == (
        world.region,
        2026,
        world.users["performance"],
    )
    edit = reverse("regulations:edit", args=[regulation.pk])
    assert client.get(edit).status_code == 200
    # Unticking 现行有效 marks the rule repealed; a stale form is refused, nothing half-written.
    response = client.post(edit, {**_post(), "is_current": "", "version": regulation.version})
    assert response.status_code == 302
    regulation.refresh_from_db()
    assert not regulation.is_current and regulation.version == 2
    stale = client.post(edit, {**_post(title="别人改过"), "version": 1})
    assert stale.status_code == 409 and "已被他人修改" in stale.content.decode()
    assert Regulation.objects.get().title == "渠县预算绩效管理办法"
    listed = client.get(reverse("regulations:list"), {"current": "repealed"}).content.decode()
    assert "渠县预算绩效管理办法" in listed and "已废止" in listed
    assert (
        "渠县预算绩效管理办法" not in client.get(reverse("regulations:list"), {"current": "current"}).content.decode()
    )
    assert client.post(reverse("regulations:delete", args=[regulation.pk])).status_code == 302
    assert "渠县预算绩效管理办法" not in client.get(reverse("regulations:list")).content.decode()
    types = list(AuditEvent.objects.filter(object_id=str(regulation.pk)).values_list("event_type", flat=True))
    assert {"regulation.create", "regulation.update", "regulation.delete"} <= set(types)


def test_the_list_filters_and_the_export_opens_with_the_listed_rows(world: World) -> None:
    perf = world.users["performance"]
    services.regulation_create(actor=perf, data=_data())
    services.regulation_create(
        actor=perf, data=_data(title="渠县预算绩效运行监控管理办法", doc_no="渠财绩〔2025〕5号", category="monitoring")
    )
    services.regulation_create(actor=perf, data=_data(title="转发《省厅事前评估通知》", action="forwarded"))
    client = world.login("budget")
    page = client.get(reverse("regulations:list"), {"category": "monitoring"}).content.decode()
    assert "运行监控管理办法" in page and "渠县预算绩效管理办法" not in page
    page = client.get(reverse("regulations:list"), {"q": "〔2025〕5号"}).content.decode()
    assert "运行监控管理办法" in page and "转发" not in page.split("<tbody>")[1]
    response = client.get(reverse("regulations:export"), {"action": "issued"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active  # type: ignore[attr-defined]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["印发日期", "制度名称", "文号", "类别", "方式", "发文单位", "效力", "财政区划", "说明"]
    assert sorted(r[1] for r in rows[1:]) == ["渠县预算绩效管理办法", "渠县预算绩效运行监控管理办法"]
    assert {r[4] for r in rows[1:]} == {"出台"} and {r[7] for r in rows[1:]} == {"渠县"}
    bad = client.get(reverse("regulations:list"), {"year": "20266"})
    assert bad.status_code == 200 and "filter-error" in bad.content.decode()


def test_the_regions_above_are_read_not_changed_and_a_sibling_sees_nothing(world: World) -> None:
    city, _counties = city_with_counties(world.region, world.other_region)
    city_perf = UserFactory(username="city_perf")
    Membership.objects.create(user=city_perf, role="performance", region=city)
    city_rule = services.regulation_create(
        actor=city_perf, data=_data(title="达州市预算绩效管理办法", issuer="市财政局")
    )
    county_rule = services.regulation_create(actor=_fresh(world.users["performance"]), data=_data())
    sibling = UserFactory(username="far_perf")
    Membership.objects.create(user=sibling, role="performance", region=world.other_region)
    sibling_rule = services.regulation_create(actor=_fresh(sibling), data=_data(title="宣汉县预算绩效管理办法"))

    def titles(user: User) -> set[str]:
        return set(Regulation.objects.visible_to(_fresh(user)).values_list("title", flat=True))

    # The county and its units read the city's rules as well as their own; the city reads every county's.
    assert titles(world.users["performance"]) == {"达州市预算绩效管理办法", "渠县预算绩效管理办法"}
    assert titles(world.users["unit_user"]) == {"达州市预算绩效管理办法", "渠县预算绩效管理办法"}
    assert titles(city_perf) == {"达州市预算绩效管理办法", "渠县预算绩效管理办法", "宣汉县预算绩效管理办法"}
    assert titles(world.users["expert"]) == set()
    county = world.login("performance")
    page = county.get(reverse("regulations:detail", args=[city_rule.pk])).content.decode()
    assert "达州市预算绩效管理办法" in page and reverse("regulations:edit", args=[city_rule.pk]) not in page
    assert county.get(reverse("regulations:edit", args=[city_rule.pk])).status_code == 403
    assert county.post(reverse("regulations:delete", args=[city_rule.pk])).status_code == 403
    with pytest.raises(PermissionDeniedError, match="只能查看"):
        services.regulation_update(actor=_fresh(world.users["performance"]), regulation=city_rule, data=_data())
    assert county.get(reverse("regulations:detail", args=[sibling_rule.pk])).status_code == 404
    assert county.get(reverse("regulations:edit", args=[sibling_rule.pk])).status_code == 404
    # The city reads the county's rule but does not change it either.
    city_client = world.login("performance")
    city_client.force_login(city_perf)
    assert city_client.get(reverse("regulations:detail", args=[county_rule.pk])).status_code == 200
    assert city_client.get(reverse("regulations:edit", args=[county_rule.pk])).status_code == 403
    assert Regulation.objects.get(pk=city_rule.pk).version == 1


def test_only_the_performance_section_keeps_the_register(world: World) -> None:
    for persona in ("unit_user", "dept_admin", "business", "leader"):
        client = world.login(persona)
        assert client.get(reverse("regulations:list")).status_code == 200, persona
        assert client.get(reverse("regulations:create")).status_code == 403, persona
        assert client.post(reverse("regulations:create"), _post()).status_code == 403, persona
    assert world.login("expert").get(reverse("regulations:list")).status_code == 403
    assert not Regulation.objects.exists()


def test_files_upload_download_and_a_disguised_file_is_refused(world: World) -> None:
    perf = world.users["performance"]
    regulation = services.regulation_create(actor=perf, data=_data())
    client = world.login("performance")
    upload = SimpleUploadedFile("管理办法.pdf", PDF, content_type="application/pdf")
    assert client.post(reverse("regulations:file_upload", args=[regulation.pk]), {"file": upload}).status_code == 302
    stored = regulation.files.get()
    assert stored.original_name == "管理办法.pdf" and len(stored.sha256) == 64
    # A unit reads the rule and opens its file; it cannot add one.
    unit = world.login("unit_user")
    response = unit.get(reverse("regulations:file_download", args=[regulation.pk, stored.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    other = SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf")
    assert unit.post(reverse("regulations:file_upload", args=[regulation.pk]), {"file": other}).status_code == 403
    fake = SimpleUploadedFile("病毒.pdf", b"MZ\x90\x00", content_type="application/pdf")
    response = client.post(reverse("regulations:file_upload", args=[regulation.pk]), {"file": fake})
    assert response.status_code == 400 and "文件内容与扩展名不符" in response.content.decode()
    assert regulation.files.count() == 1
    assert client.post(reverse("regulations:file_delete", args=[regulation.pk, stored.pk])).status_code == 302
    assert not regulation.files.exists()
    types = set(AuditEvent.objects.filter(object_id=str(regulation.pk)).values_list("event_type", flat=True))
    assert {"regulation.file_add", "regulation.file_download", "regulation.file_delete"} <= types


@pytest.mark.django_db
def test_the_demo_county_keeps_a_one_plus_x_register(demo_county: Any) -> None:
    perf = User.objects.get(username="jxg")
    rows = list(Regulation.objects.visible_to(perf).order_by("issued_on"))
    assert len(rows) == 10  # nine over ten years, and the fund rule revised on the key evaluation's results
    assert {r.category for r in rows} >= {"comprehensive", "targets", "monitoring", "evaluation", "results"}
    assert [r.is_current for r in rows].count(False) == 1
    year = max(r.year for r in rows)
    assert selectors.regulation_totals(perf, year)["records"] == 3
    assert User.objects.get(username="edu_unit").can("regulation.view")


def test_the_export_is_audited_and_a_long_list_is_written_by_a_job(world: World, settings: Any) -> None:
    from jixiao.core.models import Job

    perf = world.users["performance"]
    services.regulation_create(actor=perf, data=_data())
    services.regulation_create(actor=perf, data=_data(title="=cmd|'/c calc'!A1", category="monitoring"))
    services.regulation_create(actor=perf, data=_data(title="旧办法", issued_on=dt.date(2025, 6, 1)))
    client = world.login("budget")
    direct = client.get(reverse("regulations:export"), {"year": 2026})
    assert direct.status_code == 200
    event = AuditEvent.objects.get(event_type="regulation.export")
    assert "2026" in event.reason and event.actor_id == world.users["budget"].pk
    csv = client.get(reverse("regulations:export"), {"year": 2026, "format": "csv"})
    text = csv.getvalue().decode("utf-8-sig")  # type: ignore[attr-defined]
    assert csv.status_code == 200 and "渠县预算绩效管理办法" in text and "旧办法" not in text
    settings.JIXIAO_EXPORT_SYNC_ROWS = 1
    response = client.get(reverse("regulations:export"), {"year": 2026})
    job = Job.objects.get(kind="regulation.export")
    assert response.status_code == 302 and job.status == Job.Status.DONE, job.message
    download = client.get(f"/jobs/{job.pk}/download/result/")
    rows = list(openpyxl.load_workbook(io.BytesIO(download.getvalue())).active.iter_rows(values_only=True))  # type: ignore[attr-defined]
    assert sorted(r[1] for r in rows[1:]) == ["=cmd|'/c calc'!A1", "渠县预算绩效管理办法"]
    assert AuditEvent.objects.filter(event_type="regulation.export").count() == 3
    assert world.login("unit_user").get(f"/jobs/{job.pk}/").status_code == 404


def test_a_double_click_on_save_registers_one_regulation(world: World) -> None:
    """登记 clicked twice sent two POSTs and made two identical rows. The create form carries a one-time token
    (core.once): the second POST with it writes nothing and is sent to the row the first made, with a notice."""
    client = world.login("performance")
    page = client.get(reverse("regulations:create")).content.decode()
    token = page.split('name="submit_token" value="')[1].split('"')[0]
    # A refused save does not use the token up: the corrected form is sent again with it.
    refused = client.post(reverse("regulations:create"), {**_post(title=""), "submit_token": token})
    assert refused.status_code == 400 and f'value="{token}"' in refused.content.decode()
    first = client.post(reverse("regulations:create"), {**_post(), "submit_token": token})
    second = client.post(reverse("regulations:create"), {**_post(), "submit_token": token}, follow=True)
    regulation = Regulation.objects.get()
    assert first.status_code == 302 and first["Location"] == reverse("regulations:detail", args=[regulation.pk])
    assert second.redirect_chain == [(reverse("regulations:detail", args=[regulation.pk]), 302)]
    assert "该表单已提交，未重复登记" in second.content.decode()
    assert AuditEvent.objects.filter(event_type="regulation.create").count() == 1
    # A fresh form (a new token) registers another one; the edit form carries no token.
    assert client.post(reverse("regulations:create"), {**_post(), "submit_token": "x" * 32}).status_code == 302
    assert Regulation.objects.count() == 2
    assert "submit_token" not in client.get(reverse("regulations:edit", args=[regulation.pk])).content.decode()
