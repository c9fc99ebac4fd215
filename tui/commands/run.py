"""`botcoach run actions`: start the action server that hosts the bot's custom actions."""

from __future__ import annotations

import logging

from core.action_server import serve
from tui.settings import RunActionsSettings


def run(options: RunActionsSettings) -> int:
    """Serve the actions named by `options.actions` until Ctrl-C; 0 on a clean stop.

    Errors a user can cause (a broken actions module, a port in use) raise BotcoachError for the
    CLI to print.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(
        actions=options.actions,
        host=options.host,
        port=options.port,
        cors=list(options.cors) or None,
        auto_reload=options.auto_reload,
        allow_hosts=options.allow_host,
    )
    print("Action server stopped.")
    return 0
