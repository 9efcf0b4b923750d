"""Writing payments: the one import pipeline behind the upload page, the API and `manage.py import_payments`.

1. Stream: each parsed row is resolved (unit, project) and copied into a staging table in chunks; format errors
   are collected. Memory stays flat: no list of rows, no set of voucher numbers in Python.
2. Check with set operations on the staging rows: duplicate vouchers in the file, vouchers already stored
   (identical → skipped as 已存在, different → error), refunds whose original voucher is unknown or would be
   reversed below zero.
3. All or nothing: any error → nothing is written and the error report lists every cell. Otherwise one
   transaction copies the staging rows to `Payment` in batches and adds each batch, aggregated by project and
   month, to the `ProjectMonthExecution` rollup (INSERT … SELECT … ON CONFLICT DO UPDATE, on SQLite and
   PostgreSQL alike). An exception anywhere rolls everything back; the import can simply be run again.
4. After commit, `hooks.payments_imported(region, years)` lets higher stages (warnings) react.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from jixiao.core import audit
from jixiao.core.errors import DomainError
from jixiao.core.models import AuditEvent
from jixiao.core.permissions import require
from jixiao.core.spreadsheets import CellError, ImportRejectedError
from jixiao.execution import hooks
from jixiao.execution.models import (
    DepartmentCumulativeExecution,
    DepartmentMonthExecution,
    Payment,
    PaymentImport,
    PaymentStagingRow,
    PaymentTotal,
    ProjectMonthExecution,
    RegionMonthExecution,
)
from jixiao.execution.rollup_sql import insert_cumulative, insert_payment_totals
from jixiao.organizations.models import BudgetUnit, Department, FiscalRegion
from jixiao.projects.models import Project, ProjectStatus

STAGE_CHUNK = 5_000
WRITE_BATCH = 50_000
MAX_ERRORS_KEPT = 10_000
COMPARED_FIELDS = (
    "pay_date",
    "unit_id",
    "project_id",
    "amount_yuan",
    "reverses_voucher_no",
    "economic_code",
    "function_code",
    "fund_source",
)

Progress = Callable[[int, "int | None", str], None]
# Step 1 of an import: fill the staging rows of the batch, set batch.rows_read, collect the row errors.
Stager = Callable[[PaymentImport, "RowErrors", "int | None", Progress], None]


@dataclass(frozen=True)
class PaymentRow:
    """One parsed payment row (imports.parse_payment_row); codes not yet resolved."""

    row: int
    voucher_no: str
    pay_date: dt.date
    region_code: str
    unit_code: str
    project_code: str
    amount_yuan: Decimal
    economic_code: str = ""
    function_code: str = ""
    fund_source: str = ""
    reverses_voucher_no: str = ""


ParsedRow = tuple["PaymentRow | None", list[CellError]]


class PaymentImportRejectedError(ImportRejectedError):
    def __init__(self, batch: PaymentImport, errors: list[CellError]) -> None:
        super().__init__(errors)
        self.batch = batch
        self.message = f"导入未完成：发现{batch.error_count}处错误，所有数据均未导入，请下载错误报告修改后重新导入"
        self.args = (self.message,)


class RowErrors:
    """Counts every error, keeps the first MAX_ERRORS_KEPT for the report."""

    def __init__(self) -> None:
        self.kept: list[CellError] = []
        self.count = 0

    def add(self, error: CellError) -> None:
        self.count += 1
        if len(self.kept) < MAX_ERRORS_KEPT:
            self.kept.append(error)


_Errors = RowErrors


def payments_import(
    *,
    actor: Any,
    region: FiscalRegion,
    parsed: Iterable[ParsedRow] = (),
    stager: Stager | None = None,
    source: str = PaymentImport.Source.FILE,
    file_name: str = "",
    sha256: str = "",
    job_id: int | None = None,
    total: int | None = None,
    progress: Progress | None = None,
    system: bool = False,
) -> PaymentImport:
    """Import parsed payment rows for `region`, all or nothing. Raises PaymentImportRejectedError with the report.

    `system=True` is for the server-side command only (no user to check); every other caller passes its user.
    `stager` replaces step 1 (e.g. `pg_import.CopyStager`, COPY + SQL on PostgreSQL); default: stage `parsed`.
    """
    if not system:
        require(actor, "execution.import")
        membership = actor.active_membership
        if not region.path.startswith(membership.region.path):
            raise DomainError("只能导入本级及下级财政区划的支付数据")
    user = actor if getattr(actor, "is_authenticated", False) else None
    batch = PaymentImport.objects.create(
        region=region, source=source, file_name=file_name[:200], sha256=sha256, user=user, job_id=job_id
    )
    report = progress or (lambda done, total, message: None)
    try:
        errors = _Errors()
        if stager is None:
            _stage(batch, parsed, errors, total, report)
        else:
            stager(batch, errors, total, report)
        report(batch.rows_read, batch.rows_read, "正在校验重复凭证和冲销关系…")
        _check_file_duplicates(batch, errors)
        _mark_existing(batch)
        _check_conflicts(batch, errors)
        _check_refunds(batch, errors)
        if errors.count:
            batch.error_count = errors.count
            _close(batch, PaymentImport.Status.REJECTED, "有错误，未导入")
            audit.record(
                actor=actor,
                event_type="payment.import",
                obj=batch,
                outcome=AuditEvent.Outcome.FAILURE,
                reason=f"{errors.count}处错误，未导入",
                changes={"rows_read": batch.rows_read, "file": file_name},
            )
            raise PaymentImportRejectedError(batch, sorted(errors.kept, key=lambda e: (e.row, e.column)))
        report(batch.rows_read, batch.rows_read, "校验通过，正在写入数据库…")
        _write(batch, actor)
    except PaymentImportRejectedError:
        raise
    except BaseException:
        # Only a batch still running failed: one already imported (the error came after its commit) stays so.
        message = "导入中断，未保存任何数据，可重新导入"
        failed = PaymentImport.objects.filter(pk=batch.pk, status=PaymentImport.Status.RUNNING).update(
            status=PaymentImport.Status.FAILED, message=message, finished_at=timezone.now()
        )
        if failed:
            audit.record(
                actor=actor,
                event_type="payment.import",
                obj=batch,
                outcome=AuditEvent.Outcome.FAILURE,
                reason=message,
                changes={"rows_read": batch.rows_read, "file": file_name},
            )
        raise
    finally:
        PaymentStagingRow.objects.filter(batch=batch).delete()
    return batch


STALE_IMPORT_MESSAGE = "导入中断（后台进程已停止），未保存任何数据，可重新导入"


def close_stale_imports(*, before: dt.datetime) -> int:
    """Batches still 导入中 that began before `before`: their process stopped mid-way (nothing was written, the
    write is one transaction). Mark them failed, audited, and drop their staging rows (`close_stale_jobs`)."""
    closed = 0
    stale = PaymentImport.objects.filter(status=PaymentImport.Status.RUNNING, started_at__lt=before)
    for batch in stale.select_related("region").iterator():
        with transaction.atomic():
            updated = PaymentImport.objects.filter(pk=batch.pk, status=PaymentImport.Status.RUNNING).update(
                status=PaymentImport.Status.FAILED, message=STALE_IMPORT_MESSAGE, finished_at=timezone.now()
            )
            if not updated:
                continue
            audit.record(
                actor=None,
                event_type="payment.import",
                obj=batch,
                outcome=AuditEvent.Outcome.FAILURE,
                reason=STALE_IMPORT_MESSAGE,
                changes={"rows_read": batch.rows_read, "file": batch.file_name},
                region_path=batch.region.path,
            )
        PaymentStagingRow.objects.filter(batch=batch).delete()
        closed += 1
    return closed


def _close(batch: PaymentImport, status: str, message: str) -> None:
    batch.status = status
    batch.message = message
    batch.finished_at = timezone.now()
    batch.save()


# ---- 1. stream into staging ----------------------------------------------------------------------------------


class _Resolver:
    """Codes → ids for one region: units once, projects per fiscal year on first sight (reference data, not rows)."""

    def __init__(self, region: FiscalRegion) -> None:
        self.region = region
        self.units = {
            code: (pk, dept)
            for code, pk, dept in BudgetUnit.objects.filter(region=region).values_list(
                "agency_code", "pk", "department_id"
            )
        }
        self.projects: dict[int, dict[str, tuple[int, int]]] = {}

    def project(self, year: int, code: str) -> tuple[int, int] | None:
        if year not in self.projects:
            self.projects[year] = {
                code: (pk, unit)
                for code, pk, unit in Project.objects.filter(
                    region=self.region, fiscal_year=year, is_deleted=False
                ).values_list("code", "pk", "unit_id")
            }
        return self.projects[year].get(code)


def _resolve(row: PaymentRow, resolver: _Resolver, errors: _Errors) -> tuple[Any, ...] | None:
    ok = True
    if row.region_code != resolver.region.mof_div_code:
        errors.add(
            CellError(row.row, "财政区划", row.region_code, f"与导入的财政区划（{resolver.region.mof_div_code}）不一致")
        )
        ok = False
    unit = resolver.units.get(row.unit_code)
    if unit is None:
        errors.add(CellError(row.row, "单位编码", row.unit_code, "单位编码不存在"))
        ok = False
    project = resolver.project(row.pay_date.year, row.project_code)
    if project is None:
        errors.add(CellError(row.row, "项目编码", row.project_code, f"{row.pay_date.year}年度项目库中没有该项目"))
        ok = False
    elif unit is not None and project[1] != unit[0]:
        errors.add(CellError(row.row, "项目编码", row.project_code, "该项目不属于所填单位"))
        ok = False
    if not ok or unit is None or project is None:
        return None
    return (
        row.row,
        row.voucher_no,
        row.pay_date,
        row.pay_date.year,
        row.pay_date.month,
        unit[0],
        unit[1],
        project[0],
        row.amount_yuan,
        row.reverses_voucher_no,
        row.economic_code,
        row.function_code,
        row.fund_source,
    )


STAGE_COLUMNS = (
    "row_no",
    "voucher_no",
    "pay_date",
    "fiscal_year",
    "month",
    "unit_id",
    "department_id",
    "project_id",
    "amount_yuan",
    "reverses_voucher_no",
    "economic_code",
    "function_code",
    "fund_source",
)


def _stage(
    batch: PaymentImport, parsed: Iterable[ParsedRow], errors: _Errors, total: int | None, report: Progress
) -> None:
    resolver = _Resolver(batch.region)
    buffer: list[tuple[Any, ...]] = []
    rows_read = 0
    for row, row_errors in parsed:
        for error in row_errors:
            errors.add(error)
        if row is None:
            if row_errors and row_errors[0].row > 1:
                rows_read += 1
            continue
        rows_read += 1
        resolved = _resolve(row, resolver, errors)
        if resolved is not None:
            buffer.append(resolved)
        if len(buffer) >= STAGE_CHUNK:
            _flush_stage(batch, buffer)
            buffer = []
            report(rows_read, total, "正在读取和校验…")
    if buffer:
        _flush_stage(batch, buffer)
    batch.rows_read = rows_read
    if rows_read == 0 and errors.count == 0:
        errors.add(CellError(2, "", "", "文件中没有数据行"))


def _flush_stage(batch: PaymentImport, rows: list[tuple[Any, ...]]) -> None:
    """COPY on PostgreSQL, plain executemany on SQLite: both several times faster than bulk_create."""
    table = connection.ops.quote_name(PaymentStagingRow._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in ("batch_id", "is_existing", *STAGE_COLUMNS))
    marks = ", ".join(["%s"] * (len(STAGE_COLUMNS) + 2))
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(  # type: ignore[attr-defined]
                f"COPY {table} ({columns}) FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row((batch.pk, False, *row))
        return
    # One transaction per chunk: in autocommit mode SQLite would commit (and sync the WAL) after every row.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608 - names from model metadata
            [(batch.pk, False, *row) for row in rows],
        )


# ---- 2. set-based checks --------------------------------------------------------------------------------------


def _staged(batch: PaymentImport) -> Any:
    return PaymentStagingRow.objects.filter(batch=batch)


def _check_file_duplicates(batch: PaymentImport, errors: _Errors) -> None:
    """Every row repeating a voucher number of an earlier row of the file, named with that first row, in flat
    memory: a GROUP BY finds the repeated vouchers (none in a normal file: nothing more is read), then their rows
    come in voucher order, each group's first row first."""
    repeated = _staged(batch).values("voucher_no").annotate(n=Count("id")).filter(n__gt=1).order_by()
    if not repeated.exists():
        return
    rows = (
        _staged(batch)
        .filter(voucher_no__in=repeated.values("voucher_no"))
        .order_by("voucher_no", "row_no")
        .values_list("row_no", "voucher_no")
    )
    current, first = None, 0
    for row_no, voucher_no in rows.iterator(chunk_size=2000):
        if voucher_no != current:
            current, first = voucher_no, row_no
            continue
        errors.add(CellError(row_no, "支付凭证号", voucher_no, f"与第{first}行的凭证号重复"))


