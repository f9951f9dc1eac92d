"""PDF through LibreOffice, with the official faces mapped to free Debian faces.

The .docx names the faces a filed document uses (仿宋_GB2312, 黑体, …); servers do not have them.
``fonts/fonts.conf`` (shipped with the product, includes the system configuration) maps each to a
free face Debian packages, and LibreOffice reads it through ``FONTCONFIG_FILE``. Nothing falls back
silently: before converting, every mapped face is looked up with ``fc-match`` under that
configuration; after converting, ``pdffonts`` must list only the mapped faces. Either failure is a
:class:`~xunzhi.lib.errors.UserError` that names the face and the package to install.

Each call runs its own LibreOffice profile (``-env:UserInstallation``) in a temporary folder, so
calls can run in parallel.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from xunzhi.lib.errors import UserError

FONTCONFIG_FILE = Path(__file__).resolve().parent / "fonts" / "fonts.conf"
SOFFICE_TIMEOUT = 180  # seconds; the first start of a fresh profile takes a few


@dataclass(frozen=True)
class Face:
    """A free face an official face may be mapped to."""

    family: str
    bold: bool
    package: str


#: Official face (as named in the .docx) → acceptable free faces, in order of preference.
FONT_MAP: dict[str, tuple[Face, ...]] = {
    "仿宋_GB2312": (Face("FandolFang", False, "texlive-lang-chinese"),),
    "楷体_GB2312": (Face("AR PL KaitiM GB", False, "fonts-arphic-gkai00mp"),),
    "黑体": (Face("Noto Sans CJK SC", False, "fonts-noto-cjk"),),
    "方正小标宋简体": (
        Face("Noto Serif CJK SC", True, "fonts-noto-cjk"),
        Face("FandolSong", True, "texlive-lang-chinese"),
    ),
    "宋体": (
        Face("AR PL SungtiL GB", False, "fonts-arphic-gbsn00lp"),
        Face("FandolSong", False, "texlive-lang-chinese"),
    ),
    "Times New Roman": (Face("Liberation Serif", False, "fonts-liberation2"),),
}


def _tool(name: str) -> str | None:
    return shutil.which(name)


def _soffice() -> str | None:
    return _tool("soffice") or _tool("libreoffice")


def pdf_available() -> bool:
    """True when LibreOffice and the font tools (fontconfig, poppler) are installed."""
    return all((_soffice(), _tool("fc-match"), _tool("pdffonts")))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["FONTCONFIG_FILE"] = str(FONTCONFIG_FILE)
    return env


def _run(args: list[str], *, timeout: int = 60, cwd: str | None = None) -> str:
    try:
        result = subprocess.run(  # noqa: S603 argv list for LibreOffice, no shell
            args,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=cwd,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise UserError(
            f"生成 PDF 失败：{Path(args[0]).name} 运行超过 {timeout} 秒未结束。"
        ) from exc
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise UserError(
            f"生成 PDF 失败：{Path(args[0]).name} 退出码 {result.returncode}"
            + (f"（{detail[-1]}）" if detail else "")
            + "。"
        )
    return result.stdout


@dataclass(frozen=True)
class Match:
    families: tuple[str, ...]
    bold: bool
    postscript: str


def font_match(official: str) -> Match:
    """What fontconfig, under the shipped configuration, renders ``official`` with."""
    fc_match = _tool("fc-match")
    if fc_match is None:
        raise UserError("生成 PDF 失败：未安装 fontconfig（fc-match），无法检查字体映射。")
    out = _run([fc_match, "-f", "%{family}\t%{weight}\t%{postscriptname}", official])
    families, weight, postscript = (out.split("\t") + ["", "", ""])[:3]
    try:
        bold = float(weight.split()[0]) >= 200  # fontconfig: 200 = bold
    except (ValueError, IndexError):
        bold = False
    return Match(tuple(f.strip() for f in families.split(",")), bold, postscript.strip())


def fonts_check() -> dict[str, Match]:
    """Check that every official face maps to one of its free faces; return the matches.

    Raises :class:`UserError` naming each face that would fall back to something else.
    """
    matches: dict[str, Match] = {}
    problems: list[str] = []
    for official, faces in FONT_MAP.items():
        match = font_match(official)
        if any(f.family in match.families and f.bold == match.bold for f in faces):
            matches[official] = match
            continue
        wanted = "或".join(f"{f.family}{' Bold' if f.bold else ''}（{f.package}）" for f in faces)
        got = match.families[0] if match.families and match.families[0] else "无"
        problems.append(f"“{official}”应映射到 {wanted}，实际得到 {got}")
    if problems:
        raise UserError(
            "生成 PDF 失败：缺少映射字体，"
            + "；".join(problems)
            + f"。请安装括号中的 Debian 软件包（见 {FONTCONFIG_FILE}）。"
        )
    return matches


_SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")
_CJK_REGION = re.compile(r"CJK(jp|kr|sc|tc|hk)", re.IGNORECASE)


def _font_key(postscript: str) -> str:
    """A PostScript name reduced to what identifies the face in a PDF.

    Strips the subset tag (``ABCDEF+``) and the region of Noto CJK collections: LibreOffice names
    a face of ``NotoSerifCJK-Bold.ttc`` by the shared CFF table (``NotoSerifCJKjp-Bold-VKana``)
    whichever region's character map it uses.
    """
    name = _SUBSET_PREFIX.sub("", postscript.strip())
    name = _CJK_REGION.sub("CJK", name)
    return re.sub(r"-VKana$", "", name).lower()


def pdf_fonts(pdf_path: Path) -> list[str]:
    """The font names ``pdffonts`` lists for a PDF (subset tags kept)."""
    pdffonts = _tool("pdffonts")
    if pdffonts is None:
        raise UserError("生成 PDF 失败：未安装 poppler-utils（pdffonts），无法检查嵌入的字体。")
    lines = _run([pdffonts, str(pdf_path)]).splitlines()[2:]
    return [line.split()[0] for line in lines if line.strip()]


def pdf_fonts_check(pdf_path: Path, matches: dict[str, Match]) -> list[str]:
    """Raise :class:`UserError` when the PDF embeds a face outside the mapping; return the fonts."""
    allowed = {_font_key(m.postscript): official for official, m in matches.items()}
    fonts = pdf_fonts(pdf_path)
    stray = sorted({f for f in fonts if _font_key(f) not in allowed})
    if stray:
        raise UserError(
            "生成 PDF 失败：PDF 中出现了映射之外的字体 "
            + "、".join(_SUBSET_PREFIX.sub("", f) for f in stray)
            + "（文字回退到了非公文字体）。请检查文档所用字体与 "
            + f"{FONTCONFIG_FILE} 中的映射。"
        )
    return fonts


def render_pdf(docx: bytes) -> bytes:
    """Convert a .docx (from :func:`render_docx`) to PDF with LibreOffice and the mapped faces."""
    soffice = _soffice()
    if soffice is None:
        raise UserError(
            "生成 PDF 失败：未安装 LibreOffice（soffice）。"
            "请安装 libreoffice-writer-nogui，或改为输出 docx。"
        )
    matches = fonts_check()
    with tempfile.TemporaryDirectory(prefix="xunzhi-pdf-") as tmp:
        work = Path(tmp)
        source = work / "report.docx"
        source.write_bytes(docx)
        _run(
            [
                soffice,
                f"-env:UserInstallation={(work / 'profile').as_uri()}",
                "--headless",
                "--norestore",
                "--nolockcheck",
                "--convert-to",
                "pdf:writer_pdf_Export",
                "--outdir",
                str(work),
                str(source),
            ],
            timeout=SOFFICE_TIMEOUT,
            cwd=tmp,
        )
        target = work / "report.pdf"
        if not target.exists():
            raise UserError("生成 PDF 失败：LibreOffice 没有写出 PDF 文件。")
        pdf_fonts_check(target, matches)
        return target.read_bytes()
