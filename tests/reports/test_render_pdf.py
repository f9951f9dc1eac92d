"""PDF through LibreOffice: fonts embedded, 22 × 28 page grid, page numbers, loud failures.

Marked ``pdf``: they run wherever LibreOffice is installed (CI installs it with
``scripts/system-deps.sh``) and are skipped, with the reason, only when ``soffice`` is absent.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.reports.test_render_reference import long_body_document, reference_document
from xunzhi.lib.errors import UserError
from xunzhi.reports.document import Block, ReportDocument, Run
from xunzhi.reports.render import pdf as pdf_module
from xunzhi.reports.render.docx import render_docx
from xunzhi.reports.render.pdf import pdf_available, render_pdf

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice (soffice) is not installed; run `make system-deps` to test PDF output",
)
pytestmark = [pytest.mark.pdf]

PAGE_NUMBER = re.compile(r"^—\s*(\d+)\s*—$")
#: PostScript names of the free faces gbt9704.md maps the official faces to (subset tag removed).
MAPPED = {
    "仿宋_GB2312": re.compile(r"^FandolFang-Regular$"),
    "楷体_GB2312": re.compile(r"^GBZenKai-Medium$"),  # AR PL KaitiM GB
    "黑体": re.compile(r"^NotoSansCJK(sc|jp)?-Regular"),
    "方正小标宋简体": re.compile(r"^(NotoSerifCJK(sc|jp)?-Bold|FandolSong-Bold)"),
    "宋体": re.compile(r"^(BousungEG-Light-GB|FandolSong-Regular)$"),  # AR PL SungtiL GB
    "Times New Roman": re.compile(r"^LiberationSerif$"),
}


def _pdftotext(pdf: Path, *args: str) -> str:
    return subprocess.run(
        ["pdftotext", *args, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)[1])


def _embedded(pdf: Path) -> list[str]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    return [re.sub(r"^[A-Z]{6}\+", "", line.split()[0]) for line in out.stdout.splitlines()[2:]]


@pytest.fixture(scope="module")
def reference_pdf(tmp_path_factory) -> Path:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    path = tmp_path_factory.mktemp("pdf") / "reference.pdf"
    path.write_bytes(render_pdf(render_docx(reference_document())))
    return path


@pytest.fixture(scope="module")
def long_pdf(tmp_path_factory) -> Path:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    path = tmp_path_factory.mktemp("pdf") / "long.pdf"
    path.write_bytes(render_pdf(render_docx(long_body_document(40))))
    return path


@needs_soffice
def test_only_the_mapped_faces_are_embedded(reference_pdf):
    fonts = _embedded(reference_pdf)
    assert fonts
    for font in fonts:
        assert any(p.match(font) for p in MAPPED.values()), f"unmapped face embedded: {font}"
    # the reference document uses every level, so every mapped face is used
    for official, pattern in MAPPED.items():
        assert any(pattern.match(f) for f in fonts), f"{official} not rendered with its mapping"
    assert not any("DejaVu" in f or "Droid" in f for f in fonts)


@needs_soffice
def test_a_full_body_page_holds_22_lines_of_at_most_28_characters(long_pdf):
    assert _pages(long_pdf) >= 4
    for page in (2, 3):
        lines = [
            re.sub(r"\s", "", line)
            for line in _pdftotext(
                long_pdf, "-layout", "-f", str(page), "-l", str(page)
            ).splitlines()
        ]
        lines = [line for line in lines if line]
        assert PAGE_NUMBER.match(lines[-1]) and int(PAGE_NUMBER.match(lines[-1])[1]) == page
        body = lines[:-1]
        assert len(body) == 22, body
        # punctuation may hang past the edge; the text block itself holds 28 characters
        widths = [len(line.rstrip("。，、；：")) for line in body]
        assert max(widths) == 28
        assert all(w <= 28 for w in widths)
        # a paragraph's first line is indented two characters: 26 characters follow
        assert widths.count(26) >= 3


@needs_soffice
def test_first_page_holds_title_blank_line_and_20_body_lines(long_pdf):
    lines = [
        re.sub(r"\s", "", line)
        for line in _pdftotext(long_pdf, "-layout", "-f", "1", "-l", "1").splitlines()
    ]
    lines = [line for line in lines if line]
    assert lines[0] == "关于党史学习教育的评估报告"
    assert PAGE_NUMBER.match(lines[-1])
    assert len(lines[1:-1]) == 20  # 22 lines: the title, one blank line, 20 lines of body


@needs_soffice
def test_no_character_is_lost_or_added(reference_pdf):
    doc = reference_document()
    expected = Counter(re.sub(r"\s", "", doc.text.replace("2021年06月30日", "2021年6月30日")))
    lines = [re.sub(r"\s", "", line) for line in _pdftotext(reference_pdf).splitlines()]
    got = Counter("".join(line for line in lines if line and not PAGE_NUMBER.match(line)))
    assert got == expected


@needs_soffice
def test_page_numbers_odd_right_even_left_one_character_in(reference_pdf):
    assert _pages(reference_pdf) >= 2
    bbox = _pdftotext(reference_pdf, "-bbox-layout", "-f", "1", "-l", "2")
    pages = re.findall(r"<page width=\"([\d.]+)\" height=\"([\d.]+)\">(.*?)</page>", bbox, re.S)
    text_left, text_right = 1587 / 20, (11906 - 1474) / 20  # text block edges, points
    text_bottom = (16838 - 1984) / 20
    for number, (_, _, body) in enumerate(pages, start=1):
        lines = re.findall(
            r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</line>',
            body,
            re.S,
        )
        x_min, y_min, x_max, _, words = lines[-1]
        text = "".join(re.findall(r">([^<]+)</word>", words)).replace(" ", "")
        assert text == f"—{number}—"
        # GB/T 9704 §7.5: the page-number line sits 7 mm under the text block
        assert abs((float(y_min) - text_bottom) * 25.4 / 72 - 7) < 1
        if number % 2:
            assert abs((text_right - float(x_max)) - 14) < 3  # one 4号 character from the right
        else:
            assert abs((float(x_min) - text_left) - 14) < 3  # one 4号 character from the left


def _line_boxes(pdf: Path, page: int) -> dict[str, tuple[float, float]]:
    """Text of each line on a page (spaces removed) → (xMin, xMax) in points."""
    bbox = _pdftotext(pdf, "-bbox-layout", "-f", str(page), "-l", str(page))
    boxes = {}
    for x_min, x_max, words in re.findall(
        r'<line xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</line>',
        bbox,
        re.S,
    ):
        text = "".join(re.findall(r">([^<]+)</word>", words)).replace(" ", "")
        boxes[text] = (float(x_min), float(x_max))
    return boxes


@needs_soffice
@pytest.mark.parametrize(
    ("signature", "date"),
    [("市委第二巡回指导组", "2021年6月30日"), ("市委巡回指导组", "2022年11月30日")],
)
def test_signature_block_as_printed(tmp_path, signature, date):
    """§7.3.5: 右空二字 for the line nearer the edge; the date starts two characters further right."""
    doc = ReportDocument(
        title="关于某县的评估报告",
        blocks=[
            Block("body", [Run("正文。")]),
            Block("signature", [Run(signature)]),
            Block("date", [Run(date)]),
        ],
    )
    pdf = tmp_path / "signature.pdf"
    pdf.write_bytes(render_pdf(render_docx(doc)))
    boxes = _line_boxes(pdf, 1)
    text_right = (11906 - 1474) / 20
    sig, dat = boxes[signature], boxes[date]
    char = 16 - 0.25  # a condensed 3号 character, points
    assert abs((dat[0] - sig[0]) - 2 * char) < 2.5, (sig, dat)
    nearest = min(text_right - sig[1], text_right - dat[1])
    assert abs(nearest - 2 * 16) < 2.5, (sig, dat)


@needs_soffice
def test_parallel_calls_use_their_own_profiles():
    docx = render_docx(long_body_document(3))
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(render_pdf, [docx, docx]))
    for pdf in results:
        assert pdf.startswith(b"%PDF-")


@needs_soffice
def test_a_face_outside_the_mapping_fails_loudly():
    docx = render_docx(reference_document())
    source = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(
                    b'w:ascii="Times New Roman" w:hAnsi="Times New Roman"',
                    b'w:ascii="Courier New" w:hAnsi="Courier New"',
                )
            target.writestr(item, data)
    with pytest.raises(UserError, match="映射之外的字体.*LiberationMono"):
        render_pdf(out.getvalue())


@pytest.mark.skipif(shutil.which("fc-match") is None, reason="fontconfig (fc-match) not installed")
def test_a_missing_mapped_face_fails_loudly_naming_it(tmp_path, monkeypatch):
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        pdf_module.FONTCONFIG_FILE.read_text(encoding="utf-8").replace(
            "<string>FandolFang</string>", "<string>NoSuchFangSong</string>"
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr(pdf_module, "FONTCONFIG_FILE", conf)
    with pytest.raises(UserError, match="仿宋_GB2312.*FandolFang.*texlive-lang-chinese"):
        pdf_module.fonts_check()
    with pytest.raises(UserError, match="仿宋_GB2312"):
        render_pdf(render_docx(long_body_document(1)))


@pytest.mark.skipif(shutil.which("fc-match") is None, reason="fontconfig (fc-match) not installed")
def test_the_shipped_fontconfig_maps_every_official_face():
    matches = pdf_module.fonts_check()
    assert set(matches) == set(MAPPED)
    for official, match in matches.items():
        assert MAPPED[official].match(match.postscript), (official, match)


def test_without_libreoffice_pdf_is_unavailable_and_fails_in_chinese(monkeypatch):
    monkeypatch.setattr(pdf_module.shutil, "which", lambda name: None)
    assert pdf_available() is False
    with pytest.raises(UserError, match="未安装 LibreOffice"):
        render_pdf(b"")