def _same_voucher(batch: PaymentImport) -> Any:
    return Payment.objects.filter(region_id=batch.region_id, voucher_no=OuterRef("voucher_no"))


def _mark_existing(batch: PaymentImport) -> None:
    identical = _same_voucher(batch).filter(**{field: OuterRef(field) for field in COMPARED_FIELDS})
    # Only the matching rows are touched: a first import of a million rows rewrites none of them.
    _staged(batch).filter(is_existing=False).filter(Exists(identical)).update(is_existing=True)


def _check_conflicts(batch: PaymentImport, errors: _Errors) -> None:
    conflicts = _staged(batch).filter(is_existing=False).filter(Exists(_same_voucher(batch)))
    for row_no, voucher in conflicts.values_list("row_no", "voucher_no")[:MAX_ERRORS_KEPT].iterator():
        errors.add(CellError(row_no, "支付凭证号", voucher, "该凭证号已导入，但内容不同（如需更正请用冲销凭证）"))


def _check_refunds(batch: PaymentImport, errors: _Errors, *, clean: bool = False) -> None:
    """Each reversed voucher must exist (stored or earlier in the file) and must not be reversed below zero.

    `clean`: every staged row passed the checks (the second look, under the region lock), so every refund names its
    voucher: the rows are read by the (batch, reverses_voucher_no) index range, not by a scan of the whole file."""
    staged = _staged(batch).filter(reverses_voucher_no__gt="") if clean else _staged(batch)
    groups = (
        staged.filter(amount_yuan__lt=0, is_existing=False)
        .values("reverses_voucher_no")
        .annotate(total=Sum("amount_yuan"), first=Min("row_no"))
        .order_by("reverses_voucher_no")
    )
    chunk: list[dict[str, Any]] = []
    for group in groups.iterator():
        chunk.append(group)
        if len(chunk) >= 500:
            _check_refund_chunk(batch, chunk, errors)
            chunk = []
    if chunk:
        _check_refund_chunk(batch, chunk, errors)


