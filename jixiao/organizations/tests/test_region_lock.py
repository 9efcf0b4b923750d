"""The region row as a mutex (`RegionQuerySet.lock`): it excludes another lock of the row, but not the FOR KEY SHARE
PostgreSQL takes on a region for every insert that references it (a payment import holding its county's row for
minutes must not stop that county's users saving projects). PostgreSQL only: SQLite has one writer and no row locks.
NOWAIT answers at once, so nothing here waits on the clock."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import OperationalError, connection, connections, transaction

from jixiao.organizations.models import FiscalRegion


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_locked_region_still_takes_references_but_not_a_second_lock(fresh_world: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL only")
    region_id = fresh_world.region.pk
    assert FiscalRegion._meta.db_table == "organizations_fiscalregion"
    outcome: dict[str, str] = {}

    def other_connection() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                # What an INSERT of a row referencing the region checks (its foreign key).
                cursor.execute(
                    "SELECT 1 FROM organizations_fiscalregion WHERE id = %s FOR KEY SHARE NOWAIT", [region_id]
                )
            outcome["reference"] = "taken"
        except OperationalError:
            outcome["reference"] = "refused"
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT 1 FROM organizations_fiscalregion WHERE id = %s FOR NO KEY UPDATE NOWAIT", [region_id]
                )
            outcome["second_lock"] = "taken"
        except OperationalError:
            outcome["second_lock"] = "refused"
        finally:
            connections.close_all()

    with transaction.atomic():
        assert FiscalRegion.objects.filter(pk=region_id).lock() == [region_id]
        worker = threading.Thread(target=other_connection)
        worker.start()
        worker.join(timeout=60)
    assert outcome == {"reference": "taken", "second_lock": "refused"}
