"""实施期 reads 2026年 for a one-year project, not 2026—2026年 (project page, demo texts)."""

from __future__ import annotations

from jixiao.projects.models import Project


def test_a_one_year_period_names_the_year_once() -> None:
    assert Project(start_year=2026, end_year=2026).period_text == "2026年"
    assert Project(start_year=2026, end_year=2028).period_text == "2026—2028年"