def _check_refund_chunk(batch: PaymentImport, groups: list[dict[str, Any]], errors: _Errors) -> None:
    vouchers = [g["reverses_voucher_no"] for g in groups]
    stored = Payment.objects.filter(region_id=batch.region_id, voucher_no__in=vouchers, amount_yuan__gt=0)
    originals: dict[str, tuple[Decimal, int]] = {
        v: (a, p) for v, a, p in stored.values_list("voucher_no", "amount_yuan", "project_id")
    }
    new = _staged(batch).filter(voucher_no__in=vouchers, amount_yuan__gt=0, is_existing=False)
    originals.update({v: (a, p) for v, a, p in new.values_list("voucher_no", "amount_yuan", "project_id")})
    reversed_before = dict(
        Payment.objects.filter(region_id=batch.region_id, reverses_voucher_no__in=vouchers)
        .values("reverses_voucher_no")
        .annotate(total=Sum("amount_yuan"))
        .values_list("reverses_voucher_no", "total")
        .order_by()
    )
    for group in groups:
        voucher = group["reverses_voucher_no"]
        if voucher not in originals:
            errors.add(CellError(group["first"], "冲销原凭证号", voucher, "原凭证不存在（既未导入，也不在本文件中）"))
            continue
        remaining = originals[voucher][0] + (reversed_before.get(voucher) or Decimal(0)) + group["total"]
        if remaining < Decimal("-0.004"):
            errors.add(
                CellError(group["first"], "金额（元）", str(group["total"]), f"冲销后原凭证{voucher}的金额将小于0")
            )
    mismatched = (
        _staged(batch)
        .filter(amount_yuan__lt=0, is_existing=False, reverses_voucher_no__in=vouchers)
        .values_list("row_no", "reverses_voucher_no", "project_id")
    )
    for row_no, voucher, project_id in mismatched:
        if voucher in originals and originals[voucher][1] != project_id:
            errors.add(CellError(row_no, "项目编码", "", f"冲销凭证的项目与原凭证{voucher}的项目不一致"))


