"""Typed readers of environment variables that refuse bad values loudly.

Modelled on healthchecks' ``envbool``: a setting that is mistyped must stop the
process at start-up with a message naming the variable, not fall back silently.
"""

from __future__ import annotations

import os
from pathlib import Path


class EnvError(ValueError):
    """An environment variable holds a value the application cannot accept."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise EnvError(f"环境变量 {name} 的值“{raw}”无效：只能是 true 或 false。")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise EnvError(f"环境变量 {name} 的值“{raw}”无效：必须是整数。") from exc
    if value < minimum:
        raise EnvError(f"环境变量 {name} 的值 {value} 无效：不能小于 {minimum}。")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name)
    path = Path(raw) if raw else default
    return path.expanduser().resolve()
