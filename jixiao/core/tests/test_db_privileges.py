"""harden_db_privileges (SECURITY D02): the application's PostgreSQL role may add audit rows, never change them."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from io import StringIO

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from jixiao.core import audit
from jixiao.core.models import AuditChainHead, AuditEvent

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_d02_the_command_is_postgresql_only() -> None:
    if connection.vendor == "postgresql":
        pytest.skip("covered by the PostgreSQL test below")
    with pytest.raises(CommandError, match="仅适用于 PostgreSQL"):
        call_command("harden_db_privileges", "--app-role", "jixiao_app")


@pytest.fixture
def app_role() -> Iterator[tuple[str, str]]:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no database roles")
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            pytest.skip("the test database user needs CREATEROLE to create a restricted role")
        name, password = f"jixiao_app_{secrets.token_hex(4)}", secrets.token_hex(16)
        cursor.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
    try:
        yield name, password
    finally:
        # DROP OWNED needs membership in the role (PostgreSQL 15+), so revoke explicitly, then drop it.
        database = connection.settings_dict["NAME"]
        with connection.cursor() as cursor:
            for statement in (
                "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
                "REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}",
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM {role}",
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM {role}",
                "REVOKE ALL ON SCHEMA public FROM {role}",
                f'REVOKE ALL ON DATABASE "{database}" FROM {{role}}',
                "DROP ROLE {role}",
            ):
                cursor.execute(statement.format(role=name))


def test_d02_app_role_cannot_update_or_delete_audit_rows_but_can_append(app_role: tuple[str, str]) -> None:
    role, password = app_role
    audit.record(actor="dba", event_type="test.before_hardening", reason="由属主写入")
    out = StringIO()
    call_command("harden_db_privileges", "--app-role", role, stdout=out)
    assert "OK" in out.getvalue()

    db = connection.settings_dict
    params = {"dbname": db["NAME"], "user": role, "password": password, "host": db["HOST"] or None}
    with psycopg.connect(**params, port=db["PORT"] or None, autocommit=True) as app:
        assert app.execute("SELECT COUNT(*) FROM core_auditevent").fetchone()[0] >= 1  # type: ignore[index]
        for statement in (
            "UPDATE core_auditevent SET reason = 'changed'",
            "DELETE FROM core_auditevent",
            "TRUNCATE core_auditevent",
            "DELETE FROM core_auditchainhead",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(statement)
        # Ordinary business tables stay writable for the application.
        app.execute("UPDATE accounts_user SET last_login = last_login WHERE false")

    # Appending through the application's code path works as the restricted role, and the chain stays intact.
    url = f"postgres://{role}:{password}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
    code = "from jixiao.core import audit; print(audit.record(actor='app', event_type='test.after_hardening').seq)"
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": url, "JIXIAO_TESTING": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    event = AuditEvent.objects.get(event_type="test.after_hardening")
    assert str(event.seq) == done.stdout.split()[-1] == str(AuditChainHead.objects.get(pk=1).seq)
    assert audit.verify_table().ok
