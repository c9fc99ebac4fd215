"""Dialogue events in Rasa's JSON wire format, in and out.

An event is a small frozen dataclass. `as_dict()` writes what Rasa (1.x to 3.x) and Rasa SDK write,
and `event_from_dict()` reads it back, turning any malformed dict into a `DataError` that says
which field is wrong: events arrive from action servers and journals we do not control.

Each payload field declares its wire key and JSON kind (`_wire`), so reading, type checking and
writing are one generic loop; the few irregular events (user, action, reminder) add to it.

Equality ignores timestamps and, like Rasa, details that change between two runs of the same turn
(the NLU ranking of a user message, the policy and confidence that picked an action).
"""

from __future__ import annotations

import json
import time
from dataclasses import Field, dataclass, field, fields
from datetime import datetime
from typing import Any, ClassVar

from core.errors import DataError

_HINT = "Fix the event where it was produced (action server, session journal) to match Rasa's event format."


def _wire(kind: str = "any", key: str | None = None, required: bool = False, **options: Any) -> Any:
    """A payload field: `kind` is text, number, flag, mapping, records, date or any."""
    return field(metadata={"kind": kind, "key": key, "required": required}, **options)


class _Reader:
    """Reads the fields of one event dict, checking each type and naming the culprit on failure."""

    def __init__(self, data: dict, where: str):
        self.data = data
        self.where = where

    def _fail(self, key: str, expected: str) -> DataError:
        value = self.data[key]
        return DataError(
            f"{self.where}: field '{key}' must be {expected}, not {type(value).__name__} {value!r}",
            hint=_HINT,
        )

    def read(self, key: str, kind: str, required: bool = False, default: Any = None) -> Any:
        value = self.data.get(key)
        if value is None:
            if required:
                raise DataError(f"{self.where} has no '{key}' field", hint=_HINT)
            return {"mapping": {}, "records": []}.get(kind, default)
        if kind == "text" and not isinstance(value, str):
            raise self._fail(key, "a string")
        if kind == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise self._fail(key, "a number")
        if kind == "flag" and not isinstance(value, bool):
            raise self._fail(key, "true or false")
        if kind == "mapping" and not isinstance(value, dict):
            raise self._fail(key, "an object")
        if kind == "records" and not (isinstance(value, list) and all(isinstance(v, dict) for v in value)):
            raise self._fail(key, "a list of objects")
        if kind == "date":
            return self._date(key, value)
        return value

    def _date(self, key: str, value: Any) -> datetime:
        try:
            return datetime.fromisoformat(value)
        except (TypeError, ValueError):
            raise DataError(
                f"{self.where}: field '{key}' must be an ISO 8601 date and time, not {value!r}",
                hint="Write it like 2024-05-01T18:30:00+00:00.",
            ) from None


def _payload_fields(cls: type) -> list[Field]:
    return [f for f in fields(cls) if "kind" in f.metadata]


def _wire_key(f: Field) -> str:
    return f.metadata["key"] or f.name


@dataclass(frozen=True, eq=False)
class Event:
    """Something that happened in a conversation; the tracker derives all state from these."""

    type_name: ClassVar[str] = "event"
    # Fields left out of ==; subclasses widen or narrow this the way Rasa's __eq__ does.
    _ignored_in_eq: ClassVar[frozenset[str]] = frozenset({"timestamp", "metadata"})
    # Rasa always writes `metadata` for user and bot messages, elsewhere only when it is set.
    _always_metadata: ClassVar[bool] = False

    timestamp: float = field(default_factory=time.time, kw_only=True)
    metadata: dict = field(default_factory=dict, kw_only=True)

    def _identity(self) -> tuple:
        return tuple(getattr(self, f.name) for f in fields(self) if f.name not in self._ignored_in_eq)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        identity = json.dumps(self._identity(), sort_keys=True, skipkeys=True, default=repr)
        return hash((type(self).__name__, identity))

    def as_dict(self) -> dict[str, Any]:
        """The event as Rasa writes it."""
        d: dict[str, Any] = {"event": self.type_name, "timestamp": self.timestamp}
        if self.metadata or self._always_metadata:
            d["metadata"] = self.metadata
        for f in _payload_fields(type(self)):
            value = getattr(self, f.name)
            d[_wire_key(f)] = value.isoformat() if isinstance(value, datetime) else value
        return d

    @classmethod
    def _read(cls, reader: _Reader) -> dict[str, Any]:
        """Constructor arguments read from the wire dict; irregular events extend this."""
        return {
            f.name: reader.read(_wire_key(f), f.metadata["kind"], f.metadata["required"], f.default)
            for f in _payload_fields(cls)
        }


