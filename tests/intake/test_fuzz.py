"""Fuzzing the readers: random bytes, truncated and corrupted zips, odd encodings, huge sheet
dimensions and zip bombs all end in rows or a Chinese error, never a crash, a panic or a hang
past the deadline (issue 9)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from xunzhi.intake.limits import MB, ReadLimits, column_letters
from xunzhi.intake.readers import RawFile, file_read
from xunzhi.lib.errors import UserError

FUZZ = settings(
    max_examples=60,
    deadline=dt.timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LIMITS = ReadLimits(max_uncompressed_bytes=20 * MB, max_rows=100_000, max_cells=1_000_000)
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF)


def _read(data: bytes, name: str = "f.xlsx") -> RawFile | None:
    """Rows, or a Chinese error: anything else fails the test."""
    try:
        raw = file_read(name, data, LIMITS)
    except UserError as exc:
        message = str(exc)
        assert message and any("\u4e00" <= ch <= "\u9fff" for ch in message), message
        assert name in message
        return None
    assert isinstance(raw, RawFile)
    for sheet in raw.sheets:
        assert isinstance(sheet.rows, list)
    return raw


def _book() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["日期", "组织", "类型", "标题", "参加人数"])
    for i in range(30):
        ws.append([dt.date(2021, 6, 1 + i % 28), "测试东镇", "主题党日", f"活动{i}", i])
    wb.create_sheet("第二页")["C3"] = "=SUM(1,2)"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


BOOK = _book()


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buffer.getvalue()


def _with_sheet(xml: bytes) -> bytes:
    """The sample workbook with its first sheet replaced."""
    source = zipfile.ZipFile(io.BytesIO(BOOK))
    parts = {i.filename: source.read(i) for i in source.infolist()}
    parts["xl/worksheets/sheet1.xml"] = xml
    return _zip(parts)


@given(st.binary(max_size=4096))
@FUZZ
def test_random_bytes(data):
    _read(data, "随机.xlsx")


@given(st.binary(max_size=2048))
@FUZZ
def test_random_bytes_behind_a_zip_or_ole_header(tail):
    _read(b"PK\x03\x04" + tail)
    _read(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + tail, "旧.xls")


@given(st.integers(min_value=0, max_value=len(BOOK)))
@FUZZ
def test_truncated_workbook(cut):
    _read(BOOK[:cut])


@given(st.lists(st.tuples(st.integers(0, len(BOOK) - 1), st.integers(0, 255)), max_size=8))
@FUZZ
def test_corrupted_workbook(flips):
    data = bytearray(BOOK)
    for at, value in flips:
        data[at] = value
    _read(bytes(data))


@given(
    st.lists(st.lists(st.text(alphabet=CJK | st.sampled_from(',;\t"\n =+-@'), max_size=12))),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030", "gbk"]),
)
@FUZZ
def test_odd_encodings(rows, encoding):
    text = "\n".join(",".join(cells) for cells in rows)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return
    if data:
        _read(data, "表.csv")


@given(st.binary(min_size=1, max_size=4096).map(lambda b: b"\xef\xbb\xbf" + b))
@FUZZ
def test_a_bom_followed_by_anything(data):
    _read(data, "表.csv")


@given(
    st.lists(
        st.tuples(st.integers(1, 1_048_576), st.integers(1, 16_384), st.booleans()),
        min_size=1,
        max_size=6,
    )
)
@FUZZ
def test_huge_dimensions_are_refused_before_parsing(cells):
    """Cells anywhere up to XFD1048576, with or without ``r``: within the limits they are read,
    beyond them refused by name, and the reader never builds the huge grid."""
    body = []
    for row, col, with_ref in cells:
        ref = f' r="{column_letters(col)}{row}"' if with_ref else ""
        body.append(f'<row r="{row}"><c{ref} t="inlineStr"><is><t>x</t></is></c></row>')
    xml = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(body)}</sheetData></worksheet>"
    ).encode()
    raw = _read(_with_sheet(xml))
    rows = max(r for r, _c, _ in cells)
    cols = max(c if ref else 1 for _r, c, ref in cells)
    if raw is not None:  # read: then it was within the limits
        assert rows <= LIMITS.max_rows and rows * cols <= LIMITS.max_cells


@given(st.integers(21, 60))
@settings(max_examples=5, deadline=dt.timedelta(seconds=20))
def test_zip_bombs_are_refused_by_their_real_size(megabytes):
    row = (
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
        + b"A" * (megabytes * MB)
        + b"</t></is></c></row>"
    )
    xml = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    )
    bomb = _with_sheet(xml + row + b"</sheetData></worksheet>")
    assert len(bomb) < megabytes * MB // 50
    try:
        file_read("炸弹.xlsx", bomb, LIMITS)
    except UserError as exc:
        assert "解压后超过 20 MB" in str(exc)
    else:
        raise AssertionError("a zip bomb was read")


@given(st.integers(1, 2_000_000), st.integers(1, 20_000))
@FUZZ
def test_ods_repeats_are_counted(rows, cols):
    content = (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body>'
        '<office:spreadsheet><table:table table:name="表1">'
        f'<table:table-row table:number-rows-repeated="{rows}">'
        f'<table:table-cell table:number-columns-repeated="{cols}" office:value-type="float" '
        'office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    data = _zip(
        {
            "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
            "content.xml": content.encode(),
            "META-INF/manifest.xml": b'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>',
        }
    )
    raw = _read(data, "表.ods")
    if raw is not None:
        assert rows <= LIMITS.max_rows and rows * cols <= LIMITS.max_cells


def test_a_part_needing_a_newer_zip_version_is_a_chinese_error():
    """zipfile refuses a part whose "version needed to extract" is above 6.3 with
    NotImplementedError (found by test_corrupted_workbook): it must read as a damaged file."""
    data = bytearray(BOOK)
    central = data.index(b"PK\x01\x02")  # the first central directory entry
    data[central + 6] = 64  # version needed to extract: 6.4
    try:
        zipfile.ZipFile(io.BytesIO(bytes(data)))
    except NotImplementedError:
        pass
    else:  # pragma: no cover - the premise of the test
        raise AssertionError("zipfile accepted version 6.4")
    assert _read(bytes(data)) is None
