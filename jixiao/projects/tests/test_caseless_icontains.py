"""`core.lookups.CaselessIContains` (tested here, where there are rows to match): `icontains` with a term that has no
case compiles as `contains`, without PostgreSQL's `UPPER(…)` on every scanned row, and matches the same rows; a term
with a cased letter stays case-insensitive."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import F, Q

from jixiao.core.lookups import is_caseless
from jixiao.projects.models import Project
from jixiao.projects.tests.factories import ProjectFactory


def _named(world: Any, names: list[str]) -> list[int]:
    """Projects of the world's school with these names; the queries below look at these rows only."""
    return [ProjectFactory(unit=world.school, name=name, code=f"T-{i}").pk for i, name in enumerate(names)]


def _sql(queryset: Any) -> str:
    sql, _params = queryset.query.sql_with_params()
    return str(sql)


def test_caseless_means_case_mapping_changes_nothing() -> None:
    assert is_caseless("项目") and is_caseless("2026年") and is_caseless("（一）-_%") and is_caseless("")
    assert not is_caseless("abc") and not is_caseless("ABC") and not is_caseless("项目a") and not is_caseless("ß")


@pytest.mark.django_db
def test_a_caseless_term_is_compiled_as_contains_and_matches_the_same_rows(world: Any) -> None:
    ids = _named(world, ["乡村道路项目", "道路养护", "教育项目ABC", "50%配套资金", "500万元配套"])
    mine = Project.objects.filter(pk__in=ids)
    found = mine.filter(Q(name__icontains="项目") | Q(code__icontains="项目"))
    assert set(found.values_list("pk", flat=True)) == {ids[0], ids[2]}
    assert _sql(found) == _sql(mine.filter(Q(name__contains="项目") | Q(code__contains="项目")))
    if connection.vendor == "postgresql":
        assert "UPPER" not in _sql(found)
    # LIKE's wildcards in the term are still matched literally.
    assert list(mine.filter(name__icontains="50%").values_list("pk", flat=True)) == [ids[3]]
    assert not mine.filter(name__icontains="_0").exists()
    # Across a relation, as the lists search their rows' unit or project.
    assert set(mine.filter(unit__name__icontains=world.school.name[-2:]).values_list("pk", flat=True)) == set(ids)


@pytest.mark.django_db
def test_a_term_with_a_cased_letter_stays_case_insensitive(world: Any) -> None:
    ids = _named(world, ["教育项目ABC", "教育项目abc", "教育项目"])
    for term in ("abc", "ABC", "aBc", "项目Abc"):
        found = Project.objects.filter(pk__in=ids, name__icontains=term)
        assert set(found.values_list("pk", flat=True)) == {ids[0], ids[1]}, term
        if connection.vendor == "postgresql":
            assert "UPPER" in _sql(found)
    # A column on the right-hand side is not a typed term: the built-in lookup compiles it as before.
    assert Project.objects.filter(pk=ids[0], name__icontains=F("name")).count() == 1