@dataclass(frozen=True, eq=False)
class UserUttered(Event):
    """A user message with its NLU result; `parse_data` keeps what NLU said beyond intent and
    entities (intent_ranking, response_selector, ...) so it goes back out unchanged."""

    type_name: ClassVar[str] = "user"
    _ignored_in_eq: ClassVar[frozenset[str]] = frozenset(
        {"timestamp", "metadata", "parse_data", "input_channel", "message_id", "intent"}
    )
    _always_metadata: ClassVar[bool] = True

    text: str | None = None
    intent: dict = field(default_factory=dict)
    entities: list[dict] = field(default_factory=list)
    parse_data: dict = field(default_factory=dict)
    input_channel: str | None = None
    message_id: str | None = None

    @property
    def intent_name(self) -> str | None:
        return self.intent.get("name")

    def _identity(self) -> tuple:
        return (*super()._identity(), self.intent_name)

    @property
    def full_parse_data(self) -> dict[str, Any]:
        """The NLU result as Rasa nests it in the event and in a tracker's `latest_message`."""
        base = {
            "intent": self.intent,
            "entities": list(self.entities),
            "text": self.text,
            "message_id": self.message_id,
            "metadata": self.metadata,
        }
        return {**base, **self.parse_data}

    def as_dict(self) -> dict[str, Any]:
        d = super().as_dict()
        d.update(
            text=self.text,
            parse_data=self.full_parse_data,
            input_channel=self.input_channel,
            message_id=self.message_id,
            metadata=self.metadata,
        )
        return d

    @classmethod
    def _read(cls, reader: _Reader) -> dict[str, Any]:
        parse_data = reader.read("parse_data", "mapping")
        nested = _Reader(parse_data, "event 'user', parse_data")
        intent = nested.read("intent", "mapping")
        _Reader(intent, "event 'user', parse_data.intent").read("name", "text")
        return {
            "text": reader.read("text", "text"),
            "intent": intent,
            "entities": nested.read("entities", "records"),
            "parse_data": {k: v for k, v in parse_data.items() if k not in ("intent", "entities")},
            "input_channel": reader.read("input_channel", "text"),
            "message_id": reader.read("message_id", "text"),
        }


@dataclass(frozen=True, eq=False)
class UserUtteranceFeaturization(Event):
    """Whether the policies used the latest user message's text (True) or its intent (False)."""

    type_name: ClassVar[str] = "user_featurization"
    use_text_for_featurization: bool = _wire("flag", required=True)


@dataclass(frozen=True, eq=False)
class EntitiesAdded(Event):
    """Entities found after NLU (e.g. by a policy), added to the latest user message."""

    type_name: ClassVar[str] = "entities"
    entities: list[dict] = _wire("records", default_factory=list)


@dataclass(frozen=True, eq=False)
class BotUttered(Event):
    """A message the bot sent; `data` holds buttons, image, custom, attachment, elements, quick_replies."""

    type_name: ClassVar[str] = "bot"
    _ignored_in_eq: ClassVar[frozenset[str]] = frozenset({"timestamp"})
    _always_metadata: ClassVar[bool] = True

    text: str | None = _wire("text", default=None)
    data: dict = _wire("mapping", default_factory=dict)


