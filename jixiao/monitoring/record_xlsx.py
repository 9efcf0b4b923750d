"""监控表导入: read a filled 项目（部门整体）支出绩效目标执行监控表 (DOMAIN.md §3.0, §3.3) back into one record.

The workbook is the one `exports.export_record` writes. Only the cells a unit fills are read: E6 1—N月执行数, G6
全年预计执行数 (万元 → 元), G11 1—N月执行情况, per indicator row F (for 定性 rows “等级；说明”), G, H, I, K, L, and the
偏差分析 block after the indicators (B reasons, E explanation, J likelihood, K measures). Everything else (budget,
rates, 序时进度, 预警, the per-row J echo of the likelihood, 财政审核意见) is export only and ignored.

Rows are matched by `_meta` (`row.<k>.indicator_id`, the k-th indicator row's id) when the workbook carries it, by the
normalised (一级, 二级, 三级指标) otherwise. The approved targets cannot be changed here: a changed 三级指标 name or
年度指标值, a missing or an extra row, a workbook of another record, year or period refuses the whole workbook. Every
problem is collected with its cell address and reported at once, in Chinese.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from jixiao.core.errors import DomainError
from jixiao.core.money import MoneyError, yuan_from_wan
from jixiao.core.numbers import id_or_none
from jixiao.core.spreadsheets import META_SHEET, norm, open_workbook
from jixiao.indicators.valueparse.display import format_number
from jixiao.monitoring.models import (
    DeviationReason,
    Likelihood,
    MonitoringIndicatorRow,
    MonitoringRecord,
    QualitativeLevel,
)

PROJECT_SHEET = "项目支出绩效目标执行监控表"
DEPT_SHEET = "部门整体支出绩效目标执行监控表"
TEMPLATE_PROJECT = "jixiao.monitoring.project"
TEMPLATE_DEPT = "jixiao.monitoring.dept"
TEMPLATE_VERSION = "1"
COLUMNS = "ABCDEFGHIJKLM"
MAX_ROWS = 2000
NOT_APPLICABLE = {"", "—", "-", "/", "——"}
ROW_HEADERS = [
    ("B", "一级指标"),
    ("C", "二级指标"),
    ("D", "三级指标"),
    ("E", "年度指标值"),
    ("F", "1—N月执行情况"),
    ("G", "全年预计完成情况"),
    ("H", "偏差原因类别"),
    ("I", "偏差原因说明"),
    ("K", "改进措施"),
    ("L", "备注"),
]
END_LABELS = {"偏差分析", "财政审核意见"}
PERIOD = re.compile(r"1[—–\-~至](\d{1,2})月")


class MonitoringImportError(DomainError):
    """The workbook was refused; `problems` are the Chinese messages, each naming its cell."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems) + "。未导入任何内容。")
        self.problems = problems


@dataclass
class ParsedRecord:
    """What `record_save` takes: the record's fields and the rows' fields by row id."""

    data: dict[str, Any] = field(default_factory=dict)
    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    # The record's version when the workbook was exported (None: a workbook exported before versions were written).
    version: int | None = None
    # The export's own token: the same workbook imported again (corrected) after its own import is not a stale one.
    export_token: str = ""


def period_norm(value: Any) -> str:
    """A header with its months replaced by N (“1—8月执行数” → “1—N月执行数”), normalised."""
    return norm(PERIOD.sub("1—N月", unicodedata.normalize("NFKC", str(value or ""))))


# ---- writing the `_meta` sheet (exports.export_record) -------------------------------------------------------------


def meta_rows(sheet: str, record: MonitoringRecord, rows: list[MonitoringIndicatorRow]) -> list[tuple[str, str, str]]:
    """The `_meta` rows of one exported record (sheet | key | value), in the house layout (targets.exports)."""
    project = record.project
    meta = [
        (sheet, "template", TEMPLATE_DEPT if record.is_dept_overall else TEMPLATE_PROJECT),
        (sheet, "template_version", TEMPLATE_VERSION),
        (sheet, "fiscal_year", str(record.fiscal_year)),
        (sheet, "mof_div_code", record.region.mof_div_code),
        (sheet, "dept_code", record.department.dept_code),
        (sheet, "agency_code", record.unit.agency_code),
        (sheet, "pro_code", project.code if project is not None else ""),
        (sheet, "period_month", str(record.task.period_end_month)),
        (sheet, "record_id", str(record.pk)),
        # The version exported: an import over entries saved since (on the page, another import) is refused.
        (sheet, "record_version", str(record.version)),
        # Which export this is: re-importing this workbook over its own earlier import needs no new export.
        (sheet, "export_token", uuid.uuid4().hex),
    ]
    meta += [(sheet, f"row.{k}.indicator_id", str(row.pk)) for k, row in enumerate(rows, start=1)]
    return meta


