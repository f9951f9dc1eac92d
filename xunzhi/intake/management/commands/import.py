"""xunzhi import FILE... — import ledgers or rosters from .xlsx/.xls/.csv, all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from xunzhi.campaigns.selectors import campaign_get
from xunzhi.intake.services import ImportResult, kind_choices, ledger_import
from xunzhi.lib.commands import XunzhiCommand
from xunzhi.lib.errors import UserError
from xunzhi.organisations.selectors import org_find

#: Below this many rows no progress bar is drawn.
PROGRESS_MIN_ROWS = 5000
SHOWN_ERRORS = 200


class Command(XunzhiCommand):
    help = "导入台账或组织、领导名册（.xlsx、.xls、.csv）：先校验全部行，有错误则一行也不写入。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="要导入的文件")
        parser.add_argument(
            "--kind",
            choices=[k for k, _label in kind_choices()],
            help="台账类型（默认按表头自动识别）",
        )
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument(
            "--errors-to",
            metavar="PATH",
            help="有错误时写出标注了错误单元格的工作簿（多个文件时为目录）",
        )
        parser.add_argument("--campaign", metavar="CODE", help="学习教育活动代码（默认为当前活动）")
        parser.add_argument("--scope", metavar="CODE", help="只允许导入该组织及其下级的数据")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args: Any, **options: Any) -> None:
        campaign = campaign_get(options["campaign"])
        scope = org_find(options["scope"]) if options["scope"] else None
        paths = [Path(f) for f in options["files"]]
        for path in paths:
            if not path.is_file():
                raise UserError(f"找不到文件：{path}")
        total_bytes = sum(p.stat().st_size for p in paths)
        bar = None
        progress = None
        if not options["no_progress"] and total_bytes > 200_000:
            from tqdm import tqdm

            bar = tqdm(total=100, unit="%", file=sys.stderr, desc="导入", leave=False)

            def progress(done: int, total: int) -> None:
                target = int(100 * done / max(total, 1))
                if target > bar.n:
                    bar.update(target - bar.n)

        try:
            result = ledger_import(
                files=paths,
                campaign=campaign,
                kind=options["kind"],
                scope=scope,
                dry_run=options["dry_run"],
                progress=progress,
            )
        finally:
            if bar is not None:
                bar.close()
        self._summary(result)
        for warning in result.warnings[:SHOWN_ERRORS]:
            self.stdout.write(f"提示：{warning.message}")
        if result.ok:
            verb = "校验通过（未写入，--dry-run）" if result.dry_run else "导入完成"
            self.stdout.write(
                self.style.SUCCESS(
                    f"{verb}：共 {result.rows} 行，新增 {result.added}，更新 {result.updated}，"
                    f"未变 {result.unchanged}。"
                )
            )
            return
        for error in result.errors[:SHOWN_ERRORS]:
            self.stderr.write(error.message)
        if len(result.errors) > SHOWN_ERRORS:
            self.stderr.write(f"……另有 {len(result.errors) - SHOWN_ERRORS} 处错误未列出。")
        if options["errors_to"]:
            self._write_annotated(result, paths, Path(options["errors_to"]))
        raise UserError(f"导入被拒绝：共 {len(result.errors)} 处错误，未写入任何数据。")

    def _summary(self, result: ImportResult) -> None:
        if not result.sheets:
            return
        head = ("文件", "工作表", "类型", "行数", "新增", "更新", "未变", "提示")
        rows = [
            (
                s.file,
                s.sheet,
                s.label,
                str(s.rows),
                str(s.added),
                str(s.updated),
                str(s.unchanged),
                str(s.warnings),
            )
            for s in result.sheets
        ]
        widths = [max(_width(r[i]) for r in (head, *rows)) for i in range(len(head))]
        for line in (head, *rows):
            self.stdout.write(
                "  ".join(_pad(cell, widths[i], i >= 3) for i, cell in enumerate(line))
            )
        extra = {c for s in result.sheets for c in s.extra_columns}
        if extra:
            self.stdout.write("已忽略的列：" + "、".join(sorted(extra)))

    def _write_annotated(self, result: ImportResult, paths: list[Path], target: Path) -> None:
        books = {p: result.annotated_workbook(p.name) for p in paths}
        faulty = {p: book for p, book in books.items() if book is not None}
        if len(paths) == 1 and target.suffix.lower() == ".xlsx":
            outputs = {target: next(iter(faulty.values()))} if faulty else {}
        else:
            target.mkdir(parents=True, exist_ok=True)
            outputs = {target / f"{p.stem}.错误标注.xlsx": book for p, book in faulty.items()}
        for out, book in outputs.items():
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(book)
            self.stderr.write(f"已写出标注错误的工作簿：{out}")


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * (width - _width(text))
    return fill + text if right else text + fill
