"""What a custom action sees and implements: the `Tracker` snapshot, the `Action` contract, and
the exceptions the server turns into HTTP answers. Names and signatures follow rasa_sdk."""

from __future__ import annotations

import copy
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Iterator
from typing import TYPE_CHECKING, Any

from .constants import ACTION_LISTEN_NAME, NLU_FALLBACK_INTENT_NAME
from .types import DomainDict, EventDict, TrackerState

if TYPE_CHECKING:
    from .executor import CollectingDispatcher

logger = logging.getLogger(__name__)


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class Tracker:
    """A read-mostly copy of the conversation state, rebuilt from each action request."""

    @classmethod
    def from_dict(cls, state: TrackerState) -> Tracker:
        """Build from the request's `tracker` object (Rasa 1.x `active_form` or 2+/3 `active_loop`)."""
        active_loop = state.get("active_loop", state.get("active_form"))
        if isinstance(active_loop, str):
            active_loop = {"name": active_loop}
        events = state.get("events")
        return cls(
            sender_id=state.get("sender_id"),
            slots=_as_dict(state.get("slots")),
            latest_message=_as_dict(state.get("latest_message")),
            events=[e for e in events if isinstance(e, dict)] if isinstance(events, list) else [],
            paused=bool(state.get("paused", False)),
            followup_action=state.get("followup_action"),
            active_loop=_as_dict(active_loop),
            latest_action_name=state.get("latest_action_name"),
        )

    def __init__(
        self,
        sender_id: str | None,  # None when the request's tracker has no sender_id
        slots: dict[str, Any],
        latest_message: dict[str, Any] | None,
        events: list[EventDict],
        paused: bool,
        followup_action: str | None,
        active_loop: dict[str, Any],
        latest_action_name: str | None,
    ) -> None:
        self.sender_id = sender_id
        self.slots = slots
        self.latest_message = latest_message or {}
        self.events = events
        self._paused = paused
        self.followup_action = followup_action
        self.active_loop = active_loop or {}
        self.latest_action_name = latest_action_name

    @property
    def active_form(self) -> dict[str, Any]:
        """Rasa 1.x's name for `active_loop`."""
        return self.active_loop

    @property
    def paused(self) -> bool:
        return self._paused

    def active_loop_or_name(self) -> str | None:
        """The name of the active form/loop, or None when no loop runs."""
        name = self.active_loop.get("name")
        return name if isinstance(name, str) and name else None

    def current_state(self) -> TrackerState:
        """The tracker back in wire form (what `from_dict` reads)."""
        return {
            "sender_id": self.sender_id,
            "slots": self.slots,
            "latest_message": self.latest_message,
            "latest_event_time": self.events[-1].get("timestamp") if self.events else None,
            "paused": self.is_paused(),
            "events": self.events,
            "latest_input_channel": self.get_latest_input_channel(),
            "active_loop": self.active_loop,
            "latest_action_name": self.latest_action_name,
        }

    def current_slot_values(self) -> dict[str, Any]:
        return self.slots

    def get_slot(self, key: str) -> Any | None:
        if key not in self.slots:
            logger.info("Tried to access non existent slot '%s'.", key)
        return self.slots.get(key)

    def get_latest_entity_values(
        self, entity_type: str, entity_role: str | None = None, entity_group: str | None = None
    ) -> Iterator[Any]:
        """Values of the latest message's entities of this type (and role/group when given)."""
        for entity in self.latest_message.get("entities") or []:
            if (
                entity.get("entity") == entity_type
                and (entity_role is None or entity.get("role") == entity_role)
                and (entity_group is None or entity.get("group") == entity_group)
            ):
                yield entity.get("value")

    def get_latest_input_channel(self) -> str | None:
        for event in reversed(self.events):
            if event.get("event") == "user":
                return event.get("input_channel")
        return None

    def get_intent_of_latest_message(self, skip_fallback_intent: bool = True) -> str | None:
        """Top intent of the latest message, optionally looking past `nlu_fallback`.

        Uses the ranking like rasa_sdk; without a ranking (e.g. `/intent` messages) falls back to
        the parsed intent instead of answering None.
        """
        ranking = self.latest_message.get("intent_ranking") or []
        if not ranking:
            intent = _as_dict(self.latest_message.get("intent")).get("name")
            if skip_fallback_intent and intent == NLU_FALLBACK_INTENT_NAME:
                return None
            return intent
        names = [_as_dict(item).get("name") for item in ranking]
        if skip_fallback_intent and names[0] == NLU_FALLBACK_INTENT_NAME:
            return names[1] if len(names) > 1 else None
        return names[0]

    def is_paused(self) -> bool:
        return self._paused

    def idx_after_latest_restart(self) -> int:
        """Index just after the most recent `restart` event, 0 if there is none."""
        for index in range(len(self.events) - 1, -1, -1):
            if self.events[index].get("event") == "restart":
                return index + 1
        return 0

    def events_after_latest_restart(self) -> list[EventDict]:
        return list(self.events)[self.idx_after_latest_restart() :]

    def applied_events(self) -> list[EventDict]:
        """Events that still count: restarts clear, `undo` drops the last action, `rewind` the
        last user turn and the action before it."""
        applied: list[EventDict] = []

        def drop_until(event_type: str) -> None:
            while applied:
                if applied.pop().get("event") == event_type:
                    return

        for event in self.events:
            kind = event.get("event")
            if kind == "restart":
                applied = []
            elif kind == "undo":
                drop_until("action")
            elif kind == "rewind":
                drop_until("user")
                drop_until("action")
            else:
                applied.append(event)
        return applied

    def get_last_event_for(self, event_type: str, exclude: list[str] | None = None, skip: int = 0) -> EventDict | None:
        excluded = set(exclude or [])
        matches = (
            e
            for e in reversed(self.applied_events())
            if e.get("event") == event_type and not (e.get("event") == "action" and e.get("name") in excluded)
        )
        for _ in range(skip):
            next(matches, None)
        return next(matches, None)

    def last_executed_action_has(self, name: str, skip: int = 0) -> bool:
        last = self.get_last_event_for("action", exclude=[ACTION_LISTEN_NAME], skip=skip)
        return last is not None and last.get("name") == name

    def slots_to_validate(self) -> dict[str, Any]:
        """Slots set by the trailing run of `slot` events: the candidates a form just extracted."""
        trailing: list[EventDict] = []
        for event in reversed(self.events):
            if event.get("event") != "slot":
                break
            trailing.append(event)
        return {e["name"]: e.get("value") for e in reversed(trailing) if isinstance(e.get("name"), str)}

    def add_slots(self, slot_events: list[EventDict]) -> None:
        """Apply `SlotSet` events to this copy so later validation steps see them."""
        for event in slot_events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event.get("value")
                self.events.append(event)

    def copy(self) -> Tracker:
        return Tracker(
            self.sender_id,
            copy.deepcopy(self.slots),
            copy.deepcopy(self.latest_message),
            copy.deepcopy(self.events),
            self._paused,
            self.followup_action,
            copy.deepcopy(self.active_loop),
            self.latest_action_name,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tracker) and (other.events, other.sender_id) == (self.events, self.sender_id)


