"""Limits checked before a file is parsed, so that no file can exhaust the reader's memory.

A workbook is a zip of XML parts; a tiny one can expand to gigabytes (a zip bomb) or name a
single cell at ``XFD1048576``, for which a reader that builds a dense grid allocates 17 billion
cells. Before python-calamine sees an .xlsx or .ods file, :func:`zip_check` therefore

- refuses archives with too many parts, encrypted parts and compression methods other than
  stored/deflate, and .xlsb;
- inflates every part itself, counting the bytes it really produces (the sizes a zip declares
  can lie), and refuses when the whole would exceed the uncompressed limit;
- finds in each worksheet the last row and column holding a value and refuses a sheet whose
  rows, columns or cells (rows × columns of the grid the reader builds) exceed the limits.

.xls files (a binary format bounded by 65 536 × 256) and CSV text are checked on their own
terms by :mod:`xunzhi.intake.readers`: the extent of the loaded sheet before it becomes Python
lists, lines and fields before the CSV parser. Every refusal is a
:class:`~xunzhi.lib.errors.UserError` that names the limit.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from io import BytesIO

from xunzhi.lib.errors import UserError

MB = 1024 * 1024
#: Parts a workbook may have (a real one has a few dozen).
MAX_PARTS = 2000


@dataclass(frozen=True)
class ReadLimits:
    max_file_bytes: int = 50 * MB
    max_uncompressed_bytes: int = 400 * MB
    max_rows: int = 500_000
    max_columns: int = 256
    max_cells: int = 6_000_000

    @classmethod
    def from_settings(cls) -> ReadLimits:
        from django.conf import settings

        return cls(
            max_file_bytes=settings.UPLOAD_MAX_FILE_MB * MB,
            max_uncompressed_bytes=settings.IMPORT_MAX_UNCOMPRESSED_MB * MB,
            max_rows=settings.IMPORT_MAX_ROWS,
            max_columns=settings.IMPORT_MAX_COLUMNS,
            max_cells=settings.IMPORT_MAX_CELLS,
        )


def megabytes(n: int) -> str:
    return f"{n / MB:.0f} MB" if n >= MB else f"{max(n, 1) / 1024:.0f} KB"


def size_check(name: str, size: int, limits: ReadLimits) -> None:
    if size > limits.max_file_bytes:
        raise UserError(
            f"文件“{name}”有 {megabytes(size)}，超过单个文件的上限 "
            f"{megabytes(limits.max_file_bytes)}。请拆分后分批导入。"
        )


def extent_check(name: str, sheet: str, rows: int, columns: int, limits: ReadLimits) -> None:
    """``rows`` × ``columns`` is the grid from A1 to the last cell holding a value."""
    where = f"文件“{name}”的工作表“{sheet}”"
    if rows > limits.max_rows:
        raise UserError(
            f"{where}有数据的区域到第 {rows} 行，超过每个工作表 {limits.max_rows} 行的上限。"
            "请删除多余的行或拆分文件。"
        )
    if columns > limits.max_columns:
        raise UserError(
            f"{where}有数据的区域到第 {columns} 列（{column_letters(columns)} 列），"
            f"超过每个工作表 {limits.max_columns} 列的上限。请删除多余的列。"
        )
    if rows * columns > limits.max_cells:
        raise UserError(
            f"{where}有数据的区域为 {rows} 行 × {columns} 列，超过每个工作表 "
            f"{limits.max_cells} 个单元格的上限。请删除远处的多余内容或拆分文件。"
        )


# ---------------------------------------------------------------------------- zip workbooks


def zip_check(name: str, data: bytes, fmt: str, limits: ReadLimits) -> None:
    """Sizes, parts and sheet extents of an .xlsx or .ods file, before any parsing."""
    try:
        infos = zipfile.ZipFile(BytesIO(data)).infolist()
    # NotImplementedError: a part needing a newer zip version or an unknown compression
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        ValueError,
        OSError,
        EOFError,
    ) as exc:
        raise UserError(
            f"文件“{name}”无法作为 Excel 工作簿读取（压缩包已损坏）。请确认文件完整，或另存为 .xlsx 后重试。"
        ) from exc
    if len(infos) > MAX_PARTS:
        raise UserError(f"文件“{name}”包含 {len(infos)} 个部件，超过上限 {MAX_PARTS}。")
    if any(i.filename == "xl/workbook.bin" for i in infos):
        raise UserError(f"文件“{name}”是 .xlsb 二进制工作簿，请在 Excel 中另存为 .xlsx 后导入。")
    budget = limits.max_uncompressed_bytes
    if sum(i.file_size for i in infos) > budget:
        raise UserError(_expanded(name, limits))
    sheet_names = _sheet_names(data, infos)
    used = 0
    for info in infos:
        if info.is_dir():
            continue
        budget = limits.max_uncompressed_bytes - used
        if info.filename == "content.xml":  # OpenDocument, whatever the first bytes said
            part = b"".join(_inflate(name, data, info, budget, limits))
            used += len(part)
            for sheet, rows, cols in ods_extents(part):
                extent_check(name, sheet, rows, cols, limits)
            continue
        scanner = _SheetScanner()
        for chunk in _inflate(name, data, info, budget, limits):
            used += len(chunk)
            scanner.feed(chunk)
        if not scanner.sheet:
            continue
        sheet = sheet_names.get(info.filename) or info.filename.rsplit("/", 1)[-1]
        quick = scanner.extent(limits)
        if quick is None:  # odd file, or the quick bound is not conclusive: count exactly
            xml = b"".join(_inflate(name, data, info, budget, limits))
            quick = _xlsx_extent_exact(name, sheet, xml)
        extent_check(name, sheet, *quick, limits)


def _expanded(name: str, limits: ReadLimits) -> str:
    return (
        f"文件“{name}”解压后超过 {megabytes(limits.max_uncompressed_bytes)}（解压后大小的上限），"
        "已拒绝读取：可能是压缩炸弹；如确是大量数据，请拆分文件后分批导入。"
    )


def _inflate(
    name: str, data: bytes, info: zipfile.ZipInfo, budget: int, limits: ReadLimits
) -> Iterator[bytes]:
    """The part's bytes in pieces, inflated here and counted as they come (the sizes a zip
    declares may lie)."""
    if info.flag_bits & 0x1:
        raise UserError(f"文件“{name}”已加密，请取消密码保护后再导入。")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise UserError(f"文件“{name}”使用了不支持的压缩方式，请在 Excel 或 WPS 中另存为 .xlsx。")
    offset = info.header_offset
    header = data[offset : offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise UserError(
            f"文件“{name}”无法作为 Excel 工作簿读取（压缩包已损坏）。请确认文件完整，或另存为 .xlsx 后重试。"
        )
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    start = offset + 30 + name_len + extra_len
    raw = memoryview(data)[start : start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        if len(raw) > budget:
            raise UserError(_expanded(name, limits))
        yield bytes(raw)
        return
    inflater = zlib.decompressobj(-15)
    size = 0
    step = 1 << 18
    try:
        for pos in range(0, len(raw), step):
            feed: bytes | memoryview = raw[pos : pos + step]
            while feed and not inflater.eof:
                out = inflater.decompress(feed, max(budget - size, 0) + 1)
                size += len(out)
                if size > budget:
                    raise UserError(_expanded(name, limits))
                yield out
                feed = inflater.unconsumed_tail
            if inflater.eof:
                break
    except zlib.error as exc:
        raise UserError(
            f"文件“{name}”无法作为 Excel 工作簿读取（压缩数据已损坏）。请确认文件完整，或另存为 .xlsx 后重试。"
        ) from exc


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\bname=\"([^\"]*)\"[^>]*?\bid=\"([^\"]*)\"")
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_ATTR = re.compile(rb"\b(Id|Target)=\"([^\"]*)\"")


def _sheet_names(data: bytes, infos: list[zipfile.ZipInfo]) -> dict[str, str]:
    """Worksheet part → the sheet's name, for messages (best effort: small parts only)."""
    by_name = {i.filename: i for i in infos}
    book_info = by_name.get("xl/workbook.xml")
    rels_info = by_name.get("xl/_rels/workbook.xml.rels")
    if book_info is None or rels_info is None:
        return {}
    if book_info.file_size > MB or rels_info.file_size > MB:
        return {}
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        book, rels = archive.read(book_info), archive.read(rels_info)
    except Exception:  # noqa: BLE001 - names only decorate the messages
        return {}
    targets = {}
    for tag in _REL_TAG.findall(rels):
        attrs = dict(_ATTR.findall(tag))
        if b"Id" in attrs and b"Target" in attrs:
            target = attrs[b"Target"].decode("utf-8", "replace")
            targets[attrs[b"Id"]] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return {
        targets[rid]: unescape(sheet.decode("utf-8", "replace"))
        for sheet, rid in _SHEET_TAG.findall(book)
        if rid in targets
    }


