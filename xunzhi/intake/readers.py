"""Reading uploaded files into plain grids of cell values, one per sheet.

The format is told by the file's first bytes, not its name (WPS ``.et`` files saved
as xlsx, ``.xls`` files that are really xlsx): a zip is xlsx/ods, an OLE2 container
is xls, anything else is text (CSV or tab separated) in UTF-8, UTF-16 or GB18030.
Workbooks are read with python-calamine; rows keep their sheet numbering (row 1 is
index 0), so errors and annotations point at the cell the user sees.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from xunzhi.lib.errors import UserError

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class RawSheet:
    name: str
    rows: list[list]
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


def file_read(name: str, data: bytes) -> RawFile:
    """Every sheet of a workbook (or the one table of a CSV file) as rows of values."""
    if not data:
        raise UserError(f"文件“{name}”是空文件。")
    fmt = file_format(data)
    if fmt == "csv":
        text, encoding = decode_text(name, data)
        return RawFile(name, "csv", [RawSheet(_csv_sheet_name(name), _csv_rows(text))], encoding)
    return RawFile(name, fmt, _workbook_sheets(name, data))


def _csv_sheet_name(name: str) -> str:
    stem = name.rsplit("/", 1)[-1]
    return stem.rsplit(".", 1)[0] if "." in stem else stem


def _workbook_sheets(name: str, data: bytes) -> list[RawSheet]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for sheet_name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(sheet_name)
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
    except (CalamineError, Exception) as exc:  # calamine raises several unrelated types
        raise UserError(
            f"文件“{name}”无法作为 Excel 工作簿读取（{type(exc).__name__}）。"
            "请确认文件未损坏、未加密，或另存为 .xlsx 后重试。"
        ) from exc


def decode_text(name: str, data: bytes) -> tuple[str, str]:
    """Text in UTF-8 (BOM or not), UTF-16 with BOM, or GBK/GB18030, detected."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
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


def _csv_rows(text: str) -> list[list]:
    sample = text[:8192]
    delimiter = ","
    counts = {d: sample.count(d) for d in (",", "\t", ";")}
    if counts[","] == 0 and max(counts.values()) > 0:
        delimiter = max(counts, key=counts.get)
    elif counts["\t"] > counts[","] * 2:
        delimiter = "\t"
    return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
