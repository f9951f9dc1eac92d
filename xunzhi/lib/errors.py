"""User-facing errors: raised by services with a Chinese message, shown as is by every interface."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError


class UserError(Exception):
    """A fault in the user's input or request; the message is Chinese and complete."""


def describe_exception(exc: BaseException) -> str:
    """A one-line Chinese description of an exception that reached the command line."""
    if isinstance(exc, UserError):
        return str(exc)
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    from xunzhi.lib.env import EnvError

    if isinstance(exc, EnvError):
        return str(exc)
    if isinstance(exc, IntegrityError):
        return f"数据冲突，未写入任何内容（{exc}）。"
    if isinstance(exc, DatabaseError):
        return f"数据库操作失败（{type(exc).__name__}：{exc}）。请先运行 xunzhi init 检查数据库。"
    return f"内部错误（{type(exc).__name__}：{exc}）。设置 XUNZHI_TRACEBACK=1 可查看详细信息。"
