"""`action_extract_slots`: after each user message, fill slots from their global mappings.

What runs here is what holds whatever a form does: Rasa 3's mappings without `conditions`
(from_entity, from_intent, from_text) and Rasa 1.x/2.x auto-fill (a slot filled by the entity of
the same name, which the domain reader turns into a from_entity mapping; `store_entities_as_slots:
false` switches it off). Custom mappings run the action they name, and the domain's
`action_validate_slot_mappings` sees the result, as in Rasa 3. Mappings conditioned on a form,
`from_trigger_intent`, validation inside a form and the form loop are the forms package's: it
replaces this action through the registry.
"""

from __future__ import annotations

import copy
from typing import Any

from core.domain import Domain
from core.errors import BotcoachError
from core.events import Event, SlotSet
from core.runtime.actions import Action, ActionContext, ActionRejected
from core.tracker import DialogueStateTracker

VALIDATE_SLOT_MAPPINGS = "action_validate_slot_mappings"


class ExtractSlotsAction(Action):
    """`action_extract_slots`: mapped slots, then custom mapping actions, then their validation.
    Forms subclass it to change only which mappings apply (`slot_events`)."""

    def slot_events(self, tracker: DialogueStateTracker, domain: Domain) -> list[Event]:
        return list(extract_slot_events(tracker, domain))

    async def run(self, tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        events: list[Event] = self.slot_events(tracker, context.domain)
        for action_name in custom_mapping_actions(context.domain):
            events += await run_quietly(action_name, tracker, events, context)
        if VALIDATE_SLOT_MAPPINGS in context.domain.actions:
            events += await run_quietly(VALIDATE_SLOT_MAPPINGS, tracker, events, context)
        return events


def extract_slot_events(tracker: DialogueStateTracker, domain: Domain) -> list[SlotSet]:
    """A SlotSet for each slot whose first matching global mapping gives a new value."""
    message = tracker.latest_message
    if message is None:
        return []
    events = []
    for name, slot in domain.all_slots.items():
        for mapping in domain.slot_mappings(name):
            if mapping.get("conditions") or not intent_is_desired(mapping, message.intent_name):
                continue
            if not domain.store_entities_as_slots and is_auto_fill(name, mapping):
                continue
            values = mapped_values(mapping, message)
            if not values:
                continue
            value = values if slot.type == "list" else values[-1]
            if tracker.get_slot(name) != value:
                events.append(SlotSet(name, value))
            break
    return events


def mapped_values(mapping: dict[str, Any], message: Any) -> list[Any]:
    kind = mapping.get("type")
    if kind == "from_entity":
        return [
            e.get("value")
            for e in message.entities
            if e.get("entity") == mapping.get("entity")
            and e.get("role") == mapping.get("role")
            and e.get("group") == mapping.get("group")
        ]
    if kind == "from_intent":
        return [mapping.get("value")]
    if kind == "from_text" and message.text is not None:
        return [message.text]
    return []


def intent_is_desired(mapping: dict[str, Any], intent: str | None) -> bool:
    wanted = _names(mapping.get("intent"))
    if wanted:
        return intent in wanted
    return intent not in _names(mapping.get("not_intent"))


def _names(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def is_auto_fill(slot: str, mapping: dict[str, Any]) -> bool:
    """The mapping 1.x/2.x auto-fill stands for: the slot's own entity, nothing else."""
    return mapping == {"type": "from_entity", "entity": slot}


def custom_mapping_actions(domain: Domain) -> list[str]:
    names: list[str] = []
    for slot in domain.all_slots:
        for mapping in domain.slot_mappings(slot):
            action = mapping.get("action")
            if mapping.get("type") == "custom" and not mapping.get("conditions") and action and action not in names:
                names.append(action)
    return names


async def run_quietly(
    name: str, tracker: DialogueStateTracker, events_so_far: list[Event], context: ActionContext
) -> list[Event]:
    """Run a slot-mapping action on the tracker plus the slots set so far; a failure is reported
    and costs only that action's slots, not the user's message."""
    if events_so_far:
        tracker = DialogueStateTracker(tracker.sender_id, tracker.slot_defaults, tracker.events)
        tracker.update_all(copy.deepcopy(events_so_far))
    try:
        return await context.registry.resolve(name).run(tracker, context)
    except ActionRejected:
        return []
    except BotcoachError as problem:
        context.report(problem)
        return []
