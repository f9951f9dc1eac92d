"""``backup_create`` and ``backup_restore``: the database and the data folder, all or nothing.

What a backup holds: the database (SQLite through its online backup API, PostgreSQL through
``pg_dump``) and every file of the data folder (the secret key, uploads, generated reports and
check sheets), but not what is rebuilt on its own (``static/``, ``cache/``) nor earlier backups.

A restore first unpacks and checks the whole archive beside the data folder (format, checksums,
engine, migrations, the database copy readable by its engine); only then it swaps the folder's
files for the archive's and replaces the database in one transaction. Any failure puts the
previous files back, and the database was never changed: nothing is half-restored.
"""

from __future__ import annotations

import contextlib
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from xunzhi.backups.archive import Manifest, archive_read, archive_write
from xunzhi.backups.database import (
    DUMP_NAMES,
    ENGINE_LABELS,
    current_engine,
    database_check,
    database_dump,
    database_restore,
)
from xunzhi.lib.errors import UserError

#: Entries of the data folder a backup leaves out (rebuilt, or backups themselves).
SKIPPED = {"static", "cache", "backups"}
STAGING_PREFIX = ".restore-"


@dataclass
class BackupResult:
    path: Path
    manifest: Manifest


def _data_dir() -> Path:
    return Path(settings.DATA_DIR)


def _database_files() -> set[Path]:
    """The SQLite database file and its journals (copied through the backup API instead)."""
    if current_engine() != "sqlite":
        return set()
    name = Path(str(connection.settings_dict["NAME"]))
    return {name.resolve(), *(Path(f"{name}{s}").resolve() for s in ("-wal", "-shm", "-journal"))}


def _managed_entries() -> list[Path]:
    """The top-level entries of the data folder that a backup holds and a restore replaces."""
    root = _data_dir()
    if not root.is_dir():
        return []
    skip = _database_files()
    return sorted(
        p
        for p in root.iterdir()
        if p.name not in SKIPPED
        and not p.name.startswith((STAGING_PREFIX, "."))
        and p.resolve() not in skip
    )


def _files() -> list[tuple[Path, str]]:
    root = _data_dir()
    out = []
    for entry in _managed_entries():
        paths = [entry] if entry.is_file() else sorted(entry.rglob("*"))
        for path in paths:
            if path.is_file() and not path.is_symlink():
                out.append((path, path.relative_to(root).as_posix()))
    return out


