"""Building payment files for the tests."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl

from jixiao.execution.columns import HEADERS

REGION = "511725000"


def row(
    voucher: str,
    amount: str = "1000.00",
    *,
    pay_date: str = "2026-03-15",
    unit: str = "101001",
    project: str = "P-SCHOOL",
    reverses: str = "",
    region: str = REGION,
) -> list[str]:
    return [voucher, pay_date, region, unit, project, amount, "30201", "2050201", "一般公共预算", reverses]


def csv_bytes(rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8", header: Sequence[str] = HEADERS) -> bytes:
    lines = [",".join(header)] + [",".join(str(v) for v in r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[Any]], *, header: Sequence[str] = HEADERS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(header))
    for r in rows:
        sheet.append(list(r))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path
