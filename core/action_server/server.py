"""`botcoach run actions`: load the user's actions and serve them until Ctrl-C, optionally
re-importing them whenever their files change."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import signal
from collections.abc import Callable, Sequence

from aiohttp import web

from core.errors import ActionServerError, BotcoachError
from core.local_server import LOCAL_NAMES, allowed_hosts, start_site
from core.sdk.constants import DEFAULT_SERVER_PORT
from core.sdk.executor import ActionExecutor

from .app import create_app
from .loader import ActionLoader

logger = logging.getLogger(__name__)

RELOAD_POLL_SECONDS = 1.0


def serve(
    actions: str,
    host: str = "127.0.0.1",
    port: int = DEFAULT_SERVER_PORT,
    cors: Sequence[str] | None = None,
    auto_reload: bool = False,
    announce: Callable[[str], None] = print,
    allow_hosts: Sequence[str] = (),
) -> None:
    """Serve the actions in module/path `actions` until interrupted (blocking).

    Loopback only unless `host` says otherwise: an action server runs the user's code for anyone
    who can reach it. It answers requests addressed to this machine's local names and `host`
    (plus `allow_hosts`; "*" for any). Raises ActionServerError for a bad actions module or a
    port in use.
    """
    loader = ActionLoader(actions)
    executor = ActionExecutor(loader.load())
    hosts = allowed_hosts(host, allow_hosts)
    app = create_app(executor, cors_origins=cors, hosts=hosts)
    if hosts != allowed_hosts("127.0.0.1"):
        names = "any host name" if hosts is None else ", ".join(sorted(hosts - LOCAL_NAMES)) + " and localhost"
        announce(f"Answering requests addressed to {names} (add names with --allow-host)")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_until_stopped(app, loader, executor, host, port, auto_reload, announce))


def listening_line(host: str, port: int, names: Sequence[str]) -> str:
    listed = ", ".join(sorted(names)) or "(none)"
    return f"Action server listening on http://{host}:{port} with {len(names)} actions: {listed}"


async def _serve_until_stopped(
    app: web.Application,
    loader: ActionLoader,
    executor: ActionExecutor,
    host: str,
    port: int,
    auto_reload: bool,
    announce: Callable[[str], None],
) -> None:
    runner = await _start_site(app, host, port)
    try:
        announce(listening_line(host, port, list(executor.actions)))
        stop = asyncio.Event()
        _stop_on_signals(stop)
        watcher = asyncio.create_task(_watch(loader, executor)) if auto_reload else None
        try:
            await stop.wait()
        finally:
            if watcher:
                watcher.cancel()
    finally:
        await runner.cleanup()


async def _start_site(app: web.Application, host: str, port: int) -> web.AppRunner:
    try:
        return await start_site(app, host, port)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise ActionServerError(f"port {port} is in use: stop the other server or pass --port") from None
        raise ActionServerError(
            f"cannot listen on {host}:{port}: {error.strerror or error}", hint="check --host and --port"
        ) from None


def _stop_on_signals(stop: asyncio.Event) -> None:
    """Ctrl-C and SIGTERM end the wait; the finally blocks then close the listening socket."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)


async def _watch(loader: ActionLoader, executor: ActionExecutor) -> None:
    """Poll the actions' files once a second; on a change re-import and swap the registry.
    A broken edit is logged and the previous actions keep serving."""
    while True:
        await asyncio.sleep(RELOAD_POLL_SECONDS)
        if not loader.changed():
            continue
        try:
            actions = loader.load()
        except BotcoachError as error:
            loader.mark_seen()  # retry after the next edit, not every second
            logger.error("Reload failed, still serving the previous actions:\n%s", error)
            continue
        executor.replace_actions(actions)
        logger.info("Reloaded %s: %d actions: %s", loader.spec, len(actions), ", ".join(sorted(actions)))
