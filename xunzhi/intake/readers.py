"""Reading uploaded files into plain grids of cell values, one per sheet.

The format is told by the file's first bytes, not its name (WPS ``.et`` files saved
as xlsx, ``.xls`` files that are really xlsx): a zip is xlsx/ods, an OLE2 container
is xls, anything else is text (CSV or tab separated) in UTF-8, UTF-16 or GB18030.
Workbooks are read with python-calamine; rows keep their sheet numbering (row 1 is
index 0), so errors and annotations point at the cell the user sees.

Nothing is parsed before :mod:`xunzhi.intake.limits` has checked the file's size, its
expansion and the extent of every sheet; any failure of the reader itself (a corrupt part, a
panic inside calamine) becomes a Chinese :class:`UserError` naming the file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from xunzhi.intake.limits import ReadLimits, extent_check, size_check, zip_check
from xunzhi.lib.errors import UserError

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class RawSheet:
    name: str
    rows: list[list[Any]]
    #: merged ranges as (first_row, first_col, last_row, last_col), 0-based inclusive
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


@dataclass
class RawFile:
    name: str
    format: str  # xlsx, xls, ods, csv
    sheets: list[RawSheet]
    encoding: str = ""


def file_format(data: bytes) -> str:
    if data.startswith(ZIP_MAGIC):
        return "ods" if b"mimetypeapplication/vnd.oasis" in data[:200] else "xlsx"
    if data.startswith(OLE_MAGIC):
        return "xls"
    return "csv"


def file_read(name: str, data: bytes, limits: ReadLimits | None = None) -> RawFile:
    """Every sheet of a workbook (or the one table of a CSV file) as rows of values."""
    if not data:
        raise UserError(f"文件“{name}”是空文件。")
    limits = limits or ReadLimits.from_settings()
    size_check(name, len(data), limits)
    fmt = file_format(data)
    if fmt == "csv":
        text, encoding = decode_text(name, data)
        rows = _csv_rows(name, text, limits)
        return RawFile(name, "csv", [RawSheet(_csv_sheet_name(name), rows)], encoding)
    if fmt in ("xlsx", "ods"):
        zip_check(name, data, fmt, limits)
    return RawFile(name, fmt, _workbook_sheets(name, data, limits))


def _csv_sheet_name(name: str) -> str:
    stem = name.rsplit("/", 1)[-1]
    return stem.rsplit(".", 1)[0] if "." in stem else stem


def _workbook_sheets(name: str, data: bytes, limits: ReadLimits) -> list[RawSheet]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for sheet_name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(sheet_name)
            end = sheet.end
            if end is not None and sheet.height and sheet.width:  # the grid from A1, unlisted
                end_row, end_col = end
                extent_check(name, sheet_name, end_row + 1, end_col + 1, limits)
            rows = sheet.to_python(skip_empty_area=False)
            merged: list[tuple[int, int, int, int]] = []
            try:
                for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []:
                    merged.append((r0, c0, r1, c1))
            except Exception:  # merged ranges are a help for headers, never required
                merged = []
            sheets.append(RawSheet(sheet_name, rows, merged))
        return sheets
    except UserError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # calamine raises unrelated types, and panics (BaseException)
        raise UserError(
            f"文件“{name}”无法作为 Excel 工作簿读取（{type(exc).__name__}）。"
            "请确认文件未损坏、未加密，或另存为 .xlsx 后重试。"
        ) from exc


def decode_text(name: str, data: bytes) -> tuple[str, str]:
    """Text in UTF-8 (BOM or not), UTF-16 with BOM, or GBK/GB18030, detected."""
    try:
        if data.startswith(b"\xef\xbb\xbf"):
            return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16"), "utf-16"
    except UnicodeDecodeError as exc:
        raise UserError(
            f"文件“{name}”开头标明了 Unicode 编码，但内容在第 {exc.start} 字节处不符合该编码。"
            "请重新另存为 UTF-8 编码的 CSV 或 .xlsx。"
        ) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:  # GB18030 is a superset of GBK and GB2312: what Chinese Excel writes as "CSV"
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UserError(f"文件“{name}”的文字编码无法识别。请另存为 UTF-8 编码的 CSV 或 .xlsx。")
    return str(best), best.encoding


#: The longest cell a CSV file may have (Python's default is 128 KB).
CSV_FIELD_LIMIT = 1024 * 1024


def _csv_rows(name: str, text: str, limits: ReadLimits) -> list[list[Any]]:
    sample = text[:8192]
    delimiter = ","
    counts = {d: sample.count(d) for d in (",", "\t", ";")}
    if counts[","] == 0 and max(counts.values()) > 0:
        delimiter = max(counts, key=counts.__getitem__)
    elif counts["\t"] > counts[","] * 2:
        delimiter = "\t"
    lines = text.count("\n") + 1
    if lines > limits.max_rows:
        extent_check(name, _csv_sheet_name(name), lines, 1, limits)
    fields = text.count(delimiter) + lines
    if fields > limits.max_cells:
        raise UserError(
            f"文件“{name}”约有 {fields} 个单元格，超过每个工作表 {limits.max_cells} 个单元格的上限。"
            "请拆分文件。"
        )
    previous = csv.field_size_limit(CSV_FIELD_LIMIT)
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise UserError(
            f"文件“{name}”不是有效的 CSV 文本（{exc}）。单元格不能超过 1 MB，请检查引号是否成对。"
        ) from exc
    finally:
        csv.field_size_limit(previous)
