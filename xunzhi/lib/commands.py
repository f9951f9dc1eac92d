"""Base class for xunzhi management commands: Chinese errors, exit code 1, no traceback."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import (
    BaseCommand,
    CommandError,
    SystemCheckError,
    handle_default_options,
)
from django.db import connections

from xunzhi.lib.errors import UserError, describe_exception


class XunzhiCommand(BaseCommand):
    """Turns any failure into ``错误：…`` on stderr and exit status 1 (2 for usage errors)."""

    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except UserError as exc:
            raise CommandError(str(exc)) from exc

    def run_from_argv(self, argv: list[str]) -> None:
        self._called_from_command_line = True
        parser = self.create_parser(argv[0], argv[1])
        options = parser.parse_args(argv[2:])
        cmd_options = vars(options)
        args = cmd_options.pop("args", ())
        handle_default_options(options)
        try:
            self.execute(*args, **cmd_options)
        except SystemCheckError as exc:
            self.stderr.write(str(exc), lambda x: x)
            sys.exit(1)
        except Exception as exc:
            if options.traceback or os.environ.get("XUNZHI_TRACEBACK"):
                raise
            message = str(exc) if isinstance(exc, CommandError) else describe_exception(exc)
            self.stderr.write(f"错误：{message}")
            sys.exit(getattr(exc, "returncode", 1) or 1)
        finally:
            connections.close_all()
