"""The shared pager (templates/includes/pagination.html): every paginated list states its total, 共 N 条, unless the
list already states it above the table (`count_shown`); the page links keep the list's filters."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def _pager(items: int, page: str = "1", **extra: object) -> str:
    request = RequestFactory().get("/alerts/cases/", {"status": "OPEN", "page": page})
    context = {"page": Paginator(range(items), 20).get_page(page), "request": request, **extra}
    return render_to_string("includes/pagination.html", context)


def test_a_long_list_states_its_total_beside_the_pages() -> None:
    html = _pager(45, "2")
    assert "共 45 条" in html and "第 2 / 3 页" in html
    assert "?status=OPEN&amp;page=3" in html and "?status=OPEN&amp;page=1" in html


def test_a_one_page_list_states_its_total_without_page_links() -> None:
    html = _pager(5)
    assert "共 5 条" in html and "第 1" not in html


def test_a_list_that_states_its_total_itself_gets_the_pages_only() -> None:
    assert "共" not in _pager(45, count_shown=1) and "第 1 / 3 页" in _pager(45, count_shown=1)
    assert _pager(5, count_shown=1).strip() == _pager(0).strip()


def test_an_empty_list_gets_no_pager() -> None:
    assert "共" not in _pager(0) and "<nav" not in _pager(0)
