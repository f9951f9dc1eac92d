"""The backup archive: a gzipped tar of ``xunzhi-backup/`` holding the database copy, the data
folder's files under ``files/`` and ``manifest.json`` (format, engine, migrations, row counts and
the size and SHA-256 of every member).

Reading checks everything before a restore may touch anything: only regular files and folders
inside ``xunzhi-backup/``, no absolute paths, ``..``, links or devices, every member listed in
the manifest with its size and checksum, nothing missing, enough disk space.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from xunzhi.lib.errors import UserError

FORMAT = "xunzhi-backup"
VERSION = 1
ROOT = "xunzhi-backup"
MANIFEST = "manifest.json"
#: Kept free on the disk while a restore unpacks (the database and logs still need room).
DISK_MARGIN = 64 * 1024 * 1024
CHUNK = 1024 * 1024


@dataclass
class Manifest:
    engine: str
    database: str
    created_at: str
    data_dir: str
    migrations: dict[str, list[str]]
    tables: dict[str, int]
    members: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_json(self) -> bytes:
        data = {"format": FORMAT, "version": VERSION, **self.__dict__}
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def archive_write(
    target: Path, *, manifest: Manifest, database: Path, files: list[tuple[Path, str]]
) -> None:
    """Write the archive: the database copy, ``files`` ((path, name under files/)), manifest."""
    partial = target.with_name(f".{target.name}.partial")
    try:
        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
            members = [(database, manifest.database), *((p, f"files/{n}") for p, n in files)]
            for path, name in members:
                manifest.members[name] = {"size": path.stat().st_size, "sha256": _sha256(path)}
                tar.add(path, arcname=f"{ROOT}/{name}", recursive=False)
            data = manifest.as_json()
            info = tarfile.TarInfo(f"{ROOT}/{MANIFEST}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        partial.chmod(0o600)
        partial.replace(target)  # a reader never sees half an archive under the final name
    finally:
        partial.unlink(missing_ok=True)


def _member_name(info: tarfile.TarInfo) -> str:
    """The member's name under ``xunzhi-backup/``; refuses anything a backup never holds."""
    path = PurePosixPath(info.name)
    if (
        path.is_absolute()
        or ".." in path.parts
        or not path.parts
        or path.parts[0] != ROOT
        or not (info.isfile() or info.isdir())
    ):
        raise UserError(f"备份文件中有不属于巡指备份的内容（{info.name}），未做任何恢复。")
    return "/".join(path.parts[1:])


def archive_read(source: Path, staging: Path) -> Manifest:
    """Unpack ``source`` into ``staging`` and check it whole; returns its manifest."""
    if not source.is_file():
        raise UserError(f"找不到备份文件 {source}。")
    found: dict[str, dict[str, Any]] = {}
    manifest_data: bytes | None = None
    try:
        with tarfile.open(source, "r:gz") as tar:
            for info in tar:
                name = _member_name(info)
                if info.isdir() or not name:
                    continue
                if name == MANIFEST:
                    manifest_data = _member_file(tar, info).read(CHUNK * 4)
                    continue
                if shutil.disk_usage(staging).free < info.size + DISK_MARGIN:
                    raise UserError("磁盘空间不足，无法解开备份文件，未做任何恢复。")
                found[name] = _extract(tar, info, staging / name)
    except (tarfile.TarError, EOFError, OSError, zlib.error, UnicodeDecodeError) as exc:
        raise UserError(
            f"备份文件 {source.name} 已损坏或不是巡指的备份（{type(exc).__name__}），未做任何恢复。"
        ) from exc
    manifest = _manifest(manifest_data, source)
    for name, expected in manifest.members.items():
        actual = found.pop(name, None)
        if actual is None:
            raise UserError(f"备份文件不完整：缺少 {name}，未做任何恢复。")
        if actual != {"size": expected.get("size"), "sha256": expected.get("sha256")}:
            raise UserError(f"备份文件已损坏：{name} 的校验和不符，未做任何恢复。")
    if found:
        raise UserError(f"备份文件中有清单之外的内容（{next(iter(found))}），未做任何恢复。")
    if manifest.database not in manifest.members:
        raise UserError("备份文件中没有数据库，未做任何恢复。")
    return manifest


def _member_file(tar: tarfile.TarFile, info: tarfile.TarInfo) -> IO[bytes]:
    """A regular member's content (``_member_name`` has refused every other kind)."""
    content = tar.extractfile(info)
    if content is None:
        raise UserError(f"备份文件中有不属于巡指备份的内容（{info.name}），未做任何恢复。")
    return content


def _extract(tar: tarfile.TarFile, info: tarfile.TarInfo, target: Path) -> dict[str, Any]:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    source = _member_file(tar, info)
    with target.open("wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


def _manifest(data: bytes | None, source: Path) -> Manifest:
    try:
        raw = json.loads(data or b"")
        if raw.get("format") != FORMAT:
            raise ValueError("format")
        if raw.get("version") != VERSION:
            raise UserError(
                f"备份格式版本 {raw.get('version')} 不受支持（本程序读取版本 {VERSION}），"
                "未做任何恢复。"
            )
        return Manifest(
            engine=str(raw["engine"]),
            database=str(raw["database"]),
            created_at=str(raw["created_at"]),
            data_dir=str(raw.get("data_dir", "")),
            migrations={str(k): list(v) for k, v in raw["migrations"].items()},
            tables={str(k): int(v) for k, v in raw["tables"].items()},
            members={str(k): dict(v) for k, v in raw["members"].items()},
        )
    except UserError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UserError(
            f"{source.name} 不是巡指的备份文件（没有有效的备份清单），未做任何恢复。"
        ) from exc
