"""The second campaign of the tests (党纪学习教育 2024), copied where a test wants it."""

from __future__ import annotations

import shutil
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
DANGJI = "dangji-2024"


def dangji_2024(folder: Path) -> Path:
    """Copy dangji-2024.toml and its template into ``folder``; the path of the .toml."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in (f"{DANGJI}.toml", f"{DANGJI}.report.j2"):
        shutil.copy(DATA / name, folder / name)
    return folder / f"{DANGJI}.toml"