# --- the extent of an xlsx worksheet ----------------------------------------------------------
#
# python-calamine places a cell by its ``r`` attribute, or, without one, after the previous cell
# of the row (a row without ``r`` follows the previous row). Self-closing cells hold no value and
# are skipped. Excel, WPS, LibreOffice and openpyxl give every cell an ``r`` as its first
# attribute, in order; for those files the last cell of the sheet names the last row, and one
# pass of a regular expression that matches only references beyond the maximum so far proves it
# (the maximum grows when a wider row turns up). Anything else takes the slow, exact path.

_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_ODD = re.compile(rb'<c(?:>| (?!r="))|<c r="(?![A-Z]{1,3}[1-9][0-9]{0,6}")')


def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def column_letters(n: int) -> str:
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _greater_number(n: int) -> bytes:
    """A pattern for decimal numbers (no leading zero) greater than ``n``."""
    s = str(n)
    parts = [b"[1-9][0-9]{%d,}" % len(s)]
    for i, d in enumerate(s):
        if d != "9":
            rest = len(s) - i - 1
            parts.append(s[:i].encode() + b"[%d-9]" % (int(d) + 1) + b"[0-9]{%d}" % rest)
    return b"(?:" + b"|".join(parts) + b")"


def _greater_letters(n: int) -> bytes:
    """A pattern for column letters beyond column ``n`` (1-based)."""
    s = column_letters(n)
    parts = [b"[A-Z]{%d,}" % (len(s) + 1)]
    for i, ch in enumerate(s):
        if ch != "Z":
            rest = len(s) - i - 1
            parts.append(
                s[:i].encode() + b"[" + bytes([ord(ch) + 1]) + b"-Z]" + b"[A-Z]{%d}" % rest
            )
    return b"(?:" + b"|".join(parts) + b")"


