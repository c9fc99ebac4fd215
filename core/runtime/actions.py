"""What an action is to the runtime, Rasa's simple built-in actions and the response actions.

An action reads the tracker (never changes it) and returns the events it caused; the agent logs
`ActionExecuted` and appends them. An action that runs another one (slot extraction runs the
validation action, the form loop its validation) finds it through `context.registry`; the
registry itself (core/runtime/registry.py) imports every kind of action, so this module, which
they all build on, imports none of them.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from core.domain import REQUESTED_SLOT, Domain
from core.domain.model import RESPONSE_ID_DELIMITER
from core.errors import BotcoachError
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


class ActionResolver(Protocol):
    """What an action needs of the registry: another action, by name, and the HTTP client that
    remote actions share."""

    client: ActionClient

    def resolve(self, name: str) -> Action: ...


@dataclass
class ActionContext:
    """What an action may use besides the tracker."""

    domain: Domain
    responses: ResponseGenerator
    registry: ActionResolver
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
