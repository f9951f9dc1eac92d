"""Copying the database out and back in: SQLite's online backup API, pg_dump/pg_restore.

Both ways run on the connection Django uses (``connection.settings_dict``), so a backup sees a
consistent snapshot while the site keeps running, and a restore replaces everything in one
transaction: it lands whole or not at all.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import IO, cast

from django.db import connection

from xunzhi.lib.errors import UserError

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
#: The database member of an archive, by engine.
DUMP_NAMES = {SQLITE: "database.sqlite3", POSTGRESQL: "database.pgdump"}
ENGINE_LABELS = {SQLITE: "SQLite", POSTGRESQL: "PostgreSQL"}


def current_engine() -> str:
    return SQLITE if connection.vendor == "sqlite" else POSTGRESQL


def database_dump(target: Path) -> None:
    """Write a consistent copy of the current database to ``target``."""
    if current_engine() == SQLITE:
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)
        copy.close()
        return
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"])


def database_check(dump: Path, engine: str) -> None:
    """Refuse a database copy that its own engine cannot read (before anything changes)."""
    if engine == SQLITE:
        try:
            db = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
            try:
                result = db.execute("PRAGMA integrity_check").fetchone()[0]
                db.execute("SELECT count(*) FROM django_migrations").fetchone()
            finally:
                db.close()
        except sqlite3.DatabaseError as exc:
            raise UserError(f"备份中的数据库文件已损坏（{exc}），未做任何恢复。") from exc
        if result != "ok":
            raise UserError(f"备份中的数据库文件未通过完整性检查（{result}），未做任何恢复。")
        return
    try:
        listing = _run(["pg_restore", "--list", str(dump)], connect=False)
    except UserError as exc:
        raise UserError(f"备份中的数据库转储已损坏（{exc}），未做任何恢复。") from exc
    if "TABLE DATA public django_migrations" not in listing:
        raise UserError("备份中的数据库转储不是巡指的数据库，未做任何恢复。")


def database_restore(dump: Path) -> None:
    """Replace the current database by ``dump``, in one transaction."""
    if current_engine() == SQLITE:
        connection.ensure_connection()
        source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
        try:
            # One step (pages=-1): the copy is a single write transaction on the live database.
            source.backup(connection.connection, pages=-1)
        except sqlite3.Error as exc:
            raise UserError(f"恢复数据库失败（{exc}），数据库保持原样。") from exc
        finally:
            source.close()
        return
    connection.ensure_connection()
    tables = connection.introspection.table_names()
    functions = _functions()
    connection.close()  # nothing of ours may hold a lock on the tables dropped below
    drops = dump.with_name("drop-tables.sql")
    drops.write_text(
        "".join(f'DROP TABLE IF EXISTS "{t}" CASCADE;\n' for t in tables)
        + "".join(
            f'DROP FUNCTION IF EXISTS "{name}"({args}) CASCADE;\n' for name, args in functions
        )
    )
    # pg_restore writes the dump as SQL into psql, which runs the drops and all of it as one
    # transaction (--single-transaction over both files): any error rolls everything back.
    script = subprocess.Popen(  # noqa: S603 argv list of the database's own client tools, no shell
        [_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(dump)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = cast(IO[bytes], script.stdout), cast(IO[bytes], script.stderr)  # both PIPEs
    try:
        _run(
            [
                "psql",
                "--quiet",
                "--no-psqlrc",
                "--set=ON_ERROR_STOP=1",
                "--single-transaction",
                f"--file={drops}",
                "--file=-",
            ],
            stdin=out,
        )
    finally:
        out.close()
        script.wait()
    if script.returncode != 0:  # pragma: no cover - psql fails first on a short script
        raise UserError(f"pg_restore 执行失败：{err.read().decode(errors='replace')}")


def _functions() -> list[tuple[str, str]]:
    """The functions of our schema (the activity rollups' triggers), not those of extensions:
    name and argument types. The dump creates them again, so they go with the tables."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.proname, pg_get_function_identity_arguments(p.oid) FROM pg_proc p"
            " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()"
            " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
        )
        return [(name, args) for name, args in cursor.fetchall()]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise UserError(
            f"找不到 PostgreSQL 客户端程序 {name}：请安装 postgresql-client"
            "（见 scripts/system-deps.sh）。"
        )
    return path


def _run(args: list[str], *, connect: bool = True, stdin: IO[bytes] | None = None) -> str:
    args = [_tool(args[0]), *args[1:]]
    env = dict(os.environ)
    if connect:
        db = connection.settings_dict
        args += ["--dbname", db["NAME"]]
        for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
            if db.get(key):
                args += [flag, str(db[key])]
        if db.get("PASSWORD"):
            env["PGPASSWORD"] = str(db["PASSWORD"])
    result = subprocess.run(args, stdin=stdin, capture_output=True, env=env)  # noqa: S603 argv list of the database's own client tools, no shell
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).decode(errors="replace").strip().splitlines()
        name = Path(args[0]).name
        raise UserError(f"{name} 执行失败：{detail[-1] if detail else result.returncode}")
    return result.stdout.decode(errors="replace")
