"""Rasa 2/3-style form helpers: the server-side half of a form, which validates and extracts slots
while Rasa's own form loop asks the questions. Rasa 1.x's `FormAction` lives in form_action.py
and is re-exported here because `rasa_sdk.forms` is where old actions import it from."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from .constants import ACTION_VALIDATE_SLOT_MAPPINGS, REQUESTED_SLOT
from .events import SlotSet
from .executor import maybe_await
from .form_action import FormAction
from .interfaces import Action, Tracker
from .types import DomainDict, EventDict

if TYPE_CHECKING:
    from .executor import CollectingDispatcher

__all__ = ["REQUESTED_SLOT", "FormAction", "FormValidationAction", "ValidationAction"]

logger = logging.getLogger(__name__)


def _method_suffix(slot_name: str) -> str:
    return slot_name.replace("-", "_")


class ValidationAction(Action, ABC):
    """Validates and extracts global slots (those not tied to a form) after every user turn.

    Write `extract_<slot>(dispatcher, tracker, domain) -> dict` to fill custom slots and
    `validate_<slot>(value, dispatcher, tracker, domain) -> dict` to accept, change or reject
    (`{slot: None}`) a value; either may be `async def`.
    """

    def name(self) -> str:
        return ACTION_VALIDATE_SLOT_MAPPINGS

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventDict]:
        tracker.add_slots(await self.get_extraction_events(dispatcher, tracker, domain))
        return await self._extract_validation_events(dispatcher, tracker, domain)

    async def _extract_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventDict]:
        events = await self.get_validation_events(dispatcher, tracker, domain)
        tracker.add_slots(events)
        return events

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """The slots to extract and validate; override (sync or async) to change them per turn."""
        return domain_slots

    def domain_slots(self, domain: DomainDict) -> list[str]:
        """Slots with no mapping conditioned on an active loop."""
        return self.global_slots(domain)

    def global_slots(self, domain: DomainDict) -> list[str]:
        slots = domain.get("slots") or {}
        return [name for name, spec in slots.items() if not _is_mapped_to_form(spec)]

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventDict]:
        """`SlotSet`s from the `extract_<slot>` methods, each seeing the previous ones' results."""
        extracted: dict[str, Any] = {}
        domain_slots = self.domain_slots(domain)
        for slot in await maybe_await(self.required_slots(domain_slots, dispatcher, tracker, domain)):
            values = await self._extract_slot(slot, dispatcher, tracker, domain, domain_slots)
            extracted.update(values)
            tracker.slots.update(values)
        return [SlotSet(slot, value) for slot, value in extracted.items()]

    async def _extract_slot(
        self,
        slot: str,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        domain_slots: list[str],
    ) -> dict[str, Any]:
        extract = getattr(self, f"extract_{_method_suffix(slot)}", None)
        if extract is None:
            if slot not in domain_slots:
                logger.warning("No method 'extract_%s' for slot '%s': nothing extracted.", slot, slot)
            return {}
        output = await maybe_await(extract(dispatcher, tracker, domain))
        if isinstance(output, dict):
            return output
        logger.warning("extract_%s returned %r, not a dict of slot values: ignored.", slot, output)
        return {}

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventDict]:
        """`SlotSet`s for the slots just set, after their `validate_<slot>` methods ran."""
        wanted = await maybe_await(self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain))
        candidates = {k: v for k, v in tracker.slots_to_validate().items() if k in wanted}
        for slot, value in list(candidates.items()):
            validate = getattr(self, f"validate_{_method_suffix(slot)}", None)
            if validate is None:
                logger.debug("No validate_%s method: '%s' kept as extracted.", slot, slot)
                continue
            output = await maybe_await(validate(value, dispatcher, tracker, domain))
            if isinstance(output, dict):
                candidates.update(output)
                tracker.slots.update(output)
            else:
                logger.warning("validate_%s returned %r, not a dict of slot values: ignored.", slot, output)
        return [SlotSet(slot, value) for slot, value in candidates.items()]


class FormValidationAction(ValidationAction, ABC):
    """Validates and extracts the slots of one form; its name must be `validate_<form name>`."""

    @abstractmethod
    def name(self) -> str:
        """`validate_<form name>`."""

    def form_name(self) -> str:
        return self.name().replace("validate_", "", 1)

    def domain_slots(self, domain: DomainDict) -> list[str]:
        """The form's `required_slots` as listed in the domain."""
        form = (domain.get("forms") or {}).get(self.form_name()) or {}
        required = form.get("required_slots") if isinstance(form, dict) else None
        if isinstance(required, dict):  # Rasa 2.x listed required slots with their mappings
            return list(required)
        return list(required) if isinstance(required, list) else []

    async def validate(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventDict]:
        """The form's validation step, as rasa_sdk 3.0-3.1 named it: subclasses override it to add
        their own events around `super().validate(...)` (the `validate_<slot>` methods' results)."""
        return await self.get_validation_events(dispatcher, tracker, domain)

    async def _extract_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventDict]:
        events = list(await maybe_await(self.validate(dispatcher, tracker, domain)) or [])
        tracker.add_slots(events)
        next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
        if next_slot:
            events.append(next_slot)
        return events

    async def next_requested_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventDict | None:
        """A `SlotSet(requested_slot, ...)` only when `required_slots` was overridden to differ
        from the domain; otherwise the form loop on the Rasa side picks the next slot."""
        domain_slots = self.domain_slots(domain)
        required = await maybe_await(self.required_slots(domain_slots, dispatcher, tracker, domain))
        if required == domain_slots:
            return None
        missing = (slot for slot in required if tracker.slots.get(slot) is None)
        return SlotSet(REQUESTED_SLOT, next(missing, None))


def _is_mapped_to_form(slot_spec: Any) -> bool:
    if not isinstance(slot_spec, dict):
        return False
    for mapping in slot_spec.get("mappings") or []:
        for condition in (mapping.get("conditions") or []) if isinstance(mapping, dict) else []:
            if isinstance(condition, dict) and condition.get("active_loop"):
                return True
    return False
