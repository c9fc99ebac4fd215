"""What every local HTTP server of botcoach shares (`run actions`, the app's own action server, the
conversation graph page): they run code or show data for one person on this machine, so

- a request must be addressed to this machine by name (Host: localhost, 127.0.0.1, ::1, the
  bound address, or names given with --allow-host): a web page cannot reach them by DNS
  rebinding;
- every failure is answered with JSON (`{"error": ..., "status": ...}`), malformed HTTP
  included, and never echoes the request; client errors are logged as one line, not a traceback;
- a connection must send a whole request head within HEADER_TIMEOUT of connecting (or of its
  previous answer): slow or idle clients are closed instead of piling up.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from http import HTTPStatus
from typing import Any

from aiohttp import hdrs, web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.typedefs import Handler, Middleware
from aiohttp.web_request import BaseRequest

from core.limits import HEADER_TIMEOUT, REQUEST_MAX_BYTES

logger = logging.getLogger(__name__)

LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
ANY_ADDRESS = ("", "0.0.0.0", "::")


def allowed_hosts(bound: str, extra: Iterable[str] = ()) -> frozenset[str] | None:
    """The host names a server bound to `bound` answers; None when `extra` holds "*" (any).
    Bound to every interface, the machine's own names are added as well."""
    extra = [name.strip().lower().strip("[]") for name in extra if name.strip()]
    if "*" in extra:
        return None
    names = set(LOCAL_NAMES) | set(extra)
    if bound in ANY_ADDRESS:
        names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
    else:
        names.add(bound.lower().strip("[]"))
    return frozenset(names)


def host_name(host: str) -> str:
    """The name in a Host header, without the port or IPv6 brackets ("[::1]:5005" -> "::1")."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def json_error(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": message, "status": status, **extra}, status=status)


def guard_middlewares(hosts: frozenset[str] | None) -> list[Middleware]:
    """JSON errors (outermost), then the Host check."""

    @web.middleware
    async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException as error:
            if error.status < 400:
                raise
            logger.debug("%s %s: %s", request.method, request.path, error.status)
            answer = json_error(error.status, error.reason)
            for name, value in error.headers.items():  # Allow (405), CORS headers, ...
                if name not in (hdrs.CONTENT_TYPE, hdrs.CONTENT_LENGTH):
                    answer.headers[name] = value
            return answer
        except (web.RequestPayloadError, HttpProcessingError):  # a body aiohttp cannot decode (bad gzip...)
            logger.debug("%s %s: unreadable body", request.method, request.path)
            return json_error(400, "the request body cannot be read (is its Content-Encoding right?)")
        except (asyncio.CancelledError, ConnectionError):
            raise
        except Exception:  # a bug of ours: say so in JSON, keep serving, log the traceback
            logger.exception("internal error answering %s %s", request.method, request.path)
            return json_error(500, "internal error")

    @web.middleware
    async def only_allowed_hosts(request: web.Request, handler: Handler) -> web.StreamResponse:
        if hosts is not None and host_name(request.headers.get(hdrs.HOST, "")) not in hosts:
            logger.info("refused a request for host %.100r", request.headers.get(hdrs.HOST, ""))
            return json_error(
                403,
                "this server answers only requests addressed to this machine "
                "(Host: localhost, 127.0.0.1 or ::1); start it with --allow-host NAME for other names",
            )
        return await handler(request)

    return [json_errors, only_allowed_hosts]


def local_app(
    hosts: frozenset[str] | None, middlewares: Sequence[Middleware] = (), client_max_size: int = REQUEST_MAX_BYTES
) -> web.Application:
    """An aiohttp application behind the guards."""
    return web.Application(middlewares=[*guard_middlewares(hosts), *middlewares], client_max_size=client_max_size)


class _JsonErrorProtocol(web.RequestHandler):
    """aiohttp's connection handler, answering malformed HTTP with JSON and logging it in one line
    (aiohttp answers in plain text and logs a traceback for every bad request)."""

    def handle_error(
        self, request: BaseRequest, status: int = 500, exc: BaseException | None = None, message: str | None = None
    ) -> web.StreamResponse:
        if status >= 500:
            self.logger.error("error handling a request from %s", request.remote, exc_info=exc)
        else:
            self.logger.debug("refused a malformed request from %s (%s)", request.remote, status)
        if request.writer.output_size > 0:  # an answer was already under way: nothing to add
            raise ConnectionError("response already started")
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "error"
        answer = json_error(status, f"malformed request: {phrase}" if status < 500 else "internal error")
        answer.force_close()
        return answer

    def log_exception(self, *args: Any, **kw: Any) -> None:
        """A body that cannot be decoded (bad gzip) fails again while aiohttp discards its rest:
        the client's mistake, one debug line; anything else keeps its traceback."""
        if isinstance(kw.get("exc_info"), (web.RequestPayloadError, HttpProcessingError)):
            self.logger.debug("discarded an undecodable request body: %s", kw["exc_info"])
            return
        super().log_exception(*args, **kw)


def _understood_expectations(handle: Callable[[BaseRequest], Awaitable[web.StreamResponse]]):
    """aiohttp answers an Expect header other than 100-continue before any middleware runs, in
    text that repeats the header (and fails on undecodable bytes): refuse those here, in JSON."""

    async def checked(request: BaseRequest) -> web.StreamResponse:
        expect = request.headers.get(hdrs.EXPECT, "")
        if expect and expect.strip().lower() != "100-continue":
            return json_error(417, "the only Expect header understood is Expect: 100-continue")
        return await handle(request)

    return checked


class _JsonErrorServer(web.Server):
    def __call__(self) -> web.RequestHandler:
        return _JsonErrorProtocol(self, loop=self._loop, **self._kwargs)


class GuardedRunner(web.AppRunner):
    """An AppRunner whose connections close after HEADER_TIMEOUT without a whole request head,
    and whose protocol errors and refused expectations are JSON. aiohttp has no public hook for
    the connection handler, so the server AppRunner builds is rebuilt as `_JsonErrorServer` with
    the same settings."""

    def __init__(self, app: web.Application) -> None:
        # lingering_time: after an early answer (413...), the rest of a body is discarded for 1 s, not 10
        super().__init__(
            app, access_log=None, handle_signals=False, keepalive_timeout=HEADER_TIMEOUT, lingering_time=1.0
        )

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        return _JsonErrorServer(
            _understood_expectations(server.request_handler),
            request_factory=server.request_factory,
            handler_cancellation=server.handler_cancellation,
            loop=server._loop,
            **server._kwargs,
        )


async def start_site(app: web.Application, host: str, port: int) -> GuardedRunner:
    """Serve `app` on host:port; the caller cleans the runner up. OSError when the port is taken."""
    runner = GuardedRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner
