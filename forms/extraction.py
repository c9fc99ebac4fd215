"""Slot mappings as Rasa 3 applies them while forms exist: mapping `conditions` (active_loop,
requested_slot), the active form's `ignored_intents`, and `from_trigger_intent`.

The per-mapping semantics (which entity, role and group; intent / not_intent; from_intent and
from_text values; 1.x auto-fill) are core's (core/runtime/slot_filling.py), reused here so the
global and the form-aware extraction can never disagree. `FormAwareExtractSlots` replaces core's
`action_extract_slots` through the registry (see forms/registry.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.domain import REQUESTED_SLOT, Domain
from core.events import Event, SlotSet, UserUttered
from core.runtime import slot_filling
from core.runtime.slot_filling import ExtractSlotsAction, is_auto_fill
from core.tracker import DialogueStateTracker

FROM_TRIGGER_INTENT = "from_trigger_intent"


def conditions_hold(
    mapping: dict[str, Any], tracker: DialogueStateTracker, slot: str, ignore_rejection: bool = False
) -> bool:
    """Rasa 3: no conditions, or one naming the active loop (and, if given, the requested slot).

    While the loop stands rejected for the slot it asks for, its conditioned mappings do not
    fill that slot: the input went to an unhappy path. `ignore_rejection` lifts this for a form
    that was told to use the input after all (the validation question answered yes).
    """
    conditions = mapping.get("conditions") or []
    if not conditions or mapping.get("type") == FROM_TRIGGER_INTENT:
        return True
    requested = tracker.get_slot(REQUESTED_SLOT)
    if not ignore_rejection and tracker.is_active_loop_rejected and requested == slot:
        return False
    loop = tracker.active_loop_name
    for condition in conditions:
        if not isinstance(condition, dict):
            continue
        wanted_loop = condition.get("active_loop")
        if wanted_loop and wanted_loop == loop:
            wanted_slot = condition.get(REQUESTED_SLOT)
            if not wanted_slot or wanted_slot == requested:
                return True
    return False


def intent_is_desired(mapping: dict[str, Any], tracker: DialogueStateTracker, domain: Domain) -> bool:
    """core's intent / not_intent check, plus the active form's ignored intents (Rasa 3 adds them
    to every mapping that is unconditioned or conditioned on that form)."""
    intent = tracker.latest_message.intent_name if tracker.latest_message else None
    ignored = _ignored_intents(mapping, tracker, domain)
    if ignored and intent in ignored:
        return False
    return slot_filling.intent_is_desired(mapping, intent)


def _ignored_intents(mapping: dict[str, Any], tracker: DialogueStateTracker, domain: Domain) -> list[str]:
    loop = tracker.active_loop_name
    form = domain.forms.get(loop) if loop else None
    if form is None or not form.ignored_intents:
        return []
    conditions = [c for c in mapping.get("conditions") or [] if isinstance(c, dict)]
    if conditions and not any(c.get("active_loop") == loop for c in conditions):
        return []
    return list(form.ignored_intents)


def mapped_values(mapping: dict[str, Any], tracker: DialogueStateTracker) -> list[Any]:
    """What one mapping takes from the latest message; from_trigger_intent gives its value while
    the form it names is not active yet (the message that activates it)."""
    message = tracker.latest_message
    if message is None:
        return []
    if mapping.get("type") == FROM_TRIGGER_INTENT:
        loops = [c.get("active_loop") for c in mapping.get("conditions") or [] if isinstance(c, dict)]
        return [mapping.get("value")] if tracker.active_loop_name not in loops else []
    return slot_filling.mapped_values(mapping, message)


def extract_slots(
    tracker: DialogueStateTracker,
    domain: Domain,
    only: Iterable[str] | None = None,
    ignore_rejection: bool = False,
) -> dict[str, Any]:
    """slot -> value for every slot (or those in `only`) whose first applicable mapping gives a
    value from the latest message; list slots take every value, others the last one."""
    wanted = set(only) if only is not None else None
    values: dict[str, Any] = {}
    for name, slot in domain.all_slots.items():
        if name == REQUESTED_SLOT or (wanted is not None and name not in wanted):
            continue
        for mapping in domain.slot_mappings(name):
            if not domain.store_entities_as_slots and is_auto_fill(name, mapping):
                continue
            if not conditions_hold(mapping, tracker, name, ignore_rejection):
                continue
            if not intent_is_desired(mapping, tracker, domain):
                continue
            found = mapped_values(mapping, tracker)
            if found:
                values[name] = found if slot.type == "list" else found[-1]
                break
    return values


def extraction_events(tracker: DialogueStateTracker, domain: Domain) -> list[SlotSet]:
    """A SlotSet for each extracted value that differs from the slot's current value."""
    return [
        SlotSet(name, value)
        for name, value in extract_slots(tracker, domain).items()
        if tracker.get_slot(name) != value
    ]


def slots_set_since_user(tracker: DialogueStateTracker, names: Iterable[str] | None = None) -> dict[str, Any]:
    """The slots (among `names`) that a SlotSet changed after the latest user message, with their
    current value: what a form validates after the user answered."""
    wanted = set(names) if names is not None else None
    changed: list[str] = []
    for event in reversed(tracker.applied_events(collapse_loops=False)):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, SlotSet) and (wanted is None or event.name in wanted) and event.name not in changed:
            changed.append(event.name)
    return {name: tracker.get_slot(name) for name in reversed(changed) if name != REQUESTED_SLOT}


def value_before_user(tracker: DialogueStateTracker, slot: str) -> Any:
    """The value `slot` had before the latest user message."""
    value = (tracker.slot_defaults or {}).get(slot)
    history = tracker.applied_events(collapse_loops=False)
    last_user = max((i for i, e in enumerate(history) if isinstance(e, UserUttered)), default=len(history))
    for event in history[:last_user]:
        if isinstance(event, SlotSet) and event.name == slot:
            value = event.value
    return value


class FormAwareExtractSlots(ExtractSlotsAction):
    """`action_extract_slots` with every mapping, conditioned ones included."""

    def slot_events(self, tracker: DialogueStateTracker, domain: Domain) -> list[Event]:
        return list(extraction_events(tracker, domain))


__all__ = [
    "FormAwareExtractSlots",
    "conditions_hold",
    "extract_slots",
    "extraction_events",
    "intent_is_desired",
    "mapped_values",
    "slots_set_since_user",
    "value_before_user",
]
