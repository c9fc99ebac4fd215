"""Our action server in a background thread for the length of an interactive session
(`botcoach interactive --actions MODULE`), bound to 127.0.0.1 on a free port."""

from __future__ import annotations

import asyncio
import gc
import socket
import threading

from aiohttp import web

from core.action_server import create_app
from core.action_server.loader import ActionLoader
from core.errors import ActionServerError
from core.local_server import start_site


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class BackgroundActionServer:
    """`start()` imports the actions (ActionServerError for a broken module) and serves them."""

    def __init__(self, actions: str, port: int | None = None) -> None:
        self.actions = actions
        self.port = port or free_port()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._loader: ActionLoader | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"

    def start(self) -> str:
        """Import the actions in the server's own thread, the one their async code runs on, as
        rasa-sdk does: what a module makes on import (a database connection) stays usable there."""
        ready = threading.Event()
        problems: list[BaseException] = []
        self._loop = loop = asyncio.new_event_loop()

        async def begin() -> None:
            self._loader = ActionLoader(self.actions)
            app = create_app(self._loader.load())
            self._runner = await start_site(app, "127.0.0.1", self.port)

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(begin())
            except (OSError, ActionServerError) as error:
                problems.append(error)
                ready.set()
                return
            ready.set()
            loop.run_forever()

        self._thread = threading.Thread(target=serve, name="botcoach-actions", daemon=True)
        self._thread.start()
        ready.wait(60)  # importing the actions may take a while (their own dependencies)
        if problems and isinstance(problems[0], ActionServerError):
            self._loop = None
            raise problems[0]
        if problems:
            raise ActionServerError(
                f"cannot start the action server on 127.0.0.1:{self.port}: {problems[0]}",
                hint="pass another port, or stop what uses it",
            )
        return self.url

    def stop(self) -> None:
        loop = self._loop
        if loop is None or self._runner is None:
            return
        asyncio.run_coroutine_threadsafe(self._end(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(5)
        self._loop = None

    async def _end(self) -> None:
        """Stop serving, then let go of the actions on this thread, where they made their
        resources, so that releasing them does not fail (sqlite3 refuses other threads)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._loader is not None:
            self._loader.unload()
            self._loader = None
        gc.collect()