@dataclass(frozen=True, eq=False)
class ActionExecuted(Event):
    """An action ran; `action_text` instead of `name` for an end-to-end bot utterance."""

    type_name: ClassVar[str] = "action"
    _ignored_in_eq: ClassVar[frozenset[str]] = frozenset({"timestamp", "policy", "confidence", "hide_rule_turn"})

    name: str | None = _wire("text", default=None)
    policy: str | None = _wire("text", default=None)
    confidence: float | None = _wire("number", default=None)
    action_text: str | None = _wire("text", default=None)
    hide_rule_turn: bool = _wire("flag", default=False)

    @classmethod
    def _read(cls, reader: _Reader) -> dict[str, Any]:
        values = super()._read(reader)
        if values["name"] is None and values["action_text"] is None:
            raise DataError(f"{reader.where} has neither 'name' nor 'action_text'", hint=_HINT)
        return values


@dataclass(frozen=True, eq=False)
class SlotSet(Event):
    """A slot took a value (any JSON value, None included)."""

    type_name: ClassVar[str] = "slot"
    name: str = _wire("text", required=True)
    value: Any = _wire(default=None)


@dataclass(frozen=True, eq=False)
class AllSlotsReset(Event):
    type_name: ClassVar[str] = "reset_slots"


@dataclass(frozen=True, eq=False)
class Restarted(Event):
    type_name: ClassVar[str] = "restart"


@dataclass(frozen=True, eq=False)
class UserUtteranceReverted(Event):
    """Rewind: forget the latest user message and everything after it."""

    type_name: ClassVar[str] = "rewind"


@dataclass(frozen=True, eq=False)
class ActionReverted(Event):
    """Undo: forget the latest action and everything after it."""

    type_name: ClassVar[str] = "undo"


@dataclass(frozen=True, eq=False)
class SessionStarted(Event):
    type_name: ClassVar[str] = "session_started"


@dataclass(frozen=True, eq=False)
class ConversationPaused(Event):
    type_name: ClassVar[str] = "pause"


@dataclass(frozen=True, eq=False)
class ConversationResumed(Event):
    type_name: ClassVar[str] = "resume"


@dataclass(frozen=True, eq=False)
class ActiveLoop(Event):
    """A loop (form) becomes active, or with `name=None` the active loop ends."""

    type_name: ClassVar[str] = "active_loop"
    name: str | None = _wire("text", default=None)


@dataclass(frozen=True, eq=False)
class Form(ActiveLoop):
    """Rasa 1.x spelling of `ActiveLoop`; kept as `form` on the way out so 1.x data stays 1.x."""

    type_name: ClassVar[str] = "form"


@dataclass(frozen=True, eq=False)
class LoopInterrupted(Event):
    """The active loop was interrupted (an unhappy path): it should not validate this input."""

    type_name: ClassVar[str] = "loop_interrupted"
    is_interrupted: bool = _wire("flag", default=False)


@dataclass(frozen=True, eq=False)
class FormValidation(Event):
    """Rasa 1.x spelling of `LoopInterrupted`: validate=False means interrupted."""

    type_name: ClassVar[str] = "form_validation"
    validate: bool = _wire("flag", default=True)


@dataclass(frozen=True, eq=False)
class ActionExecutionRejected(Event):
    """An action (typically the active form) refused to run on this input."""

    type_name: ClassVar[str] = "action_execution_rejected"
    _ignored_in_eq: ClassVar[frozenset[str]] = frozenset({"timestamp", "metadata", "policy", "confidence"})

    name: str = _wire("text", required=True)
    policy: str | None = _wire("text", default=None)
    confidence: float | None = _wire("number", default=None)


@dataclass(frozen=True, eq=False)
class FollowupAction(Event):
    """Forces the next action, bypassing the policies."""

    type_name: ClassVar[str] = "followup"
    name: str = _wire("text", required=True)