# ---- reading -------------------------------------------------------------------------------------------------------


class _Grid:
    """The sheet's values A–M (merged ranges hold their value in the top-left cell, the rest read as empty)."""

    def __init__(self, worksheet: Any) -> None:
        self.name = worksheet.title
        self.rows: list[list[Any]] = []
        self.formats: list[list[str]] = []
        for row in worksheet.iter_rows(min_row=1, max_row=MAX_ROWS, max_col=len(COLUMNS)):
            values = [getattr(c, "value", None) for c in row]
            formats = [getattr(c, "number_format", "General") or "General" for c in row]
            pad = len(COLUMNS) - len(values)
            self.rows.append(values + [None] * pad)
            self.formats.append(formats + ["General"] * pad)

    def value(self, address: str) -> Any:
        column, row = address[0], int(address[1:])
        if row > len(self.rows):
            return None
        return self.rows[row - 1][COLUMNS.index(column)]

    def number_format(self, address: str) -> str:
        column, row = address[0], int(address[1:])
        if row > len(self.formats):
            return "General"
        return self.formats[row - 1][COLUMNS.index(column)]

    def text(self, address: str) -> str:
        """Cell content as text: a number as written (a % formatted one as value×100%), `—` `-` `/` as empty."""
        value = self.value(address)
        if value is None or isinstance(value, bool):
            return ""
        if isinstance(value, int | float | Decimal):
            number = Decimal(str(value))
            if "%" in self.number_format(address):
                return f"{format_number(number * 100)}%"
            return format_number(number)
        text = str(value).strip()
        return "" if norm(text) in NOT_APPLICABLE else text

    def is_empty_row(self, row: int, columns: str) -> bool:
        return all(norm(self.value(f"{c}{row}")) in ("",) for c in columns)


class _Reader:
    def __init__(self, grid: _Grid, record: MonitoringRecord, rows: list[MonitoringIndicatorRow]) -> None:
        self.grid = grid
        self.record = record
        self.rows = rows
        self.month = record.task.period_end_month
        self.problems: list[str] = []
        self.parsed = ParsedRecord()

    def at(self, address: str, message: str) -> None:
        self.problems.append(f"单元格{address}{message}")

    def months(self, text: str) -> str:
        return text.replace("1—N月", f"1—{self.month}月")

    def expect(self, address: str, expected: str) -> bool:
        found = self.grid.value(address)
        if period_norm(found) != period_norm(expected):
            shown = str(found).strip() if found is not None else ""
            self.at(address, f"应为“{self.months(expected)}”，实际为“{shown}”")
            return False
        return True

    def money(self, address: str, label: str, *, required: bool) -> Decimal | None:
        """万元 in the cell → 元 (core.money); n.a. is None (an error when required)."""
        value = self.grid.value(address)
        label = self.months(label)
        if value is None or (isinstance(value, str) and norm(value) in NOT_APPLICABLE):
            if required:
                self.at(address, f"（{label}）不能为空")
            return None
        if isinstance(value, bool):
            self.at(address, f"（{label}）不是数字")
            return None
        if isinstance(value, str) and value.strip().startswith("="):
            self.at(address, f"（{label}）是公式，请改为填写数值")
            return None
        try:
            yuan = yuan_from_wan(norm(value) if isinstance(value, str) else value)
        except MoneyError as exc:
            text = str(value).strip()
            message = str(exc) if "“" not in str(exc) else f"不是数字：“{text}”"
            self.at(address, f"（{label}）{message}")
            return None
        if yuan < 0:
            self.at(address, f"（{label}）不能为负数")
            return None
        return yuan

    def limited(self, address: str, label: str, model: Any, name: str) -> str:
        text = self.grid.text(address)
        limit = model._meta.get_field(name).max_length
        if limit and len(text) > limit:
            self.at(address, f"（{label}）不能超过{limit}字")
            return text[:limit]
        return text

    def reasons(self, address: str) -> list[str]:
        labels = {norm(label): code for code, label in DeviationReason.choices}
        labels.update({norm(code).upper(): code for code in DeviationReason.values})
        codes: list[str] = []
        for part in re.split(r"[,、;/]+", norm(self.grid.value(address))):
            if part in NOT_APPLICABLE:
                continue
            code = labels.get(part) or labels.get(part.upper())
            if code is None:
                allowed = "、".join(str(label) for label in DeviationReason.labels)
                self.at(address, f"（偏差原因类别）“{part}”无效，可选：{allowed}，多个用逗号或顿号分隔")
                continue
            if code not in codes:
                codes.append(code)
        return [c for c in DeviationReason.values if c in codes]

    def likelihood(self, address: str) -> str:
        text = norm(self.grid.value(address))
        if text in NOT_APPLICABLE:
            return ""
        for value, label in Likelihood.choices:
            if text == norm(label):
                return str(value)
        allowed = "、".join(str(label) for label in Likelihood.labels)
        self.at(address, f"（完成目标可能性）“{self.grid.text(address)}”无效，可选：{allowed}")
        return ""

    def qualitative(self, address: str, row: MonitoringIndicatorRow) -> tuple[str, str]:
        """“等级；说明” (or the level alone) → (level value, text)."""
        text = self.grid.text(address)
        if not text:
            return "", ""
        parts = re.split(r"[；;]", text, maxsplit=1)
        head, rest = parts[0], parts[1] if len(parts) > 1 else ""
        for value, label in QualitativeLevel.choices:
            if norm(head) == norm(label):
                return str(value), rest.strip()
        allowed = "、".join(f"“{label}”" for label in QualitativeLevel.labels)
        self.at(
            address,
            f"（定性指标“{row.name}”的执行情况）应以完成档次开头：{allowed}之一，后接“；”和说明，如“达成年度指标；说明”",
        )
        return "", text


