"""The list, statistics and form pages: bounded queries whatever the number of cases, filters and tabs, menu."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
import pytest

from conftest import World
from jixiao.rectification.tests.helpers import YEAR, draft_case, issued_case, overdue_by

pytestmark = pytest.mark.django_db


def test_list_query_count_does_not_grow_with_rows(world: World, django_assert_max_num_queries: Any) -> None:
    client = world.login("performance")
    issued_case(world)
    with django_assert_max_num_queries(25):
        assert client.get("/rectification/").status_code == 200
    for _ in range(8):
        issued_case(world, world.hospital_project)
        draft_case(world)
    for url in ["/rectification/", "/rectification/?overdue=1", "/rectification/?tab=draft&source=AUDIT"]:
        with django_assert_max_num_queries(25):
            assert client.get(url).status_code == 200


def test_tabs_filters_statistics_and_menu(world: World) -> None:
    draft_case(world)
    overdue_by(issued_case(world, world.hospital_project), 2)
    client = world.login("performance")
    drafts = client.get("/rectification/?tab=draft").content.decode()
    assert "一中教学设备购置" in drafts and "医院信息化建设" not in drafts
    overdue = client.get("/rectification/?overdue=1").content.decode()
    assert "医院信息化建设" in overdue and "一中教学设备购置" not in overdue
    by_dept = client.get(f"/rectification/?department={world.edu.pk}").content.decode()
    assert "一中教学设备购置" in by_dept and "医院信息化建设" not in by_dept
    stats = client.get(f"/rectification/statistics/?year={YEAR}").content.decode()
    assert "审计及其他监督" in stats and "县卫健局" in stats
    home = client.get("/").content.decode()
    assert "/rectification/candidates/" in home and "整改逾期" in home
    assert client.get("/rectification/findings/new/").status_code == 200
    unit_home = world.login("unit_user").get("/").content.decode()
    assert "/rectification/" in unit_home and "/rectification/candidates/" not in unit_home
    assert world.login("unit_user").get("/rectification/findings/new/").status_code == 403


def test_a_bad_filter_is_shown_at_its_field_and_the_others_still_filter(world: World) -> None:
    """A year typed wrong used to drop every filter silently: the page listed every case under the chosen 状态."""
    draft_case(world)
    issued = issued_case(world, world.hospital_project)
    client = world.login("performance")
    page = client.get("/rectification/?year=1999&status=issued").content.decode()
    assert f"/rectification/{issued.pk}/" in page and "一中教学设备购置" not in page  # 状态 still filters
    assert 'data-testid="filter-error"' in page and "2000" in page  # the year's reason, at the field
    assert 'name="year" value="1999"' in page  # what was typed stays
    ledger = openpyxl.load_workbook(io.BytesIO(client.get("/rectification/export/?year=1999&status=issued").content))
    ids = [row[0] for row in ledger.active.iter_rows(min_row=3, values_only=True) if row[0] is not None]
    assert ids == [issued.pk]  # the export takes the same filters
    # 待整改问题: a bad year falls back to the current year and keeps the chosen source.
    candidates = client.get("/rectification/candidates/?year=abc&source=MONITORING").content.decode()
    assert 'data-testid="filter-error"' in candidates


def test_the_problem_list_names_the_year_it_lists(world: World) -> None:
    """待整改问题 without a chosen year lists the current year's problems: its year box said nothing."""
    client = world.login("performance")
    page = client.get("/rectification/candidates/").content.decode()
    year_box = re.search(r'<input type="number" name="year"[^>]*>', page)
    assert year_box is not None and f'value="{YEAR}"' in year_box.group(0)


def test_a_refused_sweep_shows_the_list_with_its_status(world: World, monkeypatch: Any) -> None:
    """逾期提醒与督办 refused (here: another sweep at work): the list again with the reason and 409, not a redirect;
    its tabs and filter form name the list's own address, not the sweep's."""
    from jixiao.core.errors import ConflictError
    from jixiao.rectification import services

    def busy(**kwargs: Any) -> Any:
        raise ConflictError("逾期处理正在进行，请稍后再试")

    monkeypatch.setattr(services, "rectification_sweep", busy)
    draft_case(world)
    response = world.login("performance").post("/rectification/sweep/")
    page = response.content.decode()
    assert response.status_code == 409 and "逾期处理正在进行，请稍后再试" in page
    assert 'href="/rectification/?tab=draft"' in page and 'action="/rectification/"' in page
    assert "一中教学设备购置" in page
