"""xunzhi backup / restore: a round trip brings back every row of every table and every file of
the data folder (on SQLite and on PostgreSQL alike); a damaged or foreign archive is refused in
Chinese and nothing is half-restored."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from xunzhi.audit.models import AuditEntry, Event
from xunzhi.backups.services import backup_create, backup_restore
from xunzhi.ledgers.models import Activity, Problem
from xunzhi.lib.errors import UserError
from xunzhi.organisations.services import user_save

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent


def snapshot() -> dict[str, list]:
    """Every row of every table, as comparable text."""
    out = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows = [tuple(_plain(v) for v in row) for row in cursor.fetchall()]
            out[table] = sorted(rows, key=repr)
    return out


def _plain(value):
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def files_of(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith("xunzhi.sqlite3")
    }


@pytest.fixture
def data_dir(settings, tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    settings.DATA_DIR = root
    (root / "secret_key").write_text("k" * 60)
    (root / "uploads" / "7").mkdir(parents=True)
    (root / "uploads" / "7" / "00-东镇台账.xlsx").write_bytes(b"PK\x03\x04 workbook bytes")
    (root / "reports" / "T00").mkdir(parents=True)
    (root / "reports" / "T00" / "报告.docx").write_bytes(os.urandom(3000))
    (root / "static").mkdir()
    (root / "static" / "app.css").write_text("body{}")
    return root


@pytest.fixture
def filled(county, data_dir):
    """The small county with ledgers, users and audit entries."""
    c = county.campaign
    for i, branch in enumerate(county.branches):
        Activity.objects.create(
            campaign=c, org=branch, date=dt.date(2021, 4, 1 + i), type="宣讲", title=f"宣讲{i}"
        )
    Problem.objects.create(
        campaign=c, org=county.branches[0], source="组织查摆", description="学习不深"
    )
    user_save(username="office", role="office", scope=county.county, password="pw-Office-123")
    return county


def _backup(tmp_path) -> Path:
    return backup_create(output=tmp_path / "backup.tar.gz").path


def _change_everything(county, data_dir: Path) -> None:
    Activity.objects.filter(title="宣讲0").update(title="改过")
    Problem.objects.all().delete()
    Activity.objects.create(
        campaign=county.campaign,
        org=county.branches[1],
        date=dt.date(2021, 9, 9),
        type="宣讲",
        title="备份之后",
    )
    user_save(username="late", role="viewer", scope=county.county, password="pw-Late-12345")
    (data_dir / "uploads" / "8").mkdir()
    (data_dir / "uploads" / "8" / "new.csv").write_text("a,b")
    (data_dir / "reports" / "T00" / "报告.docx").unlink()
    (data_dir / "secret_key").write_text("z" * 60)


def _without_restore_entry(snap: dict) -> dict:
    table = AuditEntry._meta.db_table
    restore = set(AuditEntry.objects.filter(event=Event.RESTORE).values_list("pk", flat=True))
    snap = dict(snap)
    snap[table] = [row for row in snap[table] if row[0] not in restore]
    return snap


def test_round_trip_brings_back_every_table_and_file(filled, data_dir, tmp_path):
    before, before_files = snapshot(), files_of(data_dir)
    archive = _backup(tmp_path)
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    _change_everything(filled, data_dir)
    assert snapshot() != before and files_of(data_dir) != before_files

    manifest = backup_restore(archive=archive)

    after = _without_restore_entry(snapshot())
    assert set(after) == set(before)
    for table in before:  # table by table, for a readable failure
        assert after[table] == before[table], table
    assert files_of(data_dir) == before_files
    assert sum(manifest.tables.values()) == sum(len(rows) for rows in before.values())
    # the restore itself is in the log
    assert AuditEntry.objects.filter(event=Event.RESTORE, object_repr="backup.tar.gz").exists()


def test_backup_leaves_out_what_is_rebuilt(filled, data_dir, tmp_path):
    (data_dir / "cache" / "web").mkdir(parents=True)
    (data_dir / "cache" / "web" / "x.djcache").write_bytes(b"x")
    archive = _backup(tmp_path)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "xunzhi-backup/files/secret_key" in names
    assert "xunzhi-backup/files/uploads/7/00-东镇台账.xlsx" in names
    assert not any("/static/" in n or "/cache/" in n for n in names)
    assert "xunzhi-backup/manifest.json" in names


def test_the_command_line_round_trip(tmp_path):
    """``xunzhi backup`` and ``xunzhi restore`` on a real data folder, in Chinese."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE") and not k.startswith("PYTEST")
    }
    env["XUNZHI_DATA_DIR"] = str(tmp_path / "data")

    def cli(*args, ok=True):
        result = subprocess.run(
            [sys.executable, "-m", "xunzhi.cli", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )
        assert (result.returncode == 0) is ok, result.stderr
        return result

    cli("init")
    out = cli("backup", "-o", str(tmp_path / "b.tar.gz")).stdout
    assert "已备份" in out and "张表" in out
    refused = cli("restore", str(tmp_path / "b.tar.gz"), ok=False)
    assert "--yes" in refused.stderr  # no silent replacement without a yes
    assert "已恢复" in cli("restore", str(tmp_path / "b.tar.gz"), "--yes").stdout
    (tmp_path / "foreign.tar.gz").write_bytes(b"not an archive at all")
    bad = cli("restore", str(tmp_path / "foreign.tar.gz"), "--yes", ok=False)
    assert bad.stderr.startswith("错误：") and "未做任何恢复" in bad.stderr
    assert "Traceback" not in bad.stderr


# --- refusals: nothing changes ---------------------------------------------------------------


def _rewrite(archive: Path, target: Path, *, mutate=None, extra=(), manifest=None) -> Path:
    """A copy of ``archive`` with members changed (mutate(name, data) -> data), added or a
    different manifest (a dict changed in place)."""
    with tarfile.open(archive) as src, tarfile.open(target, "w:gz") as dst:
        for info in src:
            data = src.extractfile(info).read() if info.isfile() else b""
            name = info.name.split("/", 1)[1]
            if name == "manifest.json" and manifest is not None:
                raw = json.loads(data)
                manifest(raw)
                data = json.dumps(raw).encode()
            elif mutate is not None:
                data = mutate(name, data)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
        for name, data in extra:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    return target


def _flip(name: str, data: bytes) -> bytes:
    if name.startswith("database."):
        middle = len(data) // 2
        return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]
    return data


