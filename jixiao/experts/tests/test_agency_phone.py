"""G02: an agency's contact phone is personal data, SM4-GCM encrypted at rest like an expert's, shown masked."""

from __future__ import annotations

import importlib
from typing import Any

from django.db import connection

from conftest import World
from jixiao.experts.models import Agency

PHONE = "13912345678"


def _raw(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM experts_agency WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def test_the_raw_column_holds_ciphertext_and_the_list_shows_it_masked(world: World) -> None:
    agency = Agency.objects.create(region=world.region, name="明信咨询", credit_code="91511700MA62D4L83R", phone=PHONE)
    raw = _raw(agency.pk)
    assert raw.startswith("sm4gcm:") and PHONE not in raw and PHONE[-4:] not in raw
    assert Agency.objects.get(pk=agency.pk).phone == PHONE
    page = world.login("performance").get("/experts/agencies/").content.decode()
    assert "139****5678" in page and PHONE not in page


def test_the_data_migration_encrypts_existing_rows_and_reverses(world: World) -> None:
    migration: Any = importlib.import_module("jixiao.experts.migrations.0009_agency_phone_encrypted")
    agency = Agency.objects.create(region=world.region, name="旧数据", credit_code="91511700MA62D4L83R")
    with connection.cursor() as cursor:  # a row as it was before the migration: clear text
        cursor.execute("UPDATE experts_agency SET phone = %s WHERE id = %s", [PHONE, agency.pk])

    class Editor:
        connection = connection

    migration.encrypt_phones(None, Editor())
    assert _raw(agency.pk).startswith("sm4gcm:")
    assert Agency.objects.get(pk=agency.pk).phone == PHONE
    migration.encrypt_phones(None, Editor())  # idempotent
    assert Agency.objects.get(pk=agency.pk).phone == PHONE
    migration.decrypt_phones(None, Editor())
    assert _raw(agency.pk) == PHONE
