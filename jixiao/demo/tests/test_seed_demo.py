"""`manage.py seed_demo`: the demo county is complete, consistent, deterministic and built only once."""

from __future__ import annotations

import re
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from jixiao.accounts.demo_logins import DEMO_PASSWORD, DEMO_USERS
from jixiao.accounts.models import Membership, User
from jixiao.core.models import AuditEvent
from jixiao.evaluation.models import ReEvaluationBatch, SelfEvalEvidence, SelfEvaluation, UpperCheckEvidence
from jixiao.experts.models import Engagement
from jixiao.indicators.models import IndicatorCategory
from jixiao.keyeval.models import KeyEvalDocument, KeyEvaluation
from jixiao.monitoring.models import MonitoringEvidence
from jixiao.organizations.models import BudgetUnit, Department, FinanceSection, FiscalRegion, FiscalYear
from jixiao.preassessment.models import Attachment
from jixiao.projects.models import Project, ProjectEvent
from jixiao.rectification.models import FeedbackFile
from jixiao.targets.models import TargetIndicator

SMALL = 0.1
COUNTY_CODE = "511725000"

# username → (role, the organisation the membership names, or "" for region-wide roles)
EXPECTED_LOGINS = {
    "jxg": ("performance", "绩效股"),
    "ysg": ("budget", "预算股"),
    "jkw": ("business", "教科文股"),
    "edu_admin": ("dept_admin", "县教育局"),
    "xczx": ("dept_admin", "县乡村振兴服务中心"),
    "edu_unit": ("unit_user", "县第一中学"),
    "health_unit": ("unit_user", "县人民医院"),
    "expert1": ("expert", ""),
    "agency1": ("agency", ""),
    "leader": ("leader", ""),
    "renda": ("oversight", ""),
    "sysadmin": ("sys_admin", ""),
    "secadmin": ("sec_admin", ""),
    "auditadmin": ("audit_admin", ""),
}


def seed(**options: Any) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def project_rows() -> list[tuple[str, str, Decimal]]:
    return list(Project.objects.order_by("fiscal_year", "code").values_list("code", "name", "total_amount_yuan"))