# ---- 3. write in one transaction -----------------------------------------------------------------------------


def _write(batch: PaymentImport, actor: Any) -> None:
    with transaction.atomic():
        FiscalRegion.objects.filter(pk=batch.region_id).lock()
        # Another import may have committed since the checks: look again under the lock.
        _mark_existing(batch)
        if _staged(batch).filter(is_existing=False).filter(Exists(_same_voucher(batch))).exists():
            raise DomainError("导入期间有其他导入写入了相同凭证，请重新导入")
        late = _Errors()
        _check_refunds(batch, late, clean=True)  # two imports reversing one voucher at once: each left it above 0
        if late.count:
            raise DomainError(f"导入期间有其他导入冲销了相同的原凭证：{late.kept[0].message}，请重新导入")
        bounds = _staged(batch).aggregate(low=Min("row_no"), count=Count("id"))
        low, high = bounds["low"] or 0, _staged(batch).order_by("-row_no").values_list("row_no", flat=True).first() or 0
        written = 0
        for start in range(low, high + 1, WRITE_BATCH):
            # No progress writes in here: they would lock the job row (and, on SQLite, the database) until commit.
            written += _write_batch(batch, start, start + WRITE_BATCH - 1)
        new_rows = _staged(batch).filter(is_existing=False)
        department_rollup_refresh(
            department_ids=Project.objects.filter(pk__in=new_rows.values("project_id"))
            .values_list("department_id", flat=True)
            .distinct()
            .order_by()
        )
        totals = new_rows.aggregate(amount=Sum("amount_yuan"))
        years = sorted(set(new_rows.values_list("fiscal_year", flat=True).distinct().order_by()))
        batch.rows_imported = written
        batch.rows_skipped = bounds["count"] - written
        batch.refunds = new_rows.filter(amount_yuan__lt=0).count()
        batch.amount_yuan = totals["amount"] or Decimal(0)
        _close(batch, PaymentImport.Status.DONE, "导入成功")
        audit.record(
            actor=actor,
            event_type="payment.import",
            obj=batch,
            changes={
                "file": batch.file_name,
                "sha256": batch.sha256,
                "rows_read": batch.rows_read,
                "imported": batch.rows_imported,
                "skipped": batch.rows_skipped,
                "refunds": batch.refunds,
            },
        )
        region = batch.region
        if written:
            # After the commit the payments are in: a failing sweep (a lock timeout) is logged, never reported as a
            # failed import ("未保存任何数据") of rows that were saved.
            transaction.on_commit(lambda: hooks.payments_imported(region, years), robust=True)


