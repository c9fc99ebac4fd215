"""`botcoach ...`: Rasa's command names and flags (tui/cli_parser.py), dispatched to one module
per command.

Only argparse and the standard library are imported here, so `botcoach --help` answers at once;
each command's module (tui/commands/<name>.py, which may load torch or textual) is imported
only when that command runs.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import traceback

from core.errors import BotcoachError
from tui import settings
from tui.cli_parser import PROG, build_parser


def _configure_logging(args: argparse.Namespace) -> None:
    level = (
        logging.DEBUG
        if args.debug
        else logging.INFO
        if args.verbose
        else logging.ERROR
        if args.quiet
        else logging.WARNING
    )
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger().setLevel(level)  # also when something configured logging before us


def _print_error(text: str, hint_style: str = "red") -> None:
    """Red on stderr via rich; the text is never read as rich markup ([text](entity) stays as is)."""
    from rich.console import Console  # noqa: PLC0415 - 60-90 ms with rich.text: only when there is an error
    from rich.text import Text  # noqa: PLC0415 - with rich.console

    Console(stderr=True, highlight=False, soft_wrap=True).print(Text(text, style=hint_style))


def _dispatch(args: argparse.Namespace) -> int:
    module = importlib.import_module(f"tui.commands.{args.command}")  # lazily: --help stays fast
    result = module.run(settings.settings_for(args))
    return 0 if result is None else int(result)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version and usage errors: argparse already printed
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 2)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    _configure_logging(args)
    try:
        return _dispatch(args)
    except BotcoachError as error:
        _print_error(str(error))
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # noqa: BLE001 - the last line of defence: one line, no traceback
        _print_error(
            f"{PROG}: internal error: {type(error).__name__}: {error}"
            + ("" if args.debug else " (run again with --debug for the traceback)")
        )
        if args.debug:
            traceback.print_exc(file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