def _scan(rows: int, cols: int) -> re.Pattern[bytes]:
    """An odd construct, or a value cell (not self-closing) whose column exceeds ``cols`` or
    whose row exceeds ``rows``: one pass finds either."""
    beyond = rb'<c r="(?:%s[0-9]|[A-Z]++%s")(?:[^>]*[^/>])?>' % (
        _greater_letters(max(cols, 1)),
        _greater_number(rows),
    )
    return re.compile(_ODD.pattern + b"|" + beyond)


def _round_up(n: int) -> int:
    """A bound a quarter above ``n`` with two significant digits (``249999``): its pattern is
    short, and a sheet growing row by row moves it only a few dozen times."""
    target = n + n // 4 + 16
    scale: int = 10 ** max(len(str(target)) - 2, 0)
    return (target // scale + 1) * scale - 1


_NAMESPACED = re.compile(rb"<[A-Za-z_][\w.-]*:(?:c|row)[\s/>]")


class _SheetScanner:
    """Fed a worksheet part piece by piece: the largest row and column holding a value, or
    ``odd`` when the sheet is written in a way only the exact count handles."""

    def __init__(self) -> None:
        self.sheet = False
        self.odd = False
        self.rows = self.cols = 0  # the largest seen
        self.bound_rows = 0  # no value cell lies beyond (bound_rows, cols)
        self._pattern = _scan(0, 0)
        self._carry = b""

    def feed(self, chunk: bytes) -> None:
        if self.odd:
            return
        text = self._carry + chunk
        cut = text.rfind(b"<")
        if cut >= 0 and len(text) - cut < 4096:  # a tag may go on in the next piece
            text, self._carry = text[:cut], text[cut:]
        else:
            self._carry = b""
        if not self.sheet and b"sheetData" in text:
            self.sheet = True
            if b"<sheetData" not in text or _NAMESPACED.search(text):
                self.odd = True
                return
        pos = 0
        while True:
            hit = self._pattern.search(text, pos)
            if hit is None:
                return
            ref = None if _ODD.match(text, hit.start()) else _CELL_REF.match(text, hit.start())
            if ref is None:
                self.odd = True
                return
            self.rows = max(self.rows, int(ref[2]))
            self.cols = max(self.cols, column_number(ref[1].decode()))
            if self.rows > self.bound_rows:
                self.bound_rows = _round_up(self.rows)
            self._pattern = _scan(self.bound_rows, self.cols)
            pos = hit.start() + 1

    def extent(self, limits: ReadLimits) -> tuple[int, int] | None:
        """(rows, columns), or None when only the exact count can tell."""
        if self.odd:
            return None
        try:
            extent_check("", "", self.bound_rows, self.cols, limits)
        except UserError:
            return None
        return self.rows, self.cols


_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(row|c)((?:\s[^>]*?)?)(/?)>")
_R_ATTR = re.compile(rb'(?:^|\s)r="([^"]*)"')
_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


def _xlsx_extent_exact(name: str, sheet: str, xml: bytes) -> tuple[int, int]:
    row_index = col_index = 0
    rows = cols = 0
    for m in _TAG.finditer(xml):
        closing, tag, attrs, empty = m.groups()
        if tag == b"row":
            if closing:
                row_index, col_index = row_index + 1, 0
                continue
            r = _R_ATTR.search(attrs)
            if r is not None:
                value = r[1].decode("ascii", "replace")
                if not value.isdigit() or not 0 < int(value) <= 10_000_000:
                    raise UserError(f"文件“{name}”的工作表“{sheet}”中行号“{_short(r[1])}”无效。")
                row_index = int(value) - 1
            if empty:
                row_index, col_index = row_index + 1, 0
            continue
        if closing:
            continue
        r = _R_ATTR.search(attrs)
        if r is not None:
            ref = _REF.fullmatch(r[1].decode("ascii", "replace"))
            if ref is None:
                raise UserError(f"文件“{name}”的工作表“{sheet}”中单元格引用“{_short(r[1])}”无效。")
            row, col = int(ref[2]) - 1, column_number(ref[1]) - 1
        else:
            row, col = row_index, col_index
        col_index = col + 1
        if not empty:
            rows, cols = max(rows, row + 1), max(cols, col + 1)
    return rows, cols


def _short(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    return text if len(text) <= 20 else text[:20] + "…"


# --- the extent of the sheets of an OpenDocument spreadsheet --------------------------------

_ODS_TAG = re.compile(
    rb"<(/?)table:(table|table-row|table-cell|covered-table-cell)\b((?:\s[^>]*?)?)(/?)>"
)
_ODS_NAME = re.compile(rb'table:name="([^"]*)"')
_ODS_ROWS = re.compile(rb'table:number-rows-repeated="([0-9]+)"')
_ODS_COLS = re.compile(rb'table:number-columns-repeated="([0-9]+)"')
_ODS_VALUE = re.compile(rb"office:value-type=")


def ods_extents(xml: bytes) -> list[tuple[str, int, int]]:
    """(sheet, rows, columns) of every table: repeated rows and cells count as often as they
    repeat, up to the last cell that may hold a value (trailing empty repeats are free)."""
    out: list[tuple[str, int, int]] = []
    sheet, rows, cols = "", 0, 0
    row_at, row_repeat, col_at, row_cols = 0, 1, 0, 0
    cell_open: tuple[int, int] | None = None
    for m in _ODS_TAG.finditer(xml):
        closing, tag, attrs, empty = m.groups()
        if tag == b"table":
            if closing:
                out.append((sheet, rows, cols))
            else:
                found = _ODS_NAME.search(attrs)
                sheet = unescape(found[1].decode("utf-8", "replace")) if found else ""
                rows = cols = row_at = 0
            continue
        if tag == b"table-row":
            if not closing:
                found = _ODS_ROWS.search(attrs)
                row_repeat = min(int(found[1]), 1 << 40) if found else 1
                col_at = row_cols = 0
                if not empty:
                    continue
            if row_cols:  # the row holds a value: so do all its repeats
                rows = max(rows, row_at + row_repeat)
                cols = max(cols, row_cols)
            row_at += row_repeat
            row_repeat, col_at, row_cols = 1, 0, 0
            continue
        if closing:  # of a cell that had content
            if cell_open is not None:
                row_cols = max(row_cols, cell_open[0] + cell_open[1])
                cell_open = None
            continue
        found = _ODS_COLS.search(attrs)
        repeat = min(int(found[1]), 1 << 40) if found else 1
        start, col_at = col_at, col_at + repeat
        if _ODS_VALUE.search(attrs):
            row_cols = max(row_cols, start + repeat)
        elif not empty:
            cell_open = (start, repeat)  # text inside the cell is a value too
    return out
