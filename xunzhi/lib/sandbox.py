"""Running a piece of work in a forked child process with a memory ceiling and a time limit.

The background worker runs every job this way: whatever a hostile file does to the reader (a
panic, an allocation of 512 GB, a segfault in a C library, an endless loop), only the child
dies; the worker sees how it ended and records the job as failed, with a reason in Chinese.

The ceiling is ``RLIMIT_AS`` (address space) set in the child only: an allocation beyond it
fails at once (a ``MemoryError`` in Python, an abort in Rust) instead of the machine swapping.
Database connections are closed before the fork, so the child opens its own and the parent's
are never shared; a child killed mid-transaction leaves the database as it was (SQLite and
PostgreSQL roll the open transaction back).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections


@dataclass
class ChildOutcome:
    exitcode: int | None
    timed_out: bool
    seconds: float
    pid: int | None

    @property
    def ok(self) -> bool:
        return self.exitcode == 0 and not self.timed_out

    def reason(self, *, memory_mb: int | None, timeout: int) -> str:
        """Why the child did not finish, in Chinese (empty when it did)."""
        if self.timed_out:
            return f"任务运行超过 {timeout} 秒（时间上限）仍未完成，已被停止，未写入任何数据。"
        code = self.exitcode
        if code == 0:
            return ""
        if code is not None and code < 0:
            sig = -code
            if sig == signal.SIGKILL:
                return "任务进程被强制终止（可能是系统内存不足或被管理员结束），未写入任何数据。"
            if sig in (signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS) and memory_mb:
                return (
                    f"处理时内存超过上限（{memory_mb} MB）或读取程序异常终止，任务已停止，"
                    "未写入任何数据。请检查文件是否过大或已损坏。"
                )
            return f"任务进程意外终止（信号 {signal.Signals(sig).name}），未写入任何数据。"
        return "任务进程异常退出，未写入任何数据。"


def _die_with_parent() -> None:
    """Linux: the child is killed when the worker dies, so no orphan finishes a job that the
    restarted worker has already failed."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def _child(work: Callable[[], None], memory_bytes: int | None) -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):  # not the worker's graceful-shutdown handlers
        signal.signal(sig, signal.SIG_DFL)
    _die_with_parent()
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        work()
    finally:
        connections.close_all()


def run_in_child(
    work: Callable[[], None],
    *,
    memory_mb: int | None,
    timeout: int,
    started: Callable[[int], None] | None = None,
) -> ChildOutcome:
    """Run ``work()`` in a forked child; ``started(pid)`` is told the child's process id.

    The child's exit code is 0 when ``work`` returned, 1 when it raised (the traceback goes to
    stderr), or minus the signal that killed it. Past ``timeout`` seconds it is killed.
    """
    connections.close_all()
    context = multiprocessing.get_context("fork")
    memory = memory_mb * 1024 * 1024 if memory_mb else None
    process = context.Process(target=_child, args=(work, memory), daemon=False)
    begin = time.monotonic()
    process.start()
    if started is not None and process.pid is not None:
        started(process.pid)
    process.join(timeout)
    timed_out = process.is_alive()
    if timed_out:
        process.kill()
        process.join()
    outcome = ChildOutcome(
        exitcode=process.exitcode,
        timed_out=timed_out,
        seconds=time.monotonic() - begin,
        pid=process.pid,
    )
    process.close()
    return outcome


def pid_alive(pid: int) -> bool:
    """Whether a process of this machine with that id still runs (zombies count as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True
