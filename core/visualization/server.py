"""Serves the live conversation graph to a browser, beside the terminal app.

The server runs in a thread of its own with its own event loop, so the app's loop is never
blocked and the app needs no async code: `start()`, `update(graph)` and `stop()` are plain,
thread-safe calls. The page polls `/graph.svg` every 500 ms and swaps the drawing when the version
changed. It is bound to 127.0.0.1 unless told otherwise and has the guards of every local server
(core/local_server.py): it answers only requests addressed to this machine by name (a guard
against DNS rebinding from a web page), every failure in JSON, and closes slow clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import threading

import networkx as nx
from aiohttp import web

from core.local_server import allowed_hosts, local_app, start_site
from core.visualization.graph import StoryGraph
from core.visualization.svg import render_html, render_svg

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5005
PAGE = "/visualization.html"


class VisualizationServer:
    def __init__(self, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, title: str = "botcoach: conversation"):
        self.host = host
        self.port = port  # the real port once started (useful with port 0)
        self.title = title
        self._lock = threading.Lock()
        self._graph = StoryGraph(nx.MultiDiGraph())
        self._version = 0
        self._svg: tuple[int, str] | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{PAGE}"

    # -- called from any thread ---------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> tuple[bool, str]:
        """(True, where to look) once serving; (False, why not) if the port is taken or the
        address unusable. Never raises for those: the app says so and carries on without it."""
        if self._thread is not None:
            return True, f"conversation graph at {self.url}"
        ready = threading.Event()
        outcome: dict[str, object] = {}
        thread = threading.Thread(target=self._run, args=(ready, outcome), name="visualization-server", daemon=True)
        thread.start()
        if not ready.wait(timeout):
            return False, f"the graph server did not start within {timeout:.0f} s"
        if "error" in outcome:
            thread.join(timeout)
            return False, str(outcome["error"])
        self._thread = thread
        return True, f"conversation graph at {self.url}"

    def update(self, graph: StoryGraph) -> None:
        """Show `graph` from now on. Pass a graph built for this call; it is drawn later, on
        the server's thread, when a browser asks for it."""
        with self._lock:
            self._graph = graph
            self._version += 1

    def stop(self, timeout: float = 5.0) -> None:
        loop, stopping, thread = self._loop, self._stopping, self._thread
        if loop is None or stopping is None or thread is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop already ended
            loop.call_soon_threadsafe(stopping.set)
        thread.join(timeout)
        self._thread = None

    # -- the server's thread --------------------------------------------------------------------

    def _run(self, ready: threading.Event, outcome: dict[str, object]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve(ready, outcome))
        except Exception as error:  # noqa: BLE001 - reported to start(), never kills the app
            outcome.setdefault("error", f"the graph server stopped: {error}")
            ready.set()
        finally:
            loop.close()

    async def _serve(self, ready: threading.Event, outcome: dict[str, object]) -> None:
        self._stopping = asyncio.Event()
        app = local_app(allowed_hosts(self.host))
        app.router.add_get("/", self._page)
        app.router.add_get(PAGE, self._page)
        app.router.add_get("/graph.svg", self._svg_handler)
        app.router.add_get("/graph.json", self._json_handler)
        app.router.add_get("/favicon.ico", self._no_content)
        try:
            runner = await start_site(app, self.host, self.port)
        except OSError as error:
            outcome["error"] = self._explain(error)
            ready.set()
            return
        try:
            self.port = runner.addresses[0][1]
            ready.set()
            await self._stopping.wait()
        finally:
            await runner.cleanup()

    def _explain(self, error: OSError) -> str:
        if error.errno == errno.EADDRINUSE:
            return (
                f"port {self.port} on {self.host} is already in use, so the conversation graph is not "
                f"served; pick another one with --port, or use --skip-visualization"
            )
        return f"cannot serve the conversation graph on {self.host}:{self.port}: {error.strerror or error}"

    def _snapshot(self) -> tuple[int, str]:
        """The current version and its SVG, drawn once per version."""
        with self._lock:
            graph, version, cached = self._graph, self._version, self._svg
        if cached is not None and cached[0] == version:
            return cached
        drawn = (version, render_svg(graph))
        with self._lock:
            if self._version == version:
                self._svg = drawn
        return drawn

    async def _page(self, request: web.Request) -> web.Response:
        with self._lock:
            graph, version = self._graph, self._version
        html = render_html(graph, self.title, live_version=str(version))
        return web.Response(text=html, content_type="text/html", headers={"Cache-Control": "no-store"})

    async def _svg_handler(self, request: web.Request) -> web.Response:
        version, svg = self._snapshot()
        headers = {"Cache-Control": "no-store", "X-Graph-Version": str(version)}
        if request.query.get("known") == str(version):
            return web.Response(status=204, headers=headers)
        return web.Response(text=svg, content_type="image/svg+xml", headers=headers)

    async def _json_handler(self, request: web.Request) -> web.Response:
        with self._lock:
            graph, version = self._graph, self._version
        body = json.dumps({"version": version, **graph.as_json()}, default=str)
        return web.Response(text=body, content_type="application/json", headers={"Cache-Control": "no-store"})

    async def _no_content(self, request: web.Request) -> web.Response:
        return web.Response(status=204)