def _meta(workbook: Any) -> dict[str, str] | None:
    """The `_meta` keys (any sheet column), or None without the sheet."""
    if META_SHEET not in workbook.sheetnames:
        return None
    meta: dict[str, str] = {}
    for values in workbook[META_SHEET].iter_rows(min_row=2, max_col=3, values_only=True):
        cells = [("" if v is None else str(v).strip()) for v in (*values, None, None, None)[:3]]
        if cells[1]:
            meta[cells[1]] = cells[2]
    return meta


def _sheet(workbook: Any, title: str) -> Any:
    if title in workbook.sheetnames:
        return workbook[title]
    for ws in workbook.worksheets:
        if ws.title != META_SHEET and getattr(ws, "sheet_state", "visible") == "visible":
            return ws
    return workbook.worksheets[0]


def read_record(
    upload: IO[bytes] | bytes, record: MonitoringRecord, rows: list[MonitoringIndicatorRow]
) -> ParsedRecord:
    """The unit's entries of `record` from the uploaded workbook, or MonitoringImportError with every problem.

    The upload passes core.spreadsheets `open_workbook` first (size, type, zip bomb, macros)."""
    workbook = open_workbook(upload, read_only=True)
    title = DEPT_SHEET if record.is_dept_overall else PROJECT_SHEET
    try:
        meta = _meta(workbook)
        grid = _Grid(_sheet(workbook, title))
    except Exception as exc:  # a sheet's XML is read only here: damage (or no sheet at all) shows now, in many types
        raise MonitoringImportError(["文件无法解析，请确认是本监控表导出后填写的 Excel（.xlsx）文件"]) from exc
    finally:
        workbook.close()
    if norm(grid.value("A1")) != norm(title):
        found = str(grid.value("A1") or "").strip()
        raise MonitoringImportError(
            [f"工作表“{grid.name}”单元格A1应为“{title}”，实际为“{found}”：请上传本监控表导出后填写的《{title}》"]
        )
    reader = _Reader(grid, record, rows)
    _identity(reader, meta)
    if reader.problems:  # another record, year or period: nothing below is worth reading
        raise MonitoringImportError(reader.problems)
    _funds_and_goal(reader)
    matched = _indicators(reader, meta)
    _deviation_block(reader, matched)
    if reader.problems:
        raise MonitoringImportError(reader.problems)
    return reader.parsed


