"""The dialogue state tracker: an append-only event list and the state Rasa derives from it.

The event list is the single source of truth. State (slots, latest message, active loop, ...) is
updated event by event exactly as Rasa's tracker does it, including Rasa's quirks: undo and rewind
reset the state and replay the applied events; restart resets and asks for `action_session_start`;
a new session resets everything (the session-start action sets carried-over slots again).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from core.errors import DataError
from core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    EntitiesAdded,
    Event,
    FollowupAction,
    FormValidation,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceFeaturization,
    UserUtteranceReverted,
    UserUttered,
    events_from_dicts,
)

ACTION_LISTEN = "action_listen"
ACTION_SESSION_START = "action_session_start"
REQUESTED_SLOT = "requested_slot"
# Rules use this loop name to say "no loop may be active"; it never counts as an active loop.
SHOULD_NOT_BE_SET = "should_not_be_set"

EventVerbosity = Literal["all", "applied", "after_restart", "none"]

_NO_MESSAGE = UserUttered(timestamp=0.0)


@dataclass
class _State:
    """Everything Rasa resets on restart, session start, undo and rewind."""

    slots: dict[str, Any]
    paused: bool = False
    followup_action: str | None = ACTION_LISTEN
    latest_action: dict[str, str | None] = field(default_factory=dict)
    latest_message: UserUttered | None = None
    latest_bot_utterance: BotUttered | None = None
    # name, is_interrupted, rejected, trigger_message: the keys Rasa 2.x/3.x send to action servers
    active_loop: dict[str, Any] | None = None

    @property
    def active_loop_name(self) -> str | None:
        if self.active_loop is None or self.active_loop["name"] == SHOULD_NOT_BE_SET:
            return None
        return self.active_loop["name"]


class DialogueStateTracker:
    """One conversation: events in, Rasa-compatible state out.

    `slot_defaults` maps each domain slot to its initial value; slots outside it are ignored like
    Rasa ignores slots missing from the domain. With `slot_defaults=None` any slot may be set.
    """

    def __init__(
        self,
        sender_id: str,
        slot_defaults: Mapping[str, Any] | None = None,
        events: Iterable[Event] = (),
    ):
        self.sender_id = sender_id
        self.slot_defaults = dict(slot_defaults) if slot_defaults is not None else None
        self._events: list[Event] = []
        self._state = self._initial_state()
        self._cache: dict[Any, Any] = {}
        self.update_all(events)

    @classmethod
    def from_dict(cls, data: Any, slot_defaults: Mapping[str, Any] | None) -> DialogueStateTracker:
        """Rebuilds a tracker from Rasa's tracker JSON (its `sender_id` and `events`)."""
        if not isinstance(data, dict):
            raise DataError(f"a tracker must be a JSON object, not {type(data).__name__}")
        sender_id = data.get("sender_id")
        if not isinstance(sender_id, str):
            raise DataError("the tracker has no 'sender_id' string", hint="Send the tracker as Rasa dumps it.")
        if data.get("events") is None:
            raise DataError(
                "the tracker has no 'events': its state cannot be rebuilt",
                hint="Dump the tracker with its events (Rasa's event verbosity ALL or AFTER_RESTART).",
            )
        return cls(sender_id, slot_defaults, events_from_dicts(data["events"]))

    # -- events -----------------------------------------------------------------------------

    @property
    def events(self) -> tuple[Event, ...]:
        """Every event ever logged, reverted ones included."""
        if "events" not in self._cache:
            self._cache["events"] = tuple(self._events)
        return self._cache["events"]

    def update(self, event: Event) -> None:
        if not isinstance(event, Event):
            raise TypeError(f"expected an Event, got {type(event).__name__}")
        self._events.append(event)
        self._cache.clear()
        self._apply(event)

    def update_all(self, events: Iterable[Event]) -> None:
        for event in events:
            self.update(event)

    def applied_events(self, collapse_loops: bool = True) -> list[Event]:
        """The events still in effect, in order: Rasa's `applied_events`.

        Restart and session start drop everything before them; undo drops back through the latest
        action; rewind drops back through the latest user message and the action before it. With
        `collapse_loops` (Rasa's behaviour, what policies train on) a loop that runs again on the
        happy path swallows the listen/user turns since its previous run; without it, every turn
        a person saw stays, which is what history views and forking need.
        """
        key = ("applied", collapse_loops)
        if key not in self._cache:
            self._cache[key] = _applied(self._events, collapse_loops)
        return list(self._cache[key])

    def events_after_latest_restart(self) -> list[Event]:
        for index in range(len(self._events) - 1, -1, -1):
            if isinstance(self._events[index], Restarted):
                return self._events[index + 1 :]
        return list(self._events)

    def user_turns(self) -> list[tuple[int, UserUttered]]:
        """(index in `applied_events(collapse_loops=False)`, message) for every user message in effect."""
        history = self.applied_events(collapse_loops=False)
        return [(i, e) for i, e in enumerate(history) if isinstance(e, UserUttered)]

    def fork(self, before_user_turn: int) -> DialogueStateTracker:
        """A new tracker holding the events in effect before user message number `before_user_turn`."""
        turns = self.user_turns()
        if not 0 <= before_user_turn < len(turns):
            raise ValueError(f"no user turn {before_user_turn}: the conversation has {len(turns)}")
        index = turns[before_user_turn][0]
        history = self.applied_events(collapse_loops=False)
        return DialogueStateTracker(self.sender_id, self.slot_defaults, history[:index])

    # -- derived state ----------------------------------------------------------------------

    @property
    def slots(self) -> dict[str, Any]:
        return dict(self._state.slots)

    def get_slot(self, name: str) -> Any:
        return self._state.slots.get(name)

    @property
    def latest_message(self) -> UserUttered | None:
        """The latest user message in effect, with entities added by later `entities` events."""
        return self._state.latest_message

    @property
    def latest_action(self) -> dict[str, str | None]:
        """{"action_name": ...} or {"action_text": ...} of the latest action, {} before any."""
        return dict(self._state.latest_action)

    @property
    def latest_action_name(self) -> str | None:
        action = self._state.latest_action
        return action.get("action_name") or action.get("action_text")

    @property
    def latest_bot_utterance(self) -> BotUttered | None:
        return self._state.latest_bot_utterance

    @property
    def active_loop(self) -> dict[str, Any] | None:
        """name, is_interrupted, rejected, trigger_message of the active loop, or None."""
        return copy.deepcopy(self._state.active_loop)

    @property
    def active_loop_name(self) -> str | None:
        return self._state.active_loop_name

    @property
    def is_active_loop_rejected(self) -> bool:
        return self._state.active_loop is not None and self._state.active_loop["rejected"]

    @property
    def is_active_loop_interrupted(self) -> bool:
        return self._state.active_loop is not None and self._state.active_loop["is_interrupted"]

    @property
    def requested_slot(self) -> Any:
        """The slot the active loop asks for; None when no loop is active."""
        return self.get_slot(REQUESTED_SLOT) if self.active_loop_name else None

    @property
    def followup_action(self) -> str | None:
        return self._state.followup_action

    @property
    def is_paused(self) -> bool:
        return self._state.paused

    @property
    def latest_input_channel(self) -> str | None:
        """Input channel of the latest user message logged, reverted or not (as Rasa does)."""
        for event in reversed(self._events):
            if isinstance(event, UserUttered):
                return event.input_channel
        return None

    @property
    def latest_event_time(self) -> float | None:
        return self._events[-1].timestamp if self._events else None

    def as_dict(self, events: EventVerbosity = "all") -> dict[str, Any]:
        """The tracker as Rasa sends it to an action server (which sends every event: "all")."""
        chosen = {
            "all": lambda: list(self._events),
            "applied": self.applied_events,
            "after_restart": self.events_after_latest_restart,
            "none": lambda: None,
        }[events]()
        state = self._state
        return copy.deepcopy(
            {
                "sender_id": self.sender_id,
                "slots": state.slots,
                "latest_message": (state.latest_message or _NO_MESSAGE).full_parse_data,
                "latest_event_time": self.latest_event_time,
                "followup_action": state.followup_action,
                "paused": state.paused,
                "events": None if chosen is None else [event.as_dict() for event in chosen],
                "latest_input_channel": self.latest_input_channel,
                "active_loop": state.active_loop or {},
                "latest_action": state.latest_action,
                "latest_action_name": self.latest_action_name,
            }
        )

    # -- applying one event -----------------------------------------------------------------

    def _initial_state(self) -> _State:
        return _State(slots=copy.deepcopy(self.slot_defaults or {}))

    def _apply(self, event: Event) -> None:
        state = self._state
        if isinstance(event, UserUttered):
            state.latest_message = event
            state.followup_action = None
        elif isinstance(event, ActionExecuted):
            self._apply_action(event)
        elif isinstance(event, SlotSet):
            if self.slot_defaults is None or event.name in state.slots:
                state.slots[event.name] = event.value
        elif isinstance(event, AllSlotsReset):
            state.slots = copy.deepcopy(self.slot_defaults or {})
        elif isinstance(event, Restarted):
            self._state = self._initial_state()
            self._state.followup_action = ACTION_SESSION_START
        elif isinstance(event, SessionStarted):
            self._state = self._initial_state()
        elif isinstance(event, (ActionReverted, UserUtteranceReverted)):
            self._state = self._initial_state()
            for applied in self.applied_events():
                self._apply(applied)
        elif isinstance(event, ActiveLoop):
            self._change_loop(event.name)
        elif isinstance(event, (LoopInterrupted, FormValidation)):
            interrupted = event.is_interrupted if isinstance(event, LoopInterrupted) else not event.validate
            if state.active_loop is not None:
                state.active_loop["is_interrupted"] = interrupted
        elif isinstance(event, ActionExecutionRejected):
            if state.active_loop is not None and event.name == state.active_loop_name:
                state.active_loop["rejected"] = True
        elif isinstance(event, EntitiesAdded):
            self._add_entities(event)
        elif isinstance(event, BotUttered):
            state.latest_bot_utterance = event
        elif isinstance(event, FollowupAction):
            state.followup_action = event.name
        elif isinstance(event, (ConversationPaused, ConversationResumed)):
            state.paused = isinstance(event, ConversationPaused)

    def _apply_action(self, event: ActionExecuted) -> None:
        state = self._state
        state.latest_action = {"action_name": event.name} if event.name else {"action_text": event.action_text}
        if state.active_loop is not None and state.active_loop_name:
            state.active_loop["is_interrupted"] = False
            if event.name == state.active_loop_name:
                state.active_loop["rejected"] = False
        state.followup_action = None

    def _change_loop(self, name: str | None) -> None:
        if name is None:
            self._state.active_loop = None
            return
        trigger = (self._state.latest_message or _NO_MESSAGE).full_parse_data
        self._state.active_loop = {"name": name, "is_interrupted": False, "rejected": False, "trigger_message": trigger}

    def _add_entities(self, event: EntitiesAdded) -> None:
        """Entities belong to the user message just heard, so only right after action_listen."""
        message = self._state.latest_message
        if message is None or self.latest_action_name != ACTION_LISTEN:
            return
        merged = list(message.entities) + [e for e in event.entities if e not in message.entities]
        self._state.latest_message = replace(message, entities=merged)


