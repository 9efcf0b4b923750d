"""Restrict the application's PostgreSQL role (SECURITY D02): it may add audit rows, never change or delete them.

Run by the database owner / DBA (the role that owns the tables and runs `migrate`), not by the application:

    DATABASE_URL=postgres://jixiao_owner:…@db/jixiao manage.py harden_db_privileges --app-role jixiao_app

It grants the application role what the application needs on every table and sequence of the schema (also for
tables created by later migrations, via default privileges), then revokes UPDATE, DELETE and TRUNCATE on the audit
table and DELETE and TRUNCATE on the chain-head row. Re-run it after every `migrate` (it is idempotent).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections, transaction
from psycopg import sql

from jixiao.core.models import AuditChainHead, AuditEvent


class Command(BaseCommand):
    help = "收紧应用数据库账号的权限：审计表只允许插入和查询（仅 PostgreSQL，由数据库属主执行）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--app-role", required=True, help="the PostgreSQL role the application connects as")
        parser.add_argument("--database", default="default")
        parser.add_argument("--schema", default="public")

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            raise CommandError("该命令仅适用于 PostgreSQL（SQLite 没有数据库账号权限）")
        role, schema = options["app_role"], options["schema"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
            found = cursor.fetchone()
            if found is None:
                raise CommandError(f"数据库账号“{role}”不存在，请先由 DBA 创建（CREATE ROLE … LOGIN）")
            if found[0]:
                raise CommandError(f"数据库账号“{role}”是超级用户，超级用户不受权限限制，应用不得使用超级用户连接")
            cursor.execute("SELECT current_user")
            owner = cursor.fetchone()[0]  # type: ignore[index]
            if owner == role:
                raise CommandError("应用账号不能与数据表属主相同：请用属主账号执行本命令，应用使用另一个账号连接")
        audit_table, head_table = AuditEvent._meta.db_table, AuditChainHead._meta.db_table
        r, s = sql.Identifier(role), sql.Identifier(schema)
        db = sql.Identifier(connection.settings_dict["NAME"])
        statements = [
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, r),
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(s, r),
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}").format(s, r),
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(s, r),
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
            ).format(s, r),
            sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT USAGE, SELECT ON SEQUENCES TO {}").format(s, r),
            sql.SQL("REVOKE TRUNCATE ON ALL TABLES IN SCHEMA {} FROM {}").format(s, r),
            # The audit trail: append and read only (SECURITY.md §1.4); nobody but the owner may change it.
            sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {}.{} FROM {}, PUBLIC").format(
                s, sql.Identifier(audit_table), r
            ),
            sql.SQL("REVOKE DELETE, TRUNCATE, REFERENCES, TRIGGER ON {}.{} FROM {}, PUBLIC").format(
                s, sql.Identifier(head_table), r
            ),
        ]
        with transaction.atomic(using=options["database"]), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            cursor.execute(
                "SELECT privilege_type FROM information_schema.role_table_grants"
                " WHERE grantee = %s AND table_schema = %s AND table_name = %s ORDER BY 1",
                [role, schema, audit_table],
            )
            granted = [row[0] for row in cursor.fetchall()]
        if set(granted) & {"UPDATE", "DELETE", "TRUNCATE"}:
            raise CommandError(f"权限收紧失败：{role} 在 {audit_table} 上仍有 {granted}")
        self.stdout.write(
            f"OK：{role} 可读写业务表；审计表 {audit_table} 仅 {', '.join(granted)}；链头 {head_table} 不可删除。"
            "迁移（migrate）后请重新执行本命令。"
        )