def _write_batch(batch: PaymentImport, low: int, high: int) -> int:
    """Copy staging rows low..high to Payment and add them to the monthly rollup; returns rows written."""
    quote = connection.ops.quote_name
    payment = quote(Payment._meta.db_table)
    staging = quote(PaymentStagingRow._meta.db_table)
    rollup = quote(ProjectMonthExecution._meta.db_table)
    copied = (
        "fiscal_year",
        "voucher_no",
        "pay_date",
        "unit_id",
        "department_id",
        "project_id",
        "amount_yuan",
        "reverses_voucher_no",
        "economic_code",
        "function_code",
        "fund_source",
    )
    columns = ", ".join(quote(c) for c in copied)
    where = f"{quote('batch_id')} = %s AND {quote('is_existing')} = %s AND {quote('row_no')} BETWEEN %s AND %s"
    params = [batch.pk, False, low, high]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {payment} ({quote('region_id')}, {quote('batch_id')}, {columns}) "  # noqa: S608
            f"SELECT %s, %s, {columns} FROM {staging} WHERE {where}",
            [batch.region_id, batch.pk, *params],
        )
        written = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {rollup} ({quote('project_id')}, {quote('fiscal_year')}, {quote('month')}, "  # noqa: S608
            f"{quote('amount_yuan')}) SELECT {quote('project_id')}, {quote('fiscal_year')}, {quote('month')}, "
            f"SUM({quote('amount_yuan')}) FROM {staging} WHERE {where} "
            f"GROUP BY {quote('project_id')}, {quote('fiscal_year')}, {quote('month')} "
            f"ON CONFLICT ({quote('project_id')}, {quote('fiscal_year')}, {quote('month')}) DO UPDATE SET "
            f"{quote('amount_yuan')} = {rollup}.{quote('amount_yuan')} + excluded.{quote('amount_yuan')}",
            params,
        )
    insert_payment_totals(PaymentStagingRow._meta.db_table, where, params, region_id=batch.region_id, add=True)
    return max(written, 0)


