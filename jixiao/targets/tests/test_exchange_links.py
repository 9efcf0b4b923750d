"""The 申报表 print page, its PDF, the Excel exports and the import page are offered where users look for them:
on the target's page and on the target list, to the roles that may open them, and every link opens."""

from __future__ import annotations

import re

import pytest

from conftest import World
from jixiao.targets.tests.pages_helpers import make_target

pytestmark = pytest.mark.django_db


def _links(page: str, testid: str) -> list[str]:
    return [href.replace("&amp;", "&") for href in re.findall(rf'href="([^"]+)"[^>]*data-testid="{testid}"', page)]


def test_the_target_page_offers_print_pdf_and_excel(world: World) -> None:
    target = make_target(world)
    unit = world.login("unit_user")
    page = unit.get(f"/targets/{target.pk}/").content.decode()
    (printed,) = _links(page, "print-target")
    (pdf,) = _links(page, "pdf-target")
    (excel,) = _links(page, "export-target")
    response = unit.get(printed)
    assert response.status_code == 200 and target.name in response.content.decode()
    response = unit.get(pdf)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    response = unit.get(excel)
    assert response.status_code == 200 and response.content.startswith(b"PK")  # an xlsx (zip) file


def test_the_target_list_offers_import_and_exports_of_what_it_shows(world: World) -> None:
    make_target(world)
    unit = world.login("unit_user")
    page = unit.get("/targets/?fiscal_year=2026").content.decode()
    (imported,) = _links(page, "target-import")
    (declarations,) = _links(page, "export-declarations")
    (flat,) = _links(page, "export-flat")
    assert declarations.endswith("?fiscal_year=2026") and flat.endswith("?fiscal_year=2026")  # the list's filter
    assert unit.get(imported).status_code == 200
    for link in (declarations, flat):
        response = unit.get(link)
        content = response.getvalue() if response.streaming else response.content  # the flat file streams
        assert response.status_code == 200 and content.startswith(b"PK"), link
    # The 绩效股 reads and exports targets but does not import them: no import button.
    performance = world.login("performance").get("/targets/").content.decode()
    assert _links(performance, "target-import") == [] and len(_links(performance, "export-flat")) == 1
