"""Who is acting and through which interface, for the audit entries written meanwhile.

Each interface sets it once: the web middleware (web or admin, the signed-in user and address),
the command line (``xunzhi …``) and the background tasks (the job's user). Nested contexts
refine the outer one and restore it on exit; a write outside any context is ``system``.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.db import models


class Via(models.TextChoices):
    WEB = "web", "网页"
    ADMIN = "admin", "管理后台"
    CLI = "cli", "命令行"
    TASK = "task", "后台任务"
    SYSTEM = "system", "系统"


@dataclasses.dataclass(frozen=True)
class AuditContext:
    via: str = Via.SYSTEM
    #: the acting user; ``None`` with a ``request`` means "whoever is signed in on it"
    actor: Any = None
    #: shown when there is no user (the command line names the system account)
    actor_name: str = ""
    remote_addr: str | None = None
    request: Any = None
    #: the unit the writes belong to, when the record itself cannot tell (a new user)
    unit: Any = None

    def current_actor(self) -> Any:
        """The acting user: the one set, else the signed-in user of ``request``, else ``None``."""
        if self.actor is not None:
            return self.actor
        user = getattr(self.request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            return user
        return None


_CURRENT: ContextVar[AuditContext] = ContextVar("xunzhi_audit", default=AuditContext())  # noqa: B039 - frozen


def audit_current() -> AuditContext:
    return _CURRENT.get()


@contextlib.contextmanager
def audit_context(**changes: Any) -> Iterator[AuditContext]:
    """Refine the current context (``via``, ``actor``, ``unit`` …) for the writes inside."""
    token = _CURRENT.set(dataclasses.replace(_CURRENT.get(), **changes))
    try:
        yield _CURRENT.get()
    finally:
        _CURRENT.reset(token)
