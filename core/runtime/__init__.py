"""The dialogue runtime: the agent's message loop and step-by-step API, the actions it runs
(built-in, responses, remote custom actions), and the registry the composition root extends."""

from core.runtime.actions import Action, ActionContext, ActionRejected
from core.runtime.agent import Agent, Turn, user_uttered
from core.runtime.endpoints import EndpointConfig, Endpoints, load_endpoints, read_endpoints
from core.runtime.registry import ActionRegistry
from core.runtime.responses import ResponseGenerator, bot_uttered

__all__ = [
    "Action",
    "ActionContext",
    "ActionRegistry",
    "ActionRejected",
    "Agent",
    "EndpointConfig",
    "Endpoints",
    "ResponseGenerator",
    "Turn",
    "bot_uttered",
    "load_endpoints",
    "read_endpoints",
    "user_uttered",
]