def _refused(archive: Path, data_dir: Path, match: str) -> None:
    before, before_files = snapshot(), files_of(data_dir)
    with pytest.raises(UserError, match=match) as info:
        backup_restore(archive=archive)
    assert "未做任何恢复" in str(info.value) or "保持原样" in str(info.value)
    assert snapshot() == before
    assert files_of(data_dir) == before_files
    assert not [p for p in data_dir.iterdir() if p.name.startswith(".restore-")]


def test_damaged_archives_are_refused(filled, data_dir, tmp_path):
    archive = _backup(tmp_path)
    _change_everything(filled, data_dir)
    data = archive.read_bytes()
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(data[: len(data) // 2])
    _refused(truncated, data_dir, "已损坏")
    garbled = tmp_path / "garbled.tar.gz"
    garbled.write_bytes(data[:200] + bytes(b ^ 0x5A for b in data[200:400]) + data[400:])
    _refused(garbled, data_dir, "已损坏|不是巡指")
    flipped = _rewrite(archive, tmp_path / "flipped.tar.gz", mutate=_flip)
    _refused(flipped, data_dir, "校验和不符")
    missing = _rewrite(
        archive,
        tmp_path / "missing.tar.gz",
        manifest=lambda m: m["members"].update({"files/gone.txt": {"size": 1, "sha256": "0"}}),
    )
    _refused(missing, data_dir, "缺少 files/gone.txt")


def test_foreign_archives_are_refused(filled, data_dir, tmp_path):
    archive = _backup(tmp_path)
    text = tmp_path / "note.txt"
    text.write_text("这不是备份")
    _refused(text, data_dir, "已损坏或不是巡指的备份")
    other = tmp_path / "other.tar.gz"
    with tarfile.open(other, "w:gz") as tar:
        info = tarfile.TarInfo("photos/cat.jpg")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"cat"))
    _refused(other, data_dir, "不属于巡指备份")
    escape = _rewrite(
        archive, tmp_path / "escape.tar.gz", extra=[("xunzhi-backup/../../evil.txt", b"x")]
    )
    _refused(escape, data_dir, "不属于巡指备份")
    no_manifest = tmp_path / "no-manifest.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(no_manifest, "w:gz") as dst:
        for info in src:
            if not info.name.endswith("manifest.json"):
                dst.addfile(info, src.extractfile(info))
    _refused(no_manifest, data_dir, "没有有效的备份清单")
    other_engine = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    wrong_engine = _rewrite(
        archive, tmp_path / "engine.tar.gz", manifest=lambda m: m.update(engine=other_engine)
    )
    _refused(wrong_engine, data_dir, "不能直接恢复")
    newer = _rewrite(
        archive,
        tmp_path / "newer.tar.gz",
        manifest=lambda m: m["migrations"]["ledgers"].append("9999_from_the_future"),
    )
    _refused(newer, data_dir, "更新版本")


def test_a_database_copy_its_engine_cannot_read_is_refused(filled, data_dir, tmp_path):
    """Garbage with a correct checksum: the engine's own check refuses it first."""
    archive = _backup(tmp_path)
    import hashlib

    junk = os.urandom(8192)

    def replace(name, data):
        return junk if name.startswith("database.") else data

    def fix(manifest):
        db = manifest["database"]
        manifest["members"][db] = {"size": len(junk), "sha256": hashlib.sha256(junk).hexdigest()}

    forged = _rewrite(archive, tmp_path / "junk.tar.gz", mutate=replace, manifest=fix)
    _refused(forged, data_dir, "数据库")


def test_a_failure_after_the_files_moved_puts_them_back(filled, data_dir, tmp_path, monkeypatch):
    archive = _backup(tmp_path)
    _change_everything(filled, data_dir)

    def broken(dump):
        raise UserError("恢复数据库失败（模拟），数据库保持原样。")

    monkeypatch.setattr("xunzhi.backups.services.database_restore", broken)
    _refused(archive, data_dir, "模拟")


def test_restore_command_runs_in_process(filled, data_dir, tmp_path):
    archive = _backup(tmp_path)
    Activity.objects.all().delete()
    out = io.StringIO()
    call_command("restore", str(archive), "--yes", stdout=out)
    assert "已恢复" in out.getvalue()
    assert Activity.objects.count() == len(filled.branches)
