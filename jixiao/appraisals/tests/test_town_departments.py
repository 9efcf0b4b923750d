"""A town government budgets like a department (乡镇人民政府, 街道办事处) but is appraised once, as a town: the 部门考核
leaves out departments marked `is_town`, the 乡镇（街道）考核 appraises the town."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps

from conftest import World
from jixiao.appraisals import services
from jixiao.appraisals.models import Appraisal
from jixiao.appraisals.tests.helpers import YEAR, default_template, dept_task
from jixiao.organizations.models import Department
from jixiao.organizations.tests.factories import DepartmentFactory, FiscalRegionFactory

pytestmark = pytest.mark.django_db


def test_a_town_government_is_appraised_as_a_town_not_as_a_department(world: World) -> None:
    code = "511725102"
    FiscalRegionFactory(
        mof_div_code=code, name="三汇镇", level="town", parent=world.region, path=f"{world.region.path}{code}/"
    )
    DepartmentFactory(region=world.region, dept_code="901", name="三汇镇人民政府", is_town=True)
    depts = dept_task(world)
    names = set(Appraisal.objects.filter(task=depts).values_list("examinee_name", flat=True))
    assert {"县教育局", "县卫健局"} <= names and "三汇镇人民政府" not in names
    towns = services.task_create(
        actor=world.users["performance"],
        template=default_template("TOWN"),
        name="2026年度乡镇考核",
        fiscal_year=YEAR,
        self_score_deadline=dt.date(2027, 1, 31),
    )
    assert list(Appraisal.objects.filter(task=towns).values_list("examinee_name", flat=True)) == ["三汇镇"]


def test_the_department_form_offers_the_mark(world: World) -> None:
    page = world.login("budget").get(f"/org/departments/{world.edu.pk}/edit/")
    assert page.status_code == 200 and 'name="is_town"' in page.content.decode()


def test_the_migration_marks_departments_named_as_town_governments(world: World) -> None:
    for dept_code, name in (("901", "三汇镇人民政府"), ("902", "渠江街道办事处"), ("903", "县人民政府办公室")):
        DepartmentFactory(region=world.region, dept_code=dept_code, name=name)
    migration = importlib.import_module("jixiao.organizations.migrations.0003_department_is_town")

    class Editor:
        class connection:  # noqa: N801 - the shape of a schema editor the function reads
            alias = "default"

    migration.mark_towns(apps, Editor())
    marked = set(Department.objects.filter(is_town=True).values_list("name", flat=True))
    assert marked == {"三汇镇人民政府", "渠江街道办事处"}