@dataclass(frozen=True, eq=False)
class ReminderScheduled(Event):
    """Triggers `intent` at `trigger_date_time` unless a user message comes first (if asked).

    Rasa SDK lets reminders carry entities as a list of entity dicts or as a {type: value} map.
    """

    type_name: ClassVar[str] = "reminder"

    intent: str = _wire("text", required=True)
    trigger_date_time: datetime = _wire("date", key="date_time", required=True)
    entities: list[dict] | dict | None = _wire(default=None)
    name: str | None = _wire("text", default=None)
    kill_on_user_message: bool = _wire("flag", key="kill_on_user_msg", default=True)

    @classmethod
    def _read(cls, reader: _Reader) -> dict[str, Any]:
        return {**super()._read(reader), "entities": _reminder_entities(reader)}


@dataclass(frozen=True, eq=False)
class ReminderCancelled(Event):
    """Cancels reminders matching name, intent and entities (all reminders if none is given)."""

    type_name: ClassVar[str] = "cancel_reminder"

    name: str | None = _wire("text", default=None)
    intent: str | None = _wire("text", default=None)
    entities: list[dict] | dict | None = _wire(default=None)

    @classmethod
    def _read(cls, reader: _Reader) -> dict[str, Any]:
        return {**super()._read(reader), "entities": _reminder_entities(reader)}


def _reminder_entities(reader: _Reader) -> list[dict] | dict | None:
    value = reader.data.get("entities")
    if value is None or isinstance(value, dict):
        return value
    return reader.read("entities", "records")


@dataclass(frozen=True, eq=False)
class AgentUttered(Event):
    type_name: ClassVar[str] = "agent"
    text: str | None = _wire("text", default=None)
    data: Any = _wire(default=None)


@dataclass(frozen=True, eq=False)
class StoryExported(Event):
    type_name: ClassVar[str] = "export"
    path: str | None = _wire("text", default=None)


@dataclass(frozen=True, eq=False)
class DialogueStackUpdated(Event):
    """Rasa 3.x dialogue-stack patch; carried through untouched, it has no effect on our tracker."""

    type_name: ClassVar[str] = "stack"
    update: Any = _wire(default=None)


EVENT_TYPES: dict[str, type[Event]] = {
    cls.type_name: cls
    for cls in (
        UserUttered, UserUtteranceFeaturization, EntitiesAdded, BotUttered, ActionExecuted,
        SlotSet, AllSlotsReset, Restarted, UserUtteranceReverted, ActionReverted, SessionStarted,
        ConversationPaused, ConversationResumed, ActiveLoop, Form, LoopInterrupted, FormValidation,
        ActionExecutionRejected, FollowupAction, ReminderScheduled, ReminderCancelled,
        AgentUttered, StoryExported, DialogueStackUpdated,
    )
}  # fmt: skip


def event_from_dict(data: Any) -> Event:
    """Reads one event in Rasa's wire format; anything malformed raises `DataError`."""
    if not isinstance(data, dict):
        raise DataError(f"an event must be a JSON object, not {type(data).__name__} {data!r}", hint=_HINT)
    type_name = data.get("event")
    if not isinstance(type_name, str):
        raise DataError(f"event has no 'event' type name: {data!r}", hint=_HINT)
    cls = EVENT_TYPES.get(type_name)
    if cls is None:
        known = ", ".join(sorted(EVENT_TYPES))
        raise DataError(f"unknown event type '{type_name}'", hint=f"Known event types: {known}.")
    reader = _Reader(data, f"event '{type_name}'")
    timestamp = reader.read("timestamp", "number")
    return cls(
        **cls._read(reader),
        timestamp=time.time() if timestamp is None else timestamp,
        metadata=reader.read("metadata", "mapping"),
    )


def events_from_dicts(items: Any) -> list[Event]:
    """Reads a list of events, naming the position of the first bad one."""
    if not isinstance(items, list):
        raise DataError(f"events must be a JSON list, not {type(items).__name__}", hint=_HINT)
    events = []
    for index, item in enumerate(items):
        try:
            events.append(event_from_dict(item))
        except DataError as error:
            raise DataError(f"event #{index + 1}: {error.message}", error.location, error.hint) from None
    return events
