"""The action server's HTTP face, speaking the Rasa SDK wire protocol with aiohttp:
POST /webhook runs an action, GET /actions lists them, GET /health answers "ok"."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from aiohttp import web

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


def create_app(
    registry: ActionExecutor | Mapping[str, Action],
    cors_origins: Sequence[str] | None = None,
) -> web.Application:
    """An aiohttp app serving these actions; `cors_origins` ("*" or origins) turns CORS on."""
    executor = registry if isinstance(registry, ActionExecutor) else ActionExecutor(registry)
    middlewares = [_cors_middleware(list(cors_origins))] if cors_origins else []
    app = web.Application(middlewares=middlewares, client_max_size=64 * 1024**2)
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
    """Run the requested action; errors answer as rasa_sdk does (400, 404, 449, 500 + JSON)."""
    body = await _read_json(request)
    if not isinstance(body, dict):
        return web.json_response({"error": "Invalid body request"}, status=400)
    action_name = body.get("next_action")
    if not isinstance(action_name, str) or not action_name:
        return web.json_response({"error": "Invalid body request: no 'next_action' given"}, status=400)
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
    except Exception as error:  # the user's code failed: keep serving, tell the caller
        logger.exception("Action '%s' raised an exception", action_name)
        return web.json_response(
            {"error": f"{type(error).__name__}: {error}", "action_name": action_name, "request_body": body},
            status=500,
            dumps=_lenient_dumps,
        )
    return web.json_response(result, dumps=_lenient_dumps)


async def _read_json(request: web.Request) -> Any:
    """The body as JSON, or None when it is not JSON (aiohttp already undid gzip/deflate)."""
    try:
        return json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        return None


def _lenient_dumps(value: Any) -> str:
    """Actions often put dates or decimals in slots; send their text rather than fail the turn."""
    return json.dumps(value, default=str)


def _cors_middleware(origins: list[str]) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
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
                if allowed:
                    _allow(error, origin, allow_any)
                raise
        if allowed:
            _allow(response, origin, allow_any)
        return response

    return cors


def _allow(response: web.StreamResponse, origin: str, allow_any: bool) -> None:
    response.headers["Access-Control-Allow-Origin"] = "*" if allow_any else origin
    if not allow_any:
        response.headers["Vary"] = "Origin"
