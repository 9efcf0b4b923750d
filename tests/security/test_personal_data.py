"""G02/G03/G07: experts' personal data (phone, ID number, bank account) is SM4-GCM encrypted at rest, masked on pages,
searchable only by exact value through an HMAC-SM3 blind index, and each full view is audited."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from conftest import World
from jixiao.core import crypto
from jixiao.core.models import AuditEvent
from jixiao.experts.models import Expert

pytestmark = pytest.mark.django_db

PHONE, ID_NUMBER, BANK = "13912345678", "51172519800101123X", "6222020402001234567"


def _raw(pk: int) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phone, id_number, bank_account, phone_index, id_number_index FROM experts_expert WHERE id = %s",
            [pk],
        )
        row = cursor.fetchone()
    return dict(zip(["phone", "id_number", "bank_account", "phone_index", "id_number_index"], row, strict=True))


@pytest.fixture
def expert(world: World) -> Expert:
    response = world.login("performance").post(
        reverse("experts:create"),
        {"name": "钱教授", "kind": "expert", "field": "教育", "phone": PHONE, "id_number": ID_NUMBER.lower(),
         "bank_name": "工商银行渠县支行", "bank_account": "6222 0204 0200 1234 567", "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    return Expert.objects.get(name="钱教授")


def test_g02_raw_columns_hold_ciphertext_not_plaintext(expert: Expert) -> None:
    raw = _raw(expert.pk)
    for column, plain in (("phone", PHONE), ("id_number", ID_NUMBER), ("bank_account", BANK)):
        assert raw[column].startswith("sm4gcm:"), column
        assert plain not in raw[column] and plain[-4:] not in raw[column]
    assert PHONE not in raw["phone_index"] and len(raw["phone_index"]) == 64
    expert.refresh_from_db()
    assert (expert.phone, expert.id_number, expert.bank_account) == (PHONE, ID_NUMBER, BANK)
    # Not in the audit trail either: only masked values.
    changes = str(AuditEvent.objects.get(event_type="expert.create").changes)
    assert PHONE not in changes and ID_NUMBER not in changes and BANK not in changes


def test_g02_pages_mask_and_the_full_view_is_audited(world: World, expert: Expert) -> None:
    client = world.login("performance")
    detail = client.get(reverse("experts:detail", args=[expert.pk])).content.decode()
    assert "139****5678" in detail and "511***********123X" in detail and "***************4567" in detail
    for plain in (PHONE, ID_NUMBER, BANK):
        assert plain not in detail
        assert plain not in client.get(reverse("experts:edit", args=[expert.pk])).content.decode()
    response = client.post(reverse("experts:contact", args=[expert.pk]))
    page = response.content.decode()
    assert PHONE in page and ID_NUMBER in page and BANK in page and response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(event_type="expert.contact_view")
    assert event.object_id == str(expert.pk) and "身份证号" in event.reason and "银行账号" in event.reason
    # Without expert.contact (budget section): masked only, and no way to unmask.
    assert world.login("budget").post(reverse("experts:contact", args=[expert.pk])).status_code in (403, 404)


def test_g02_exact_search_by_phone_or_id_number_uses_the_blind_index(world: World, expert: Expert) -> None:
    Expert.objects.create(region=world.region, name="孙老师", field="教育", phone="13800000000")
    client = world.login("performance")
    for query in (PHONE, ID_NUMBER, ID_NUMBER.lower()):
        page = client.get(reverse("experts:list"), {"q": query}).content.decode()
        assert "钱教授" in page and "孙老师" not in page, query
    page = client.get(reverse("experts:list"), {"q": PHONE[:7]}).content.decode()
    assert "钱教授" not in page  # partial numbers are not searchable: nothing is decrypted for a search


def test_g02_invalid_id_number_or_bank_account_is_refused(world: World) -> None:
    response = world.login("performance").post(
        reverse("experts:create"),
        {"name": "周老师", "kind": "expert", "field": "教育", "id_number": "12345", "bank_account": "abc"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "身份证号应为18位" in page and "银行账号应为8至30位数字" in page
    assert not Expert.objects.filter(name="周老师").exists()


def test_g03_a_flipped_byte_is_detected(expert: Expert) -> None:
    raw = _raw(expert.pk)["phone"]
    prefix, key_id, token = raw.split(":")
    body = bytearray(__import__("base64").b64decode(token))
    body[-1] ^= 1
    tampered = f"{prefix}:{key_id}:{__import__('base64').b64encode(bytes(body)).decode()}"
    with connection.cursor() as cursor:
        cursor.execute("UPDATE experts_expert SET phone = %s WHERE id = %s", [tampered, expert.pk])
    with pytest.raises(crypto.CryptoError):
        Expert.objects.get(pk=expert.pk)
    # A ciphertext copied into another column does not decrypt either (the column is the associated data).
    with connection.cursor() as cursor:
        cursor.execute("UPDATE experts_expert SET phone = id_number WHERE id = %s", [expert.pk])
    with pytest.raises(crypto.CryptoError):
        Expert.objects.get(pk=expert.pk)


def test_g02_data_migration_encrypts_existing_rows_and_reverses(world: World) -> None:
    migration: Any = importlib.import_module("jixiao.experts.migrations.0006_expert_personal_data_encrypted")
    expert = Expert.objects.create(region=world.region, name="旧数据", field="教育")
    with connection.cursor() as cursor:  # a row as it was before the migration: clear text
        cursor.execute("UPDATE experts_expert SET phone = %s, phone_index = '' WHERE id = %s", [PHONE, expert.pk])

    class Editor:
        connection = connection

    migration.encrypt_phones(None, Editor())
    raw = _raw(expert.pk)
    assert raw["phone"].startswith("sm4gcm:") and PHONE not in raw["phone"]
    assert Expert.objects.get(pk=expert.pk).phone == PHONE
    assert raw["phone_index"] == crypto.blind_index(PHONE, context="experts.Expert.phone")
    migration.encrypt_phones(None, Editor())  # idempotent
    assert Expert.objects.get(pk=expert.pk).phone == PHONE
    migration.decrypt_phones(None, Editor())
    assert _raw(expert.pk)["phone"] == PHONE


def test_g07_personal_fields_of_experts_are_the_documented_minimum() -> None:
    """Schema test: personal data fields on Expert are exactly the documented list (docs/security.md)."""
    personal = {"name", "phone", "id_number", "bank_name", "bank_account", "title", "affiliation"}
    fields = {f.name for f in Expert._meta.concrete_fields}
    assert personal <= fields
    forbidden = {"birthday", "gender", "address", "email", "ethnicity", "political_status", "photo"}
    assert not forbidden & fields
    encrypted = {f.name for f in Expert._meta.concrete_fields if type(f).__name__ == "EncryptedTextField"}
    assert encrypted == {"phone", "id_number", "bank_account"}
