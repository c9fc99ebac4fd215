"""The action server's HTTP face, speaking the Rasa SDK wire protocol with aiohttp:
POST /webhook runs an action, GET /actions lists them, GET /health answers "ok".

It runs the user's code for whoever reaches it, so beside the guards every local server has
(core/local_server.py: Host allow-list, JSON errors, header timeout) a webhook call must say
`Content-Type: application/json` (a web page cannot send that to another site without a CORS
preflight, which is refused unless --cors allows its origin), its body must arrive within
BODY_TIMEOUT and nest at most JSON_MAX_DEPTH deep, and no answer repeats the request.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

from core.jsonio import JSONTooDeepError, loads_bounded
from core.limits import BODY_TIMEOUT, JSON_MAX_DEPTH
from core.local_server import LOCAL_NAMES, json_error, local_app
from core.sdk.executor import ActionExecutor
from core.sdk.interfaces import (
    Action,
    ActionExecutionRejection,
    ActionMissingDomainException,
    ActionNotFoundException,
)

logger = logging.getLogger(__name__)

EXECUTOR: web.AppKey[ActionExecutor] = web.AppKey("executor", ActionExecutor)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


NAME_MAX_CHARS = 200  # a longer `next_action` is no action name, and is not repeated back


def create_app(
    registry: ActionExecutor | Mapping[str, Action],
    cors_origins: Sequence[str] | None = None,
    hosts: frozenset[str] | None = LOCAL_NAMES,
) -> web.Application:
    """An aiohttp app serving these actions; `cors_origins` ("*" or origins) turns CORS on;
    `hosts` are the Host names it answers (None: any; see core.local_server.allowed_hosts)."""
    executor = registry if isinstance(registry, ActionExecutor) else ActionExecutor(registry)
    app = local_app(hosts, [_cors_middleware(list(cors_origins))] if cors_origins else [])
    app[EXECUTOR] = executor
    app.router.add_post("/webhook", webhook)
    app.router.add_get("/actions", list_actions)
    app.router.add_get("/health", health)
    return app


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def list_actions(request: web.Request) -> web.Response:
    return web.json_response(request.app[EXECUTOR].list_actions())


async def webhook(request: web.Request) -> web.Response:
    """Run the requested action; errors answer as rasa_sdk does (400, 404, 449, 500 + JSON), and
    415 for a body not sent as JSON, 408 for one that does not arrive in time."""
    if request.content_type != "application/json":
        return json_error(415, "the body must be JSON, sent with Content-Type: application/json")
    try:
        async with asyncio.timeout(BODY_TIMEOUT):
            raw = await request.read()
    except TimeoutError:
        return json_error(408, f"the request body did not arrive within {BODY_TIMEOUT:g} s")
    try:
        body = loads_bounded(raw)
    except JSONTooDeepError:
        return json_error(400, f"Invalid body request: JSON nested more than {JSON_MAX_DEPTH} levels deep")
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        return web.json_response({"error": "Invalid body request"}, status=400)
    action_name = body.get("next_action")
    if not isinstance(action_name, str) or not action_name:
        return web.json_response({"error": "Invalid body request: no 'next_action' given"}, status=400)
    if len(action_name) > NAME_MAX_CHARS:
        return json_error(400, f"Invalid body request: 'next_action' is longer than {NAME_MAX_CHARS} characters")
    if "tracker" in body and not isinstance(body["tracker"], dict):
        return web.json_response(
            {"error": "Invalid body request: 'tracker' is not an object", "action_name": action_name}, status=400
        )
    try:
        result = await request.app[EXECUTOR].run(body)
    except ActionExecutionRejection as error:
        logger.debug("Action '%s' rejected execution: %s", action_name, error)
        return web.json_response({"error": error.message, "action_name": error.action_name}, status=400)
    except ActionNotFoundException as error:
        logger.error("%s", error)
        return web.json_response({"error": error.message, "action_name": error.action_name}, status=404)
    except ActionMissingDomainException as error:
        return web.json_response({"error": error.message, "action_name": error.action_name}, status=449)
    except Exception as error:  # the user's code failed: keep serving, tell the caller (not the request)
        logger.exception("Action '%s' raised an exception", action_name)
        text = f"{type(error).__name__}: {error}"
        return web.json_response(
            {"error": text if len(text) <= 500 else text[:500] + "...", "action_name": action_name}, status=500
        )
    return web.json_response(result, dumps=_lenient_dumps)


def _lenient_dumps(value: Any) -> str:
    """Actions often put dates or decimals in slots; send their text rather than fail the turn."""
    return json.dumps(value, default=str)


def _cors_middleware(origins: list[str]) -> Middleware:
    allow_any = "*" in origins

    @web.middleware
    async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        allowed = origin is not None and (allow_any or origin in origins)
        if request.method == "OPTIONS" and allowed and "Access-Control-Request-Method" in request.headers:
            response: web.StreamResponse = web.Response(status=200)
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            requested = request.headers.get("Access-Control-Request-Headers")
            if requested:
                response.headers["Access-Control-Allow-Headers"] = requested
        else:
            try:
                response = await handler(request)
            except web.HTTPException as error:  # unknown route or method: still tell the browser
                if allowed and origin is not None:
                    _allow(error, origin, allow_any)
                raise
        if allowed and origin is not None:
            _allow(response, origin, allow_any)
        return response

    return cors


def _allow(response: web.StreamResponse, origin: str, allow_any: bool) -> None:
    response.headers["Access-Control-Allow-Origin"] = "*" if allow_any else origin
    if not allow_any:
        response.headers["Vary"] = "Origin"
