"""Is the action server the bot talks to able to run the bot's custom actions?

Asked once when a session starts, so that a person hears it before the first message goes wrong:
nothing listens at the URL (the bot's own `action_session_start` would fail too, and the
conversation start without it), or something listens that does not serve this bot's actions
(another bot's server on the same port). rasa-sdk and botcoach list the actions they serve at
`GET /actions`; a server that lists nothing is taken at its word when it answers `/health`.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable

from core.domain import Domain
from core.runtime.endpoints import EndpointConfig

START = (
    "start this bot's action server there (`botcoach run actions --actions actions`, or `rasa run actions`), "
    "or pass --actions to run the actions inside botcoach"
)
SHOWN = 5  # names listed in a message before "and N more"


def remote_actions(domain: Domain) -> list[str]:
    """The actions the runtime asks the action server for: those the domain lists under
    `actions:` that are neither responses nor forms (a listed default such as
    `action_session_start` is the bot's own version of it, which runs there as well)."""
    responses = set(domain.utterance_actions)
    return [name for name in domain.actions if name not in responses and name not in domain.forms]


def action_server_problem(endpoint: EndpointConfig | None, domain: Domain, timeout: float = 2.0) -> str | None:
    """What stops the action server at `endpoint` from running the domain's custom actions,
    said with what to do, or None when it can (or when the bot has none)."""
    wanted = remote_actions(domain)
    if not wanted:
        return None
    if endpoint is None:
        return (
            f"no action server is configured, so the custom actions ({_names(wanted)}) cannot run: "
            "add action_endpoint to endpoints.yml, or pass --actions"
        )
    base = endpoint.url.removesuffix("/").removesuffix("/webhook")
    try:
        served = _served_actions(base, endpoint, timeout)
        if served is None:
            _get(f"{base}/health", endpoint, timeout)
            return None
    except urllib.error.HTTPError:
        return None  # it answers: a server without /actions and /health is still a server
    except (OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        start = " (the bot's own action_session_start among them: conversations would start without it)"
        return (
            f"the action server at {endpoint.url} is unreachable ({reason}), so the custom actions "
            f"({_names(wanted)}) cannot run{start if 'action_session_start' in wanted else ''}: {START}"
        )
    missing = [name for name in wanted if name not in served]
    if not missing:
        return None
    if len(missing) == len(wanted):
        return (
            f"the action server at {endpoint.url} serves none of this bot's custom actions "
            f"({_names(wanted)}; it serves {_names(sorted(served)) or 'nothing'}): it is probably another "
            f"bot's. Stop it, and {START}; or correct the url under action_endpoint in endpoints.yml"
        )
    return (
        f"the action server at {endpoint.url} does not serve the custom actions {_names(missing)}: define "
        "them in the actions module (a class whose name() returns each) and restart the server"
    )


def _served_actions(base: str, endpoint: EndpointConfig, timeout: float) -> set[str] | None:
    """The names `GET /actions` lists, or None when the server does not list them."""
    try:
        listed = json.loads(_get(f"{base}/actions", endpoint, timeout) or b"null")
    except urllib.error.HTTPError as error:
        if error.code in (404, 405):
            return None
        raise
    except (ValueError, UnicodeDecodeError):
        return None  # not a listing
    if not isinstance(listed, list):
        return None
    return {str(item.get("name")) for item in listed if isinstance(item, dict) and item.get("name")}


# Like the runtime's calls to the action server (aiohttp), these ignore proxy settings.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _get(url: str, endpoint: EndpointConfig, timeout: float) -> bytes:
    if endpoint.params:
        url = f"{url}?{urllib.parse.urlencode(endpoint.params)}"
    with _OPENER.open(url, timeout=timeout) as answer:
        return answer.read(1024**2)


def _names(names: Iterable[str]) -> str:
    names = list(names)
    shown = ", ".join(names[:SHOWN])
    return shown + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")