def _identity(reader: _Reader, meta: dict[str, str] | None) -> None:
    """The year and period of A2, and with `_meta` the template, year and record id, must be this record's."""
    record, month = reader.record, reader.month
    a2 = unicodedata.normalize("NFKC", str(reader.grid.value("A2") or ""))
    year_match = re.search(r"(\d{4})年", a2)
    month_match = PERIOD.search(a2)
    if not year_match or not month_match:
        reader.at("A2", f"应为“（{record.fiscal_year}年1—{month}月）”，实际为“{a2.strip()}”")
    else:
        year, period = int(year_match.group(1)), int(month_match.group(1))
        if year != record.fiscal_year:
            reader.at("A2", f"：工作簿为{year}年的监控表，本监控表为{record.fiscal_year}年度")
        elif period != month:
            reader.at("A2", f"：工作簿的监控期间为1—{period}月，本监控表为1—{month}月")
    if meta is None:  # no record id to go by: the name on row 3 must be this record's
        label = "部门名称" if record.is_dept_overall else "项目名称"
        expected = record.department.name if record.is_dept_overall else record.name
        if norm(reader.grid.value("A3")) != norm(label):
            reader.at("A3", f"应为“{label}”，实际为“{reader.grid.text('A3')}”")
        elif norm(reader.grid.value("B3")) != norm(expected):
            reader.at("B3", f"：工作簿是“{reader.grid.text('B3')}”的监控表，本监控表为“{expected}”")
        return
    template = TEMPLATE_DEPT if record.is_dept_overall else TEMPLATE_PROJECT
    if meta.get("template", template) != template:
        reader.problems.append(f"工作簿不是本系统导出的监控表（模板“{meta.get('template')}”），请先导出本表填写后导入")
    elif meta.get("fiscal_year", str(record.fiscal_year)) != str(record.fiscal_year):
        reader.problems.append(f"工作簿为{meta.get('fiscal_year')}年的监控表，本监控表为{record.fiscal_year}年度")
    elif meta.get("record_id", str(record.pk)) != str(record.pk):
        reader.problems.append("工作簿是另一张监控表导出的，请在本监控表页面导出后填写再导入")
    reader.parsed.version = id_or_none(meta.get("record_version"))
    token = str(meta.get("export_token") or "").strip()
    reader.parsed.export_token = token if re.fullmatch(r"[0-9a-f]{32}", token) else ""


def _funds_and_goal(reader: _Reader) -> None:
    grid, data = reader.grid, reader.parsed.data
    if norm(grid.value("A5")) not in {norm("项目资金（万元）"), norm("部门资金（万元）")}:
        reader.at("A5", f"应为“项目资金（万元）”，实际为“{grid.text('A5')}”")
    reader.expect("B6", "年度资金总额")
    if reader.expect("E5", "1—N月执行数"):
        executed = reader.money("E6", "1—N月执行数", required=True)
        if executed is not None:
            data["executed_to_date_yuan"] = executed
    if reader.expect("G5", "全年预计执行数"):
        data["expected_annual_yuan"] = reader.money("G6", "全年预计执行数", required=False)
    reader.expect("A10", "年度总体目标")
    if reader.expect("G10", "1—N月执行情况"):
        data["goal_execution"] = reader.limited("G11", "1—N月执行情况", MonitoringRecord, "goal_execution")


def _indicators(reader: _Reader, meta: dict[str, str] | None) -> dict[int, int]:
    """Read the indicator rows from row 13 to the 偏差分析 row; returns {sheet row: record row id} of the matches."""
    grid = reader.grid
    ok = reader.expect("A12", "绩效指标")
    for column, header in ROW_HEADERS:
        ok = reader.expect(f"{column}12", header) and ok
    if not ok:
        return {}
    found: list[tuple[int, str, str, str]] = []  # (sheet row, lv1, lv2, name)
    lv1 = lv2 = ""
    r = 13
    while r <= len(grid.rows) and norm(grid.value(f"A{r}")) not in END_LABELS:
        if grid.is_empty_row(r, "BCDEFGHIJKL"):
            break
        lv1 = grid.text(f"B{r}") or lv1
        lv2 = grid.text(f"C{r}") or lv2
        found.append((r, lv1, lv2, grid.text(f"D{r}")))
        r += 1
    by_id = {row.pk: row for row in reader.rows}
    matched: dict[int, int] = {}
    ids = _meta_ids(meta)
    if ids is not None:
        for k, (r, _lv1, _lv2, name) in enumerate(found, start=1):
            row = by_id.get(ids.get(k, 0))
            if row is None:
                added = "（请使用本表导出的工作簿，勿增删指标行）"
                reader.at(f"D{r}", f"：指标“{name}”不是本监控表的指标{added}")
            elif row.pk in matched.values():
                reader.at(f"D{r}", f"：指标“{name}”重复")
            else:
                matched[r] = row.pk
    else:
        keys: dict[tuple[str, str, str], list[MonitoringIndicatorRow]] = {}
        for row in reader.rows:
            keys.setdefault((norm(row.level1_name), norm(row.level2_name), norm(row.name)), []).append(row)
        for r, lv1, lv2, name in found:
            candidates = keys.get((norm(lv1), norm(lv2), norm(name)), [])
            if not candidates:
                reader.at(
                    f"D{r}",
                    f"：本监控表没有指标“{lv1}/{lv2}/{name}”（一级、二级、三级指标名称须与批复的绩效目标一致）",
                )
            elif len(candidates) > 1:
                reader.at(f"D{r}", f"：本监控表有多个指标“{name}”，无法按名称对应，请在本表页面导出后填写再导入")
            elif candidates[0].pk in matched.values():
                reader.at(f"D{r}", f"：指标“{name}”重复")
            else:
                matched[r] = candidates[0].pk
    missing = [row.name for row in reader.rows if row.pk not in matched.values()]
    if missing:
        reader.problems.append("工作簿缺少本监控表的以下指标：" + "、".join(missing))
    for r, pk in matched.items():
        _indicator_row(reader, r, by_id[pk])
    return matched