def _migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def table_counts() -> dict[str, int]:
    """Rows in every table of the database (what a restore must bring back)."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 table names from introspection, quoted
            counts[table] = cursor.fetchone()[0]
    return counts


def backup_create(*, output: Path | None = None) -> BackupResult:
    """Write one archive of the database and the data folder (default: into
    ``$XUNZHI_DATA_DIR/backups/``) while the site keeps running."""
    engine = current_engine()
    stamp = timezone.localtime()
    if output is None:
        output = _data_dir() / "backups" / f"xunzhi-backup-{stamp:%Y%m%d-%H%M%S}.tar.gz"
    output = Path(output)
    if output.is_dir():
        output = output / f"xunzhi-backup-{stamp:%Y%m%d-%H%M%S}.tar.gz"
    output.parent.mkdir(parents=True, exist_ok=True)
    work = output.parent / f".backup-{uuid.uuid4().hex}"
    work.mkdir(mode=0o700)
    try:
        dump = work / DUMP_NAMES[engine]
        database_dump(dump)
        manifest = Manifest(
            engine=engine,
            database=DUMP_NAMES[engine],
            created_at=stamp.isoformat(timespec="seconds"),
            data_dir=str(_data_dir().resolve()),
            migrations=_migrations(),
            tables=table_counts(),
        )
        archive_write(output, manifest=manifest, database=dump, files=_files())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BackupResult(path=output, manifest=manifest)


def _check_compatible(manifest: Manifest) -> None:
    engine = current_engine()
    if manifest.engine != engine:
        raise UserError(
            f"该备份来自 {ENGINE_LABELS.get(manifest.engine, manifest.engine)} 数据库，"
            f"当前使用的是 {ENGINE_LABELS[engine]}：不能直接恢复，未做任何恢复。"
        )
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    installed = {config.label for config in apps.get_app_configs()}
    newer = [
        f"{app}.{name}"
        for app, names in manifest.migrations.items()
        for name in names
        if (app, name) not in known and app in installed
    ]
    if newer:
        raise UserError(
            f"该备份来自更新版本的巡指（本程序不认识其数据库迁移 {newer[0]} 等），"
            "请先升级巡指再恢复；未做任何恢复。"
        )


def backup_restore(*, archive: Path) -> Manifest:
    """Replace the database and the data folder's files by the archive's (all or nothing)."""
    root = _data_dir()
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
    staging.mkdir(mode=0o700)
    aside = root / f"{STAGING_PREFIX}old-{uuid.uuid4().hex}"
    moved: list[tuple[Path, Path]] = []  # (original place, where it waits meanwhile)
    placed: list[Path] = []
    try:
        manifest = archive_read(Path(archive), staging)
        _check_compatible(manifest)
        dump = staging / manifest.database
        database_check(dump, manifest.engine)
        incoming = staging / "files"
        entries = sorted(incoming.iterdir()) if incoming.is_dir() else []
        clash = [e.name for e in entries if not _restorable(e.name)]
        if clash:
            raise UserError(f"备份文件中有不应恢复的内容（files/{clash[0]}），未做任何恢复。")
        # Files: move the current ones aside, put the archive's in place (renames on one disk).
        aside.mkdir(mode=0o700)
        for entry in _managed_entries():
            target = aside / entry.name
            entry.rename(target)
            moved.append((entry, target))
        for entry in entries:
            destination = root / entry.name
            entry.rename(destination)
            placed.append(destination)
        database_restore(dump)  # one transaction: whole or unchanged
    except BaseException:
        for path in placed:
            _remove(path)
        for original, waiting in reversed(moved):
            waiting.rename(original)
        with contextlib.suppress(OSError):
            aside.rmdir()  # empty again; never removed with anything still in it
        raise
    finally:
        _remove(staging)
    _remove(aside)
    _after_restore(manifest, archive=Path(archive))
    return manifest


def _restorable(name: str) -> bool:
    """What a backup may put at the top of the data folder: not the database, not what is
    rebuilt, not our working folders."""
    database = {p.name for p in _database_files()}
    return name not in SKIPPED and name not in database and not name.startswith(".")


def _after_restore(manifest: Manifest, *, archive: Path) -> None:
    """Bring the restored database up to this version, point report files at this data folder,
    forget cached pages, and record the restore in the audit log."""
    from django.core.management import call_command

    from xunzhi.audit.models import Event
    from xunzhi.audit.services import audit_event

    call_command("migrate", interactive=False, verbosity=0)
    _remap_report_paths(manifest.data_dir, str(_data_dir().resolve()))
    _remove(_data_dir() / "cache")
    audit_event(
        event=Event.RESTORE,
        object_repr=archive.name,
        changes={"created_at": ["", manifest.created_at], "engine": ["", manifest.engine]},
    )


def _remap_report_paths(old: str, new: str) -> None:
    """Report versions remember their files by absolute path: follow a moved data folder."""
    if not old or old == new:
        return
    from django.db.models import Value
    from django.db.models.functions import Concat, Substr

    from xunzhi.reports.models import ReportVersion

    for name in ("docx_path", "pdf_path", "html_path", "md_path", "check_sheet_path"):
        ReportVersion.objects.filter(**{f"{name}__startswith": old + "/"}).update(
            **{name: Concat(Value(new), Substr(name, len(old) + 1))}
        )


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
