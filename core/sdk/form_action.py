"""Rasa 1.x's `FormAction`: a form that runs entirely inside the action server.

Each call does one step of the form loop: activate (a `form` event), extract the requested slot
and any other slot the user mentioned, validate them with `validate_<slot>`, ask for the next
empty slot with `utter_ask_<slot>`, and once every required slot is filled, `submit` and
deactivate. Kept for bots written for Rasa 1.x; new bots use FormValidationAction.
"""

from __future__ import annotations

import inspect
import logging
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from .constants import (
    ACTION_LISTEN_NAME,
    LEGACY_FORM_VALIDATE_KEY,
    LOOP_INTERRUPTED_KEY,
    REQUESTED_SLOT,
)
from .events import Form, SlotSet
from .executor import CollectingDispatcher, maybe_await
from .interfaces import Action, ActionExecutionRejection, Tracker
from .types import DomainDict, EventDict

if TYPE_CHECKING:
    from collections.abc import Iterable

logger = logging.getLogger(__name__)

SlotMapping = dict[str, Any]
_UTTER_PARAMETERS = frozenset(inspect.signature(CollectingDispatcher.utter_message).parameters) | {"template"}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _deactivates(events: Iterable[EventDict]) -> bool:
    return any(e.get("event") in ("form", "active_loop") and e.get("name") is None for e in events)