def _meta_ids(meta: dict[str, str] | None) -> dict[int, int] | None:
    if not meta:
        return None
    ids: dict[int, int] = {}
    for key, value in meta.items():
        match = re.fullmatch(r"row\.(\d+)\.indicator_id", key)
        if match and value.isdigit():
            ids[int(match.group(1))] = int(value)
    return ids or None


def _indicator_row(reader: _Reader, r: int, row: MonitoringIndicatorRow) -> None:
    grid = reader.grid
    name = grid.text(f"D{r}")
    if norm(name) != norm(row.name):
        reader.at(f"D{r}", f"：三级指标名称“{name}”与批复的“{row.name}”不一致，监控表中不能修改指标")
    target = grid.text(f"E{r}")
    if norm(target) != norm(row.target_value):
        approved = row.target_value
        reader.at(f"E{r}", f"：“{row.name}”的年度指标值“{target}”与批复的“{approved}”不一致，不能修改年度指标值")
    model = MonitoringIndicatorRow
    values: dict[str, Any] = {}
    if row.is_qualitative:
        level, text = reader.qualitative(f"F{r}", row)
        values["qualitative_level"] = level
        limit = model._meta.get_field("completion_to_date").max_length or 1000
        if len(text) > limit:
            reader.at(f"F{r}", f"（1—{reader.month}月执行情况）不能超过{limit}字")
        values["completion_to_date"] = text[:limit]
    else:
        values["completion_to_date"] = reader.limited(
            f"F{r}", f"1—{reader.month}月执行情况", model, "completion_to_date"
        )
    values["expected_annual"] = reader.limited(f"G{r}", "全年预计完成情况", model, "expected_annual")
    values["deviation_reasons"] = reader.reasons(f"H{r}")
    values["deviation_text"] = reader.limited(f"I{r}", "偏差原因说明", model, "deviation_text")
    values["measures"] = reader.limited(f"K{r}", "改进措施", model, "measures")
    values["remark"] = reader.limited(f"L{r}", "备注", model, "remark")
    reader.parsed.rows[row.pk] = values


def _deviation_block(reader: _Reader, matched: dict[int, int]) -> None:
    """The record-level 偏差分析 block: label in A, headers on that row, values on the next one."""
    grid = reader.grid
    start = max(matched, default=12) + 1
    r = next(
        (i for i in range(start, len(grid.rows) + 1) if norm(grid.value(f"A{i}")) == "偏差分析"),
        None,
    )
    if r is None:
        reader.problems.append(f"工作表“{grid.name}”在绩效指标之后未找到“偏差分析”栏（A列）")
        return
    ok = reader.expect(f"B{r}", "偏差原因类别")
    ok = reader.expect(f"E{r}", "偏差原因说明") and ok
    ok = reader.expect(f"J{r}", "完成目标可能性") and ok
    ok = reader.expect(f"K{r}", "改进措施") and ok
    if not ok:
        return
    v = r + 1
    data = reader.parsed.data
    data["deviation_reasons"] = reader.reasons(f"B{v}")
    data["deviation_text"] = reader.limited(f"E{v}", "偏差原因说明", MonitoringRecord, "deviation_text")
    data["likelihood"] = reader.likelihood(f"J{v}")
    data["measures"] = reader.limited(f"K{v}", "改进措施", MonitoringRecord, "measures")