# ---- rollup maintenance ---------------------------------------------------------------------------------------


def rollup_rebuild(*, project_ids: Iterable[int]) -> None:
    """Recompute the monthly rollup of some projects from all their payments (demo data, repairs)."""
    rollup_refresh(project_ids=project_ids)


def rollup_refresh(*, project_ids: Iterable[int], months: Iterable[tuple[int, int]] | None = None) -> None:
    """Recompute the rollup rows of some projects for some calendar months (`(year, month)` pairs; all months when
    None) from their payments, for any path that writes, changes or deletes `Payment` rows outside the import
    (which adds to the rollup in its own transaction). Rows are keyed by the payment date's calendar year and
    month, as the import keys them, so `annotate_execution` and `annotate_execution_fast` agree for every date.

    Takes the regions' row locks, like the import, so a refresh and an import of the same region never interleave."""
    ids = sorted(set(project_ids))
    if not ids:
        return
    wanted = sorted(set(months)) if months is not None else None
    with transaction.atomic():
        regions = Project.objects.filter(pk__in=ids).values("region_id")
        region_ids = FiscalRegion.objects.filter(pk__in=regions).lock()
        stale = ProjectMonthExecution.objects.filter(project_id__in=ids)
        payments = Payment.objects.filter(project_id__in=ids)
        if wanted is not None:
            if not wanted:
                return
            stale = stale.filter(_months_q("fiscal_year", "month", wanted))
            payments = payments.filter(_months_q("pay_date__year", "pay_date__month", wanted))
        stale.delete()
        sums = (
            payments.annotate(year=ExtractYear("pay_date"), month=ExtractMonth("pay_date"))
            .values("project_id", "year", "month")
            .annotate(total=Sum("amount_yuan"))
            .order_by()
        )
        ProjectMonthExecution.objects.bulk_create(
            (
                ProjectMonthExecution(
                    project_id=s["project_id"], fiscal_year=s["year"], month=s["month"], amount_yuan=s["total"]
                )
                for s in sums.iterator()
            ),
            batch_size=2_000,
        )
        department_rollup_refresh(
            department_ids=Project.objects.filter(pk__in=ids).values_list("department_id", flat=True)
        )
        payment_totals_refresh(region_ids=region_ids)


