"""`botcoach run actions`: start the action server that hosts the bot's custom actions."""

from __future__ import annotations

import argparse
import logging

from core.action_server import serve
from core.errors import BotcoachError
from core.sdk.constants import DEFAULT_SERVER_PORT


def run(args: argparse.Namespace) -> int:
    """Serve the actions named by `args.actions` until Ctrl-C; 0 on a clean stop.

    Errors a user can cause (a broken actions module, a port in use) raise BotcoachError for the
    CLI to print.
    """
    subcommand = getattr(args, "subcommand", "actions") or "actions"
    if subcommand != "actions":
        raise BotcoachError(f"unknown 'run' target '{subcommand}'", hint="use: botcoach run actions")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(
        actions=getattr(args, "actions", None) or "actions",
        host=getattr(args, "host", None) or "127.0.0.1",
        port=getattr(args, "port", None) or DEFAULT_SERVER_PORT,
        cors=getattr(args, "cors", None) or None,
        auto_reload=bool(getattr(args, "auto_reload", False)),
        allow_hosts=getattr(args, "allow_host", None) or (),
    )
    print("Action server stopped.")
    return 0
