"""The ``xunzhi`` console command: Django management commands with Chinese errors.

``xunzhi demo-data --seed 1`` runs the management command ``demo_data``; hyphens
in command names are accepted for convenience. Errors raised as ``CommandError``
(or an :class:`xunzhi.lib.errors.UserError`) print ``错误：…`` and exit 1, with no
traceback; set ``XUNZHI_TRACEBACK=1`` to see one for unexpected failures.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xunzhi.settings")
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    argv[0] = "xunzhi"
    try:
        from django.core.management import execute_from_command_line

        from xunzhi.audit.context import Via, audit_context

        # What a command changes is logged as done on the command line by this system account.
        with audit_context(via=Via.CLI, actor_name=f"命令行：{_system_user()}"):
            execute_from_command_line(argv)
    except KeyboardInterrupt:
        sys.stderr.write("已中断。\n")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # the last line of defence: no traceback for users
        from xunzhi.lib.errors import describe_exception

        if os.environ.get("XUNZHI_TRACEBACK"):
            raise
        sys.stderr.write(f"错误：{describe_exception(exc)}\n")
        sys.exit(1)


def _system_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return str(os.getuid())


if __name__ == "__main__":  # pragma: no cover
    main()