class Action(ABC):
    """A custom action: a unique `name()` and a `run()` (sync or async) returning event dicts."""

    @abstractmethod
    def name(self) -> str:
        """The name the domain and stories use for this action."""

    @abstractmethod
    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventDict] | Awaitable[list[EventDict]]:
        """Do the work; send messages with `dispatcher.utter_message`, return events to apply.

        May be `async def`; a plain `def` runs in a worker thread so it cannot stall the server.
        """

    def __str__(self) -> str:
        return f"Action('{self.name()}')"


class ActionExecutionRejection(Exception):
    """Raised from `run` to refuse this turn, so the policies can pick another action (HTTP 400)."""

    def __init__(self, action_name: str, message: str | None = None) -> None:
        self.action_name = action_name
        self.message = message or f"Custom action '{action_name}' rejected execution."
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class ActionNotFoundException(Exception):
    """The request names an action this server does not host (HTTP 404)."""

    def __init__(self, action_name: str, message: str | None = None) -> None:
        self.action_name = action_name
        self.message = message or f"No registered action found for name '{action_name}'."
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class ActionMissingDomainException(Exception):
    """The request carries no domain and none is cached: Rasa 3.7+ then resends it (HTTP 449)."""

    def __init__(self, action_name: str, message: str | None = None) -> None:
        self.action_name = action_name
        self.message = message or f"Domain context is missing for action '{action_name}'."
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message