# -- Rasa's applied-events algorithm --------------------------------------------------------


def _applied(events: list[Event], collapse_loops: bool) -> list[Event]:
    loop_names = {e.name for e in events if isinstance(e, ActiveLoop) and e.name} if collapse_loops else set()
    applied: list[Event] = []
    for event in events:
        if isinstance(event, (Restarted, SessionStarted)):
            applied = []
        elif isinstance(event, ActionReverted):
            _drop_through_latest(applied, ActionExecuted)
        elif isinstance(event, UserUtteranceReverted):
            # a user message always follows a listen action: both go
            _drop_through_latest(applied, UserUttered)
            _drop_through_latest(applied, ActionExecuted)
        elif isinstance(event, ActionExecuted) and event.name in loop_names and _loop_runs_again(event.name, applied):
            _drop_turns_since_loop_ran(event.name, applied)
        else:
            applied.append(event)
    return applied


def _drop_through_latest(applied: list[Event], kind: type[Event]) -> None:
    """Pops events up to and including the latest one of `kind` (everything if there is none)."""
    while applied:
        if isinstance(applied.pop(), kind):
            return


def _loop_runs_again(loop: str, applied: list[Event]) -> bool:
    """True when `loop` ran before in this activation and nothing since was an unhappy path."""
    action_after: str | None = None
    for event in reversed(applied):
        if isinstance(event, ActiveLoop) and event.name is None:
            return False  # the loop was deactivated since: this is a fresh activation
        if isinstance(event, ActionExecutionRejected) and event.name == loop:
            return False
        if isinstance(event, UserUttered) and action_after is not None and action_after != loop:
            return False  # another action answered the user: an unhappy path (seen in training data)
        if isinstance(event, ActionExecuted):
            if event.name == loop:
                return True
            action_after = event.name
    return False


def _drop_turns_since_loop_ran(loop: str, applied: list[Event]) -> None:
    """Removes the actions and user messages after the loop's previous run, keeping slots etc."""
    index = len(applied) - 1
    while index >= 0:
        event = applied[index]
        if isinstance(event, ActionExecuted) and event.name == loop:
            return
        if isinstance(event, (ActionExecuted, UserUttered, UserUtteranceFeaturization)):
            del applied[index]
        index -= 1