def payment_totals_refresh(*, region_ids: Iterable[int]) -> None:
    """Rebuild the payment totals (`PaymentTotal`) of some regions from their payments (a county: a few tens of
    thousands of rows grouped), for any path that writes, changes or deletes payments outside the import, which adds
    its batches to the totals itself. The caller holds the regions' row locks, as `rollup_refresh` does."""
    ids = sorted(set(region_ids))
    with transaction.atomic():
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            PaymentTotal.objects.filter(region_id__in=chunk).delete()
            marks = ", ".join(["%s"] * len(chunk))
            insert_payment_totals(Payment._meta.db_table, f"region_id IN ({marks})", chunk)


# pg_advisory_xact_lock(key, id) keys of the department and region rollups ("JY", "JZ"; the sweep uses "JX").
ROLLUP_DEPARTMENT_LOCK = 0x4A59
ROLLUP_REGION_LOCK = 0x4A5A


def _lock_rollups(key: int, ids: list[int]) -> None:
    """Two refreshes of one department (an import and a project moved out of the library at the same moment) take
    turns: each deletes and re-inserts the department's and its region's rows, which would otherwise collide on the
    unique keys. Taken in id order, departments before regions, so refreshes never deadlock; taken late in an
    import (after its payments), so a project row locked by a user's transition is never waited on while holding
    them. PostgreSQL only: SQLite runs one writing transaction at a time."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for pk in ids:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [key, pk])


def department_rollup_refresh(*, department_ids: Iterable[int | None]) -> None:
    """Rebuild the department × month rollup of some departments from the project × month rollup of their
    in-library projects (a department has a few hundred projects: a handful of grouped rows each), their dense
    cumulative rows and their regions' rollup."""
    ids = sorted({d for d in department_ids if d})
    with transaction.atomic():
        regions = sorted(set(Department.objects.filter(pk__in=ids).values_list("region_id", flat=True)))
        _lock_rollups(ROLLUP_DEPARTMENT_LOCK, ids)
        _lock_rollups(ROLLUP_REGION_LOCK, regions)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            DepartmentMonthExecution.objects.filter(department_id__in=chunk).delete()
            sums = ProjectMonthExecution.objects.filter(
                project__department_id__in=chunk, project__status=ProjectStatus.IN_LIBRARY, project__is_deleted=False
            )
            _insert_sums(
                DepartmentMonthExecution, "department_id", sums, "project__department_id", "project__fiscal_year"
            )
            DepartmentCumulativeExecution.objects.filter(department_id__in=chunk).delete()
            insert_cumulative(
                chunk, DepartmentMonthExecution._meta.db_table, DepartmentCumulativeExecution._meta.db_table
            )
        for start in range(0, len(regions), 500):
            chunk = regions[start : start + 500]
            RegionMonthExecution.objects.filter(region_id__in=chunk).delete()
            rows = DepartmentMonthExecution.objects.filter(department__region_id__in=chunk)
            _insert_sums(RegionMonthExecution, "region_id", rows, "department__region_id", "project_year")


def _insert_sums(model: Any, owner: str, rows: QuerySet[Any], owner_path: str, project_year_path: str) -> None:
    """Insert `rows` summed per owner (department or region), project year and calendar month into `model`."""
    sums = (
        rows.values(owner_path, project_year_path, "fiscal_year", "month").annotate(total=Sum("amount_yuan")).order_by()
    )
    model.objects.bulk_create(
        (
            model(
                **{owner: s[owner_path]},
                project_year=s[project_year_path],
                fiscal_year=s["fiscal_year"],
                month=s["month"],
                amount_yuan=s["total"],
            )
            for s in sums.iterator()
        ),
        batch_size=2_000,
    )


def _months_q(year_field: str, month_field: str, months: list[tuple[int, int]]) -> Q:
    condition = Q()
    for year, month in months:
        condition |= Q(**{year_field: year, month_field: month})
    return condition
