"""`__in` on integer columns with values no such column can hold.

Django answers `exact`, `gt`, `lt`… with an integer beyond the column's range as "no row" (or "every row") without
asking the database (`IntegerFieldOverflow`), but passes `__in` values through, and SQLite's driver refuses to bind
a number beyond 64 bits (OverflowError, a 500). Such numbers reach queries from posted ids: a tampered
`ModelMultipleChoiceField` (a form's several projects, units, users…) is cleaned with `pk__in=<the posted ids>`.
`IntegerFieldIn` drops the values outside the column's range, as they match no row, and a list left empty matches
nothing, as Django's own `In` does for an empty list. Registered on IntegerField, so every integer column and primary
key (AutoField, BigAutoField) uses it; PostgreSQL gives the same rows as before.
"""

from __future__ import annotations

from typing import Any

from django.db.models import IntegerField
from django.db.models.lookups import In


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
