"""What an action is to the runtime, Rasa's built-in actions, response actions, and the registry
that maps an action name to the thing that runs it.

An action reads the tracker (never changes it) and returns the events it caused; the agent logs
`ActionExecuted` and appends them. Core registers its defaults and response actions; the
composition root (the CLI, the app) adds what lives above core, such as the form loop and slot
validation, with `register` or `add_resolver`: core never imports forms.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.domain import REQUESTED_SLOT, Domain
from core.domain.model import RESPONSE_ID_DELIMITER
from core.errors import ActionServerError, BotcoachError
from core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
)
from core.runtime.action_client import ActionClient
from core.runtime.endpoints import EndpointConfig
from core.runtime.responses import ResponseGenerator, bot_uttered
from core.tracker import ACTION_LISTEN, DialogueStateTracker

logger = logging.getLogger(__name__)

SESSION_START_METADATA_SLOT = "session_started_metadata"


class ActionRejected(Exception):
    """An action refuses to run on this input (Rasa's ActionExecutionRejection): the runtime logs
    `ActionExecutionRejected` and asks the policies again."""

    def __init__(self, action_name: str, message: str | None = None):
        self.action_name = action_name
        self.message = message or f"action '{action_name}' rejected execution"
        super().__init__(self.message)


@dataclass
class ActionContext:
    """What an action may use besides the tracker."""

    domain: Domain
    responses: ResponseGenerator
    registry: ActionRegistry
    channel: str | None = None  # output channel, for channel-specific responses
    metadata: dict[str, Any] = field(default_factory=dict)  # of the message being handled
    report: Callable[[BotcoachError], None] = lambda problem: logger.warning("%s", problem)

    def utter(self, response: str, tracker: DialogueStateTracker, **values: Any) -> list[BotUttered]:
        return self.responses.utter(response, tracker.slots, self.channel, **values)


class Action(ABC):
    """One runnable action. `run` is a coroutine so remote actions need no thread of their own."""

    def __init__(self, name: str):
        self.name = name

    @abstractmethod
    async def run(self, tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        """The events this action causes on `tracker` (which it must not change)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


ActionFactory = Callable[[str], Action]
Resolver = Callable[[str, Domain], "Action | None"]


# -- built-in actions -------------------------------------------------------------------------


class ListenAction(Action):
    async def run(self, tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        return []


class NoOpAction(Action):
    """`action_unlikely_intent`: only a marker in the history."""

    async def run(self, tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        return []


class RestartAction(Action):
    async def run(self, tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        return [*context.utter("utter_restart", tracker), Restarted()]


class SessionStartAction(Action):
    """A new session: slots carried over (when the session config says so), then listen."""

    async def run(self, tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        events: list[Event] = [SessionStarted()]
        if context.domain.session_config.carry_over_slots_to_new_session:
            events += [
                SlotSet(e.name, e.value, metadata=dict(e.metadata))
                for e in tracker.applied_events()
                if isinstance(e, SlotSet)
            ]
        if context.metadata:
            events.append(SlotSet(SESSION_START_METADATA_SLOT, dict(context.metadata)))
        return [*events, ActionExecuted(ACTION_LISTEN)]


class DefaultFallbackAction(Action):
    async def run(self, tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        return [*context.utter("utter_default", tracker), UserUtteranceReverted()]


class DeactivateLoopAction(Action):
    async def run(self, tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        return [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)]


class BackAction(Action):
    """Go back one user turn: forget the `/back` message and the message before it."""

    async def run(self, tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        return [*context.utter("utter_back", tracker), UserUtteranceReverted(), UserUtteranceReverted()]


class ResponseAction(Action):
    """`utter_*`: say the response of the same name (nothing, with a warning, if it has none)."""

    async def run(self, tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        messages = context.utter(self.name, tracker)
        if not messages:
            logger.warning("the domain has no usable response '%s' for this slot state and channel", self.name)
        return list(messages)


class RetrievalResponseAction(Action):
    """`utter_faq`: says `utter_faq/<key>` for the key NLU chose for the retrieval intent `faq`."""

    async def run(self, tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        retrieval_intent = self.name[len("utter_") :]
        key = full_retrieval_intent(tracker, retrieval_intent)
        if key is None:
            logger.warning("no response key for retrieval intent '%s' in the latest message", retrieval_intent)
            return []
        messages = context.utter(f"utter_{key}", tracker)
        return [_with_metadata(m, utter_action=self.name) for m in messages]


class EndToEndResponseAction(Action):
    """An end-to-end bot utterance: the action's name is the text the bot says."""

    async def run(self, tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        return [bot_uttered({"text": self.name})]


def full_retrieval_intent(tracker: DialogueStateTracker, retrieval_intent: str) -> str | None:
    """`faq/ask_name` for `faq`: from the response selector, the intent's full name, or a
    `/faq/ask_name` message that named it."""
    message = tracker.latest_message
    if message is None:
        return None
    parse = message.full_parse_data
    selector = parse.get("response_selector") or {}
    for key in (retrieval_intent, "default"):
        entry = selector.get(key)
        if isinstance(entry, dict):
            response = entry.get("response") or {}
            full = response.get("intent_response_key") or response.get("full_retrieval_intent_name")
            if isinstance(full, str) and full:
                return full
    intent = message.intent or {}
    for full in (intent.get("full_retrieval_intent_name"), intent.get("name")):
        if isinstance(full, str) and full.startswith(retrieval_intent + RESPONSE_ID_DELIMITER):
            return full
    return None


def _with_metadata(message: BotUttered, **metadata: Any) -> BotUttered:
    return BotUttered(text=message.text, data=message.data, metadata={**message.metadata, **metadata})


def builtin_factories() -> dict[str, ActionFactory]:
    """Every Rasa default action, by name."""
    from core.runtime.fallback import (
        AskAffirmationAction,
        AskRephraseAction,
        RevertFallbackEventsAction,
        TwoStageFallbackAction,
    )
    from core.runtime.slot_filling import ExtractSlotsAction

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


# -- the registry -------------------------------------------------------------------------------


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
        from core.runtime.remote import RemoteAction

        if self.action_endpoint is None:
            raise ActionServerError(
                f"'{name}' is a custom action, and no action server is configured to run it",
                hint='add to endpoints.yml:\naction_endpoint:\n  url: "http://localhost:5055/webhook"\n'
                "and start the server with `botcoach run actions`",
            )
        return RemoteAction(name, self.action_endpoint)
