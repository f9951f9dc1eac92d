"""Faults against a real ``xunzhi serve``: hostile files, a job process killed mid-import, the
worker itself killed. The service stays up, every job ends 失败 with a Chinese reason, and the
database is as it was (issue 9, row 1 and the fault tests)."""

from __future__ import annotations

import io
import os
import re
import signal
import time

import pytest
from openpyxl import Workbook

from tests.live import LiveServer, activities_book, job_id
from xunzhi.lib.sandbox import pid_alive


def far_cells_book(*cells: str) -> bytes:
    wb = Workbook()
    for ref in cells:
        wb.active[ref] = "x"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("serve"))
    yield live
    live.stop()


def _activities(server) -> int:
    return server.query("SELECT count(*) FROM ledgers_activity")[0][0]


def test_far_cell_is_refused_and_the_worker_goes_on(server):
    """The 1.7 KB repro: one cell at XFD1048576 (and one at A1 too) is refused by name of the
    limit; the worker survives and the next import is checked normally."""
    clerk = server.client("clerk")
    for cells in (("XFD1048576",), ("A1", "XFD1048576")):
        response = server.upload(clerk, "远处.xlsx", far_cells_book(*cells))
        job = server.wait_job(job_id(response), timeout=60)
        assert job["status"] == "done", job
        assert not job["result"]["ok"]
        (error,) = job["result"]["errors"]
        assert "1048576 行" in error and "500000 行的上限" in error
    ok = server.wait_job(job_id(server.upload(clerk, "好.xlsx", activities_book(3))), timeout=60)
    assert ok["status"] == "done" and ok["result"]["ok"], ok


def test_memory_ceiling_ends_the_job_not_the_worker(tmp_path):
    """With the prechecks out of the way (limits raised), the reader's 512 GB allocation hits
    the job's memory ceiling: the job process dies, the job ends 失败 naming the ceiling, and
    the worker goes on with the next job."""
    live = LiveServer(
        tmp_path,
        XUNZHI_IMPORT_MAX_ROWS="2000000",
        XUNZHI_IMPORT_MAX_COLUMNS="20000",
        XUNZHI_IMPORT_MAX_CELLS="100000000000",
        XUNZHI_JOB_MEMORY_MB="1024",
    )
    try:
        clerk = live.client("clerk")
        worker = live.worker_pid()
        job = live.wait_job(
            job_id(live.upload(clerk, "炸.xlsx", far_cells_book("A1", "XFD1048576")))
        )
        assert job["status"] == "failed", job
        assert "内存超过上限（1024 MB）" in job["message"]
        assert live.worker_pid() == worker and pid_alive(worker)
        ok = live.wait_job(job_id(live.upload(clerk, "好.xlsx", activities_book(3))), timeout=60)
        assert ok["status"] == "done" and ok["result"]["ok"], ok
    finally:
        live.stop()


def _confirm_big(server, client, rows: int, title: str) -> int:
    response = server.upload(client, "大.xlsx", activities_book(rows, title=title))
    dry_id = job_id(response)
    dry = server.wait_job(dry_id, timeout=300)
    assert dry["status"] == "done" and dry["result"]["ok"], dry
    return server.confirm(client, dry_id)


def _writing(server, pk: int) -> dict:
    """Wait until the import is in its write phase (progress past half), return the job."""

    def writing(job):
        if job["status"] in ("done", "failed"):
            return True
        page = server.client_cache.get(f"/jobs/{pk}/progress/").text
        m = re.search(r"(\d+)/(\d+)", page)
        return bool(m) and int(m[1]) * 2 > int(m[2])

    return server.wait_job(pk, timeout=300, until=writing)


def test_kill_9_of_the_job_process_mid_import(server):
    """kill -9 of the process writing an import: the job ends 失败 with a reason, nothing of the
    import is in the database, and the worker takes the next job."""
    clerk = server.client("clerk")
    server.client_cache = clerk
    before = _activities(server)
    pk = _confirm_big(server, clerk, 60_000, "强杀")
    job = _writing(server, pk)
    assert job["status"] == "running", f"导入在被终止前已结束：{job}"
    child = job["params"]["worker"]["child"]
    os.kill(child, signal.SIGKILL)
    job = server.wait_job(pk, timeout=60)
    assert job["status"] == "failed" and "强制终止" in job["message"], job
    assert _activities(server) == before
    assert not server.query("SELECT count(*) FROM ledgers_activity WHERE title LIKE '强杀%'")[0][0]
    ok = server.wait_job(job_id(server.upload(clerk, "好.xlsx", activities_book(3))), timeout=60)
    assert ok["status"] == "done", ok


def test_worker_killed_mid_job_is_detected_and_restarted(server):
    """kill -9 of the worker itself: serve starts a new one, which fails the job the dead one
    left 进行中; the database is as it was and later jobs run."""
    clerk = server.client("clerk")
    server.client_cache = clerk
    before = _activities(server)
    pk = _confirm_big(server, clerk, 60_000, "杀进程")
    job = _writing(server, pk)
    assert job["status"] == "running", f"导入在被终止前已结束：{job}"
    worker = job["params"]["worker"]["pid"]
    child = job["params"]["worker"]["child"]
    os.kill(worker, signal.SIGKILL)
    job = server.wait_job(pk, timeout=90)
    assert job["status"] == "failed" and "后台任务进程意外终止" in job["message"], job
    deadline = time.monotonic() + 10
    while pid_alive(child) and time.monotonic() < deadline:  # the job process died with it
        time.sleep(0.2)
    assert not pid_alive(child)
    assert _activities(server) == before
    new_worker = server.worker_pid()
    assert new_worker and new_worker != worker
    assert "后台任务进程已退出" in server.output()
    ok = server.wait_job(job_id(server.upload(clerk, "好.xlsx", activities_book(3))), timeout=90)
    assert ok["status"] == "done", ok


def test_a_long_write_makes_web_edits_wait_not_fail(server):
    """While another process holds SQLite's write lock for 12 s (a long import), a web save
    waits and succeeds (it gave 500 "database is locked" after 10 s), and the worker keeps
    running the job queued meanwhile (issue 9, row 6)."""
    import sqlite3
    import threading

    from tests.live import csrf

    assert server.query("PRAGMA journal_mode")[0][0] == "wal"
    clerk = server.client("clerk")
    url = "/values/T11/2021-06/"
    token = csrf(clerk.get(url).text)
    version = int(re.search(r'name="version" value="(\d+)"', clerk.get(url).text)[1])
    held = threading.Event()

    def hold_lock() -> None:
        con = sqlite3.connect(server.data_dir / "xunzhi.sqlite3", isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(12)
        con.execute("COMMIT")
        con.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    held.wait()
    started = time.monotonic()
    queued = server.upload(clerk, "好.xlsx", activities_book(3))
    response = clerk.post(
        url,
        data={
            "action": "save",
            "v_专班抽调人数": "3",
            "version": str(version),
            "csrfmiddlewaretoken": token,
        },
        headers={"Referer": server.base + url},
    )
    waited = time.monotonic() - started
    holder.join()
    assert response.status_code == 302, response.text[:300]
    assert waited > 5  # it did wait for the lock
    ((value,),) = server.query(
        "SELECT CAST(value AS TEXT) FROM ledgers_reportedvalue WHERE item='专班抽调人数'"
    )
    assert value.startswith("3")
    job = server.wait_job(job_id(queued), timeout=120)
    assert job["status"] == "done", job
    assert pid_alive(server.worker_pid())
