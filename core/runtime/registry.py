"""The registry that maps an action name to the thing that runs it.

Core registers its defaults, response actions and remote custom actions; the composition root
(the CLI, the app) adds what lives above core, such as the form loop and slot validation, with
`register` or `add_resolver`: core never imports forms.
"""

from __future__ import annotations

from collections.abc import Callable

from core.domain import Domain
from core.errors import ActionServerError
from core.runtime.action_client import ActionClient
from core.runtime.actions import (
    Action,
    BackAction,
    DeactivateLoopAction,
    DefaultFallbackAction,
    EndToEndResponseAction,
    ListenAction,
    NoOpAction,
    ResponseAction,
    RestartAction,
    RetrievalResponseAction,
    SessionStartAction,
)
from core.runtime.endpoints import EndpointConfig
from core.runtime.fallback import (
    AskAffirmationAction,
    AskRephraseAction,
    RevertFallbackEventsAction,
    TwoStageFallbackAction,
)
from core.runtime.remote import RemoteAction
from core.runtime.slot_filling import ExtractSlotsAction

ActionFactory = Callable[[str], Action]
Resolver = Callable[[str, Domain], "Action | None"]


def builtin_factories() -> dict[str, ActionFactory]:
    """Every Rasa default action, by name."""
    factories: dict[str, ActionFactory] = {
        "action_listen": ListenAction,
        "action_restart": RestartAction,
        "action_session_start": SessionStartAction,
        "action_default_fallback": DefaultFallbackAction,
        "action_deactivate_loop": DeactivateLoopAction,
        "action_revert_fallback_events": RevertFallbackEventsAction,
        "action_default_ask_affirmation": AskAffirmationAction,
        "action_default_ask_rephrase": AskRephraseAction,
        "action_two_stage_fallback": TwoStageFallbackAction,
        "action_unlikely_intent": NoOpAction,
        "action_back": BackAction,
        "action_extract_slots": ExtractSlotsAction,
    }
    return factories


class ActionRegistry:
    """Maps action names to actions, in this order: what the composition root registered, its
    resolvers, core's defaults (unless the domain lists a custom action of that name, which then
    runs on the action server, as in Rasa), retrieval, end-to-end and response actions, and
    finally a remote action on the action server."""

    def __init__(self, domain: Domain, action_endpoint: EndpointConfig | None = None):
        self.domain = domain
        self.action_endpoint = action_endpoint
        self.client = ActionClient()  # one HTTP session for every remote action of this registry
        self._defaults = builtin_factories()
        self._registered: dict[str, ActionFactory] = {}
        self._resolvers: list[Resolver] = []

    def register(self, name: str, factory: ActionFactory) -> None:
        """Run `name` with `factory(name)`; this wins over core's own action of that name."""
        self._registered[name] = factory

    def add_resolver(self, resolver: Resolver) -> None:
        """Ask `resolver(name, domain)` for names nobody registered (e.g. every form's loop)."""
        self._resolvers.append(resolver)

    def resolve(self, name: str) -> Action:
        if name in self._registered:
            return self._registered[name](name)
        for resolver in self._resolvers:
            action = resolver(name, self.domain)
            if action is not None:
                return action
        if name in self._defaults and name not in self.domain.actions:
            return self._defaults[name](name)
        if name.startswith("utter_") and self.domain.is_retrieval_intent(name[len("utter_") :]):
            return RetrievalResponseAction(name)
        if name in self.domain.action_texts:
            return EndToEndResponseAction(name)
        if name.startswith("utter_") and name not in self.domain.custom_actions:
            return ResponseAction(name)
        return self.remote(name)

    def remote(self, name: str) -> Action:
        if self.action_endpoint is None:
            raise ActionServerError(
                f"'{name}' is a custom action, and no action server is configured to run it",
                hint='add to endpoints.yml:\naction_endpoint:\n  url: "http://localhost:5055/webhook"\n'
                "and start the server with `botcoach run actions`",
            )
        return RemoteAction(name, self.action_endpoint)