class FormAction(Action, ABC):
    """Subclass with `name()`, `required_slots(tracker)`, `submit(...)` and optionally
    `slot_mappings()` and `validate_<slot>(value, dispatcher, tracker, domain) -> dict`."""

    @abstractmethod
    def name(self) -> str:
        """The form's name, as listed under `forms:` in the domain."""

    @staticmethod
    @abstractmethod
    def required_slots(tracker: Tracker) -> list[str]:
        """The slots to fill, in asking order; may depend on what the tracker holds."""

    @abstractmethod
    def submit(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventDict]:
        """What to do once every required slot is filled (sync or async)."""

    # -- slot mapping helpers ------------------------------------------------------------------

    def slot_mappings(self) -> dict[str, SlotMapping | list[SlotMapping]]:
        """Per slot, a mapping or a list of them (first match wins); a slot left out is filled
        from the entity of the same name."""
        return {}

    def from_entity(
        self,
        entity: str,
        intent: str | list[str] | None = None,
        not_intent: str | list[str] | None = None,
        role: str | None = None,
        group: str | None = None,
    ) -> SlotMapping:
        intents, not_intents = self._list_intents(intent, not_intent)
        return {
            "type": "from_entity",
            "entity": entity,
            "intent": intents,
            "not_intent": not_intents,
            "role": role,
            "group": group,
        }

    def from_trigger_intent(
        self, value: Any, intent: str | list[str] | None = None, not_intent: str | list[str] | None = None
    ) -> SlotMapping:
        """Fill with `value` when the form is activated by one of these intents."""
        intents, not_intents = self._list_intents(intent, not_intent)
        return {"type": "from_trigger_intent", "value": value, "intent": intents, "not_intent": not_intents}

    def from_intent(
        self, value: Any, intent: str | list[str] | None = None, not_intent: str | list[str] | None = None
    ) -> SlotMapping:
        intents, not_intents = self._list_intents(intent, not_intent)
        return {"type": "from_intent", "value": value, "intent": intents, "not_intent": not_intents}

    def from_text(
        self, intent: str | list[str] | None = None, not_intent: str | list[str] | None = None
    ) -> SlotMapping:
        intents, not_intents = self._list_intents(intent, not_intent)
        return {"type": "from_text", "intent": intents, "not_intent": not_intents}

    def _list_intents(self, intent: Any, not_intent: Any) -> tuple[list[str], list[str]]:
        if intent and not_intent:
            raise ValueError(f"Give either intent {intent!r} or not_intent {not_intent!r}, not both.")
        return _as_list(intent), _as_list(not_intent)

    def get_mappings_for_slot(self, slot_to_fill: str) -> list[SlotMapping]:
        mappings = _as_list(self.slot_mappings().get(slot_to_fill, self.from_entity(slot_to_fill)))
        for mapping in mappings:
            if not isinstance(mapping, dict) or mapping.get("type") is None:
                raise TypeError(
                    f"Form '{self.name()}': slot mapping {mapping!r} for '{slot_to_fill}' "
                    "has no type; build it with self.from_entity/from_intent/from_text."
                )
        return mappings

    # -- extraction ----------------------------------------------------------------------------

    @staticmethod
    def intent_is_desired(mapping: SlotMapping, tracker: Tracker) -> bool:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        wanted, unwanted = mapping.get("intent") or [], mapping.get("not_intent") or []
        return intent in wanted if wanted else intent not in unwanted

    @staticmethod
    def get_entity_value(name: str, tracker: Tracker, role: str | None = None, group: str | None = None) -> Any:
        """One value, a list when the message holds several (list slots), None when absent."""
        values = list(tracker.get_latest_entity_values(name, entity_role=role, entity_group=group))
        if not values:
            return None
        return values[0] if len(values) == 1 else values

    def _entity_type_of_slot(self, slot: str | None) -> str | None:
        """The one entity the requested slot is filled from, if all its entity mappings agree."""
        if not slot:
            return None
        entities = {m.get("entity") for m in self.get_mappings_for_slot(slot) if m["type"] == "from_entity"}
        return entities.pop() if len(entities) == 1 else None

    def entity_is_desired(
        self, mapping: SlotMapping, other_slot: str, entity_type_of_slot_to_fill: str | None, tracker: Tracker
    ) -> bool:
        """Fill another slot from an entity only if it is named like the entity, or its mapping
        singles the entity out by role/group."""
        entity = mapping.get("entity")
        if other_slot == entity:
            return True
        by_role_or_group = mapping.get("role") is not None or mapping.get("group") is not None
        return (
            entity is not None
            and by_role_or_group
            and entity == entity_type_of_slot_to_fill
            and self.get_entity_value(entity, tracker, mapping.get("role"), mapping.get("group")) is not None
        )

    def extract_other_slots(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Values for required slots other than the requested one, from entities in the message
        or, on activation, from the trigger intent."""
        slot_to_fill = tracker.get_slot(REQUESTED_SLOT)
        entity_of_slot_to_fill = self._entity_type_of_slot(slot_to_fill)
        activating = tracker.active_loop_or_name() != self.name()
        values: dict[str, Any] = {}
        for slot in self.required_slots(tracker):
            if slot == slot_to_fill:
                continue
            for mapping in self.get_mappings_for_slot(slot):
                if not self.intent_is_desired(mapping, tracker):
                    continue
                value = None
                if mapping["type"] == "from_entity" and self.entity_is_desired(
                    mapping, slot, entity_of_slot_to_fill, tracker
                ):
                    value = self.get_entity_value(mapping["entity"], tracker, mapping.get("role"), mapping.get("group"))
                elif mapping["type"] == "from_trigger_intent" and activating:
                    value = mapping.get("value")
                if value is not None:
                    values[slot] = value
                    break
        return values

    def extract_requested_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The requested slot's value from the first mapping that matches, or {}."""
        slot_to_fill = tracker.get_slot(REQUESTED_SLOT)
        if slot_to_fill is None:  # no slot requested: the default from_entity(None) mapping finds nothing
            return {}
        for mapping in self.get_mappings_for_slot(slot_to_fill):
            if not self.intent_is_desired(mapping, tracker):
                continue
            kind = mapping["type"]
            if kind == "from_entity":
                entity = mapping.get("entity")
                value = (
                    self.get_entity_value(entity, tracker, mapping.get("role"), mapping.get("group"))
                    if entity
                    else None
                )
            elif kind == "from_intent":
                value = mapping.get("value")
            elif kind == "from_text":
                value = tracker.latest_message.get("text")
            elif kind == "from_trigger_intent":
                continue  # only applies on activation
            else:
                raise ValueError(f"Form '{self.name()}': unknown slot mapping type '{kind}'.")
            if value is not None:
                return {slot_to_fill: value}
        return {}

    # -- validation ----------------------------------------------------------------------------

    async def validate_slots(
        self, slot_dict: dict[str, Any], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventDict]:
        """Run `validate_<slot>` for each candidate; a method returning a non-dict (the 1.x style
        of returning the value itself) sets that value."""
        for slot, value in list(slot_dict.items()):
            validate = getattr(self, f"validate_{slot}", None)
            if validate is None:
                continue
            output = await maybe_await(validate(value, dispatcher, tracker, domain))
            slot_dict.update(output if isinstance(output, dict) else {slot: output})
        return [SlotSet(slot, value) for slot, value in slot_dict.items()]

    async def validate(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventDict]:
        """Extract and validate; reject the turn when the requested slot got no value at all,
        so another action (e.g. an answer to a side question) can run instead."""
        values = self.extract_other_slots(dispatcher, tracker, domain)
        slot_to_fill = tracker.get_slot(REQUESTED_SLOT)
        if slot_to_fill:
            values.update(self.extract_requested_slot(dispatcher, tracker, domain))
            if not values:
                raise ActionExecutionRejection(
                    self.name(),
                    f"Failed to extract slot {slot_to_fill} with action {self.name()}. "
                    "Allowing other policies to predict next action.",
                )
        return await self.validate_slots(values, dispatcher, tracker, domain)

    def _needs_validation(self, tracker: Tracker) -> bool:
        """Validate on activation, and on later turns only right after the user spoke and while
        validation is on (1.x `validate`, 2+/3 `is_interrupted`)."""
        loop = tracker.active_loop
        if tracker.active_loop_or_name() is None:
            return True
        return (
            tracker.latest_action_name == ACTION_LISTEN_NAME
            and loop.get(LEGACY_FORM_VALIDATE_KEY, True) is not False
            and not loop.get(LOOP_INTERRUPTED_KEY, False)
        )

    # -- the loop ------------------------------------------------------------------------------

    def request_next_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventDict] | None:
        """Ask for the first empty required slot, or None when all are filled."""
        for slot in self.required_slots(tracker):
            if tracker.get_slot(slot) is None:
                fillers = {k: v for k, v in tracker.slots.items() if k not in _UTTER_PARAMETERS}
                dispatcher.utter_message(response=f"utter_ask_{slot}", **fillers)
                return [SlotSet(REQUESTED_SLOT, slot)]
        return None

    def deactivate(self) -> list[EventDict]:
        return [Form(None), SlotSet(REQUESTED_SLOT, None)]

    async def _activate_if_required(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventDict]:
        """On first call, the `form` event plus validation of slots filled before activation."""
        if tracker.active_loop_or_name() == self.name():
            return []
        events = [Form(self.name())]
        prefilled = {s: tracker.get_slot(s) for s in self.required_slots(tracker) if tracker.get_slot(s) is not None}
        if prefilled:
            events.extend(await self.validate_slots(prefilled, dispatcher, tracker, domain))
        return events

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventDict]:
        events = await self._activate_if_required(dispatcher, tracker, domain)
        if self._needs_validation(tracker):
            events.extend(await maybe_await(self.validate(dispatcher, tracker, domain)))
        if _deactivates(events):
            return events
        updated = tracker.copy()
        for event in events:
            if event.get("event") == "slot":
                updated.slots[event["name"]] = event.get("value")
        next_slot = self.request_next_slot(dispatcher, updated, domain)
        if next_slot is not None:
            return events + next_slot
        events.extend(await maybe_await(self.submit(dispatcher, updated, domain)) or [])
        return events + self.deactivate()

    def __str__(self) -> str:
        return f"FormAction('{self.name()}')"