def row_counts() -> dict[str, int]:
    models = [FiscalRegion, FiscalYear, FinanceSection, Department, BudgetUnit, Project, ProjectEvent, User, Membership]
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.django_db
def test_every_demo_login_exists_can_log_in_and_has_its_role(demo_county: str) -> None:

    assert {username for username, _ in DEMO_USERS} <= set(EXPECTED_LOGINS)
    for username, (role, organisation) in EXPECTED_LOGINS.items():
        user = authenticate(username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        assert user.display_name and user.display_name != username
        membership = Membership.objects.get(user=user)
        assert membership.role == role
        assert membership.region.mof_div_code == COUNTY_CODE
        if username == "xczx" and membership.organization_label != organisation:
            # This small demo did not draw 县乡村振兴服务中心: the persona works in a department of its section.
            assert membership.department is not None and membership.department.finance_section.code == "NY"
            continue
        assert membership.organization_label == (organisation or "渠县")


@pytest.mark.django_db
def test_demo_personas_find_projects_waiting_for_them(demo_county: str) -> None:
    users = {user.username: user for user in User.objects.filter(username__in=EXPECTED_LOGINS)}

    def statuses(username: str) -> set[str]:
        return set(Project.objects.visible_to(users[username]).values_list("status", flat=True))

    assert {"draft", "returned"} <= statuses("edu_unit")
    assert {"draft", "returned"} <= statuses("health_unit")
    assert "submitted" in statuses("edu_admin")
    assert "dept_approved" in statuses("jkw")
    returned = Project.objects.filter(unit__name="县第一中学", status="returned", fiscal_year=2026).get()
    assert returned.events.get().comment


@pytest.mark.sqlite_only
@pytest.mark.django_db
def test_same_seed_gives_the_same_data_and_another_seed_different_data() -> None:
    seed(scale=SMALL, seed=7)
    first = project_rows()
    first_units = list(BudgetUnit.objects.order_by("agency_code").values_list("agency_code", "name", "level"))

    seed(scale=SMALL, seed=7, reset=True)
    assert project_rows() == first
    assert list(BudgetUnit.objects.order_by("agency_code").values_list("agency_code", "name", "level")) == first_units

    seed(scale=SMALL, seed=8, reset=True)
    assert project_rows() != first


@pytest.mark.django_db
def test_running_again_without_reset_changes_nothing(demo_county: str) -> None:
    before = row_counts()
    rows = project_rows()

    output = seed(scale=SMALL, seed=99)

    assert "已存在" in output
    assert row_counts() == before
    assert project_rows() == rows


@pytest.mark.django_db
def test_units_and_regions_form_consistent_trees(demo_county: str) -> None:

    for region in FiscalRegion.objects.select_related("parent"):
        assert region.path == region.build_path()
    units = BudgetUnit.objects.select_related("parent")
    assert {unit.level for unit in units} == {1, 2, 3}
    for unit in units:
        if unit.parent is None:
            assert unit.level == 1
            assert unit.path == f"{unit.department_id}:{unit.agency_code}/"
        else:
            assert unit.path == f"{unit.parent.path}{unit.agency_code}/"
            assert unit.department_id == unit.parent.department_id
            assert unit.level == unit.parent.level + 1
        assert unit.agency_code.startswith(unit.department.dept_code)
    assert FiscalRegion.objects.filter(level="town", parent__mof_div_code=COUNTY_CODE).count() >= 10


@pytest.mark.django_db
def test_every_department_answers_to_a_business_section_and_each_section_has_one() -> None:
    seed(scale=0.01)

    departments = Department.objects.filter(units__isnull=False).distinct().select_related("finance_section")
    assert departments
    assert all(department.finance_section.kind == "business" for department in departments)
    business = FinanceSection.objects.filter(kind="business")
    assert set(business.values_list("name", flat=True)) == {"行政政法股", "教科文股", "经建股", "农业股", "社保股"}
    assert all(section.departments.exists() for section in business)
    assert Department.objects.get(name="县教育局").finance_section.name == "教科文股"


@pytest.mark.django_db
def test_projects_are_well_formed(demo_county: str) -> None:

    projects = list(Project.objects.select_related("unit", "region"))
    # The 事前绩效评估 stage files and cuts a few projects through the services, which record who did it.
    assessed = set(Project.objects.filter(preassessments__isnull=False).values_list("pk", flat=True))
    assert {"draft", "submitted", "dept_approved", "in_library", "returned"} <= {p.status for p in projects}
    assert {p.fiscal_year for p in projects} == {2025, 2026}
    for project in projects:
        assert re.fullmatch(rf"{project.fiscal_year}-{project.department.dept_code}-\d{{4}}", project.code)
        assert project.department_id == project.unit.department_id
        assert project.region.mof_div_code == COUNTY_CODE
        assert re.fullmatch(r"\d{7}", project.function_code)
        assert project.fiscal_amount_yuan > 0
        assert project.fiscal_amount_yuan.as_tuple().exponent == -2
        assert project.start_year <= project.fiscal_year <= project.end_year
        assert (project.tier == "A") == (project.total_amount_yuan >= Decimal(1_000_000))
        if project.pk not in assessed:
            assert project.created_by_id is None and project.updated_by_id is None
    assert FiscalYear.objects.get(is_current=True).year == 2026


@pytest.mark.django_db
def test_reset_keeps_audit_events_and_users_who_work_elsewhere() -> None:
    seed(scale=SMALL)
    AuditEvent.objects.create(event_type="demo.test", reason="kept")
    other_county = FiscalRegion.objects.create(mof_div_code="511722000", name="宣汉县", level="county", path="x/")
    colleague = User.objects.create(username="colleague")
    Membership.objects.create(user=colleague, role="leader", region=other_county)
    county = FiscalRegion.objects.get(mof_div_code=COUNTY_CODE)
    Membership.objects.create(user=colleague, role="leader", region=county)
    User.objects.create(username="opened_on_the_demo", home_region=county)  # 新建用户 on the demo, never granted
    moved = User.objects.create(username="opened_here_works_there", home_region=county)
    Membership.objects.create(user=moved, role="leader", region=other_county)

    seed(scale=SMALL, reset=True)

    assert AuditEvent.objects.filter(event_type="demo.test").exists()
    assert not User.objects.filter(username="opened_on_the_demo").exists()
    assert User.objects.get(username="opened_here_works_there").home_region is None  # the old county is gone
    assert list(Membership.objects.filter(user__username="colleague").values_list("region__name", flat=True)) == [
        "宣汉县"
    ]
    assert FiscalRegion.objects.filter(mof_div_code=COUNTY_CODE).count() == 1
    # The county's rounds are removed with it and built again.
    assert SelfEvaluation.objects.exists() and ReEvaluationBatch.objects.count() == 1
    assert KeyEvaluation.objects.count() == 3 and Engagement.objects.count() == 1


@pytest.mark.django_db
def test_print_logins_lists_every_demo_login(demo_county: str) -> None:
    output = demo_county  # seed_demo --print-logins
    assert "演示数据已生成" in output
    for username, label in DEMO_USERS:
        assert username in output
        assert label in output
    assert DEMO_PASSWORD in output


@pytest.mark.sqlite_only
@pytest.mark.django_db
def test_scale_one_builds_a_county_of_the_expected_size() -> None:
    seed()

    assert 85 <= Department.objects.count() <= 115
    assert 340 <= BudgetUnit.objects.count() <= 460
    assert 765 <= Project.objects.filter(fiscal_year=2026).count() <= 1035
    assert Project.objects.filter(fiscal_year=2026, total_amount_yuan__gt=10_000_000).exists()
    assert set(Project.objects.values_list("budget_book", flat=True)) == {
        "general",
        "fund",
        "state_capital",
        "social_insurance",
    }
    assert set(Project.objects.values_list("category", flat=True)) == {"personnel", "operation", "specific"}


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_outside_demo_mode(settings: Any) -> None:
    settings.DEMO_MODE = False
    settings.TESTING = False
    with pytest.raises(CommandError, match="演示模式"):
        call_command("seed_demo", scale=0.1)


@pytest.mark.django_db
def test_demo_targets_measure_their_own_sector(demo_county: str) -> None:
    """A school's target takes 教育 (or common) indicators from the library, never 孕产妇死亡率."""
    education = IndicatorCategory.objects.get(name="教育", parent__isnull=True)
    health = IndicatorCategory.objects.get(name="卫生健康", parent__isnull=True)
    rows = TargetIndicator.objects.filter(target__department__name="县教育局", library_item__isnull=False)
    assert rows.count() >= 10
    for item in (row.library_item for row in rows.select_related("library_item__category")):
        category = item.category
        assert item.is_common or education.pk in (category.pk, category.parent_id), item.name
        assert health.pk not in (category.pk, category.parent_id), item.name


@pytest.mark.sqlite_only  # files are engine-neutral; PostgreSQL runs the reset in test_reset_keeps_audit_events…
@pytest.mark.django_db
def test_reset_removes_the_files_of_the_evidence_it_deletes_and_nothing_else(
    settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    """The demo's 佐证资料, 印证资料, 事前评估附件 (one stored feasibility study named by many rows of the earlier
    rounds), 问题整改报告 and 重点评价文件 files go with their rows on --reset, once it commits; a file no deleted row
    names stays, and so does one outside the media root even if a (tampered) row names it."""
    media = tmp_path / "media"
    settings.MEDIA_ROOT = str(media)
    seed(scale=SMALL)
    models = (SelfEvalEvidence, MonitoringEvidence, UpperCheckEvidence, Attachment, FeedbackFile, KeyEvalDocument)
    assert all(row.sha256 for model in (Attachment, FeedbackFile, KeyEvalDocument) for row in model.objects.all())
    first = {str(name) for model in models for name in model.objects.values_list("file", flat=True)}
    assert all(model.objects.exists() for model in models)
    assert first and all((media / name).is_file() for name in first)
    stray = media / "selfeval" / "kept.pdf"
    stray.write_bytes(b"%PDF-")
    outside = tmp_path / "outside.pdf"
    outside.write_bytes(b"%PDF-")
    tampered = SelfEvalEvidence.objects.order_by("id").first()
    assert tampered is not None
    SelfEvalEvidence.objects.filter(pk=tampered.pk).update(file="../outside.pdf")
    first.discard(str(tampered.file))

    with django_capture_on_commit_callbacks(execute=True):
        seed(scale=SMALL, reset=True)

    second = {str(name) for model in models for name in model.objects.values_list("file", flat=True)}
    assert second and not first & second
    assert not any((media / name).exists() for name in first)
    assert all((media / name).is_file() for name in second)
    assert stray.exists() and outside.exists()
