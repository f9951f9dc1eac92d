"""Files attached to a rectification: checked (size first, then type by content), stored under
the data folder (``$XUNZHI_DATA_DIR/rectifications/<problem>/<random>.<type>``) and read back.

The name a user gave is kept for display and download only; the stored name is random and its
suffix is the type found in the content, never the one the user's name claims.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from xunzhi.lib.errors import UserError

#: Types accepted, by the extension ``filetype`` reports for the content, with their names.
ALLOWED: dict[str, str] = {
    "pdf": "PDF",
    "jpg": "JPG 图片",
    "png": "PNG 图片",
    "doc": "Word",
    "docx": "Word",
    "xls": "Excel",
    "xlsx": "Excel",
    "odt": "ODF 文档",
    "ods": "ODF 表格",
}
HEAD_BYTES = 8192  # what filetype reads to recognise a type
FOLDER = "rectifications"
NAME_LIMIT = 200


#: What an uploaded file is (Django's; tests pass ``SimpleUploadedFile``).
Upload = UploadedFile[Any]


@dataclasses.dataclass(frozen=True)
class Checked:
    upload: Upload
    name: str
    kind: str
    mime: str


def max_file_bytes() -> int:
    return int(settings.RECTIFICATION_MAX_FILE_MB) * 1024 * 1024


def allowed_names() -> str:
    return "、".join(dict.fromkeys(ALLOWED.values()))


def _display_name(upload: Upload) -> str:
    name = Path(str(upload.name or "附件")).name.replace("\x00", "").strip() or "附件"
    return name[-NAME_LIMIT:]


def over_limit(name: str, size: int | None = None) -> str:
    """The refusal of a file over the per-file limit (naming the limit)."""
    limit_mb = int(settings.RECTIFICATION_MAX_FILE_MB)
    actual = f"大小为 {size / 1048576:.1f} MB，" if size is not None else ""
    return (
        f"附件“{name}”{actual}超过了每个附件 {limit_mb} MB 的上限，未保存。请压缩或拆分后再上传。"
    )


def max_request_bytes() -> int:
    """The most a submission's request may carry: every file at the limit, plus the form."""
    return int(settings.RECTIFICATION_MAX_FILES) * max_file_bytes() + 1024 * 1024


def check_upload(upload: Upload) -> Checked:
    """The file's type by content, or a refusal naming the file and the limit it breaks."""
    name = _display_name(upload)
    size = upload.size or 0
    if size > max_file_bytes():
        raise UserError(over_limit(name, size))
    if size == 0:
        raise UserError(f"附件“{name}”是空文件，未保存。")
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    guess = filetype.guess(head)
    if guess is None or guess.extension not in ALLOWED:
        found = f"（识别为 {guess.extension}）" if guess is not None else ""
        raise UserError(
            f"附件“{name}”的内容不是允许的文件类型{found}，未保存。只能上传 {allowed_names()} "
            "文件（按文件内容判断，与文件名后缀无关）。"
        )
    return Checked(upload=upload, name=name, kind=guess.extension, mime=guess.mime)


def check_uploads(uploads: Sequence[Upload]) -> list[Checked]:
    """Every file checked before any is stored: one bad file refuses the whole submission."""
    limit = int(settings.RECTIFICATION_MAX_FILES)
    if len(uploads) > limit:
        raise UserError(f"一次最多上传 {limit} 个附件（本次 {len(uploads)} 个），未保存。")
    return [check_upload(u) for u in uploads]


def root() -> Path:
    return Path(settings.DATA_DIR) / FOLDER


@dataclasses.dataclass(frozen=True)
class Stored:
    name: str
    path: str  # relative to the data folder
    kind: str
    mime: str
    size: int
    sha256: str


def store(problem_id: int, checked: Sequence[Checked]) -> list[Stored]:
    """Write the files; on any failure remove what this call wrote and re-raise."""
    folder = root() / str(problem_id)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    out = []
    try:
        for item in checked:
            target = folder / f"{secrets.token_hex(16)}.{item.kind}"
            digest, size = hashlib.sha256(), 0
            item.upload.seek(0)
            with target.open("xb") as fh:
                written.append(target)
                for chunk in item.upload.chunks():
                    digest.update(chunk)
                    size += len(chunk)
                    fh.write(chunk)
            relative = target.relative_to(Path(settings.DATA_DIR)).as_posix()
            out.append(Stored(item.name, relative, item.kind, item.mime, size, digest.hexdigest()))
    except BaseException:
        remove(written)
        raise
    return out


def remove(paths: Iterable[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def absolute_unchecked(relative: str) -> Path:
    return Path(settings.DATA_DIR) / relative


def absolute(relative: str) -> Path:
    """The stored file of a record, refused if the record points outside the folder."""
    base = root().resolve()
    path = (Path(settings.DATA_DIR) / relative).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        raise UserError("附件文件已不存在，请联系系统管理员。")
    return path
