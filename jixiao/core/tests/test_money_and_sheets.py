from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from jixiao.core.money import MoneyError, format_wan, yuan_from_wan
from jixiao.core.spreadsheets import SpreadsheetError, read_rows, write_workbook


@pytest.mark.parametrize(
    ("wan", "yuan"),
    [("1", "10000.00"), ("0.000001", "0.01"), (12.345678, "123456.78"), ("1,234.5", "12345000.00"), (0, "0.00")],
)
def test_wan_converts_to_yuan_exactly(wan: object, yuan: str) -> None:
    assert yuan_from_wan(wan) == Decimal(yuan)


@pytest.mark.parametrize("bad", ["abc", "", "1e400", "0.0000001", "NaN", "1e999999999", "-9e99999999"])
def test_bad_amounts_are_rejected_with_a_chinese_message(bad: str) -> None:
    with pytest.raises(MoneyError):
        yuan_from_wan(bad)


def test_money_is_displayed_in_wan_with_half_up_rounding() -> None:
    assert format_wan(Decimal("123456.78")) == "12.35"
    assert format_wan(Decimal("125.00"), 2) == "0.01"
    assert format_wan(Decimal("12345678901.00")) == "1,234,567.89"
    assert format_wan(None) == "—"


def test_dangerous_strings_are_written_as_text_cells() -> None:
    content = write_workbook([("表", ["a", "b"], [["=1+1", "+SUM(A1)"], ["@x", "普通"]])])
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    for cell in [sheet["A2"], sheet["B2"], sheet["A3"]]:
        assert cell.data_type == "s"
    assert sheet["A2"].value == "=1+1"


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_macro_workbooks_and_zip_bombs_are_refused_before_parsing() -> None:
    with pytest.raises(SpreadsheetError, match="宏"):
        read_rows(_zip({"xl/workbook.xml": b"<x/>", "xl/vbaProject.bin": b"x"}))
    with pytest.raises(SpreadsheetError, match="解压后过大"):
        read_rows(_zip({"xl/workbook.xml": b"<x/>", "big.xml": b"0" * (101 * 1024 * 1024)}))
    with pytest.raises(SpreadsheetError, match="不是有效"):
        read_rows(b"<html>not excel</html>")


def test_defusedxml_protects_openpyxl() -> None:
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True


def test_superscript_digits_are_not_numbers() -> None:
    from jixiao.core.numbers import is_digits

    assert is_digits("2026") and not is_digits("²") and not is_digits("①") and not is_digits("")


def test_digit_text_int_cannot_read_is_not_a_number_nor_an_id() -> None:
    from jixiao.core.numbers import id_or_none, is_digits

    assert not is_digits("1" * 4301) and is_digits("1" * 4300)
    assert id_or_none(" 42 ") == 42 and id_or_none(str(2**63)) is None and id_or_none("1" * 5000) is None
    assert id_or_none("²") is None and id_or_none(None) is None and id_or_none("") is None
