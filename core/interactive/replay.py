"""A stored conversation (from a Rasa tracker store) replayed as a teaching session's script.

Each stored user turn is asked again with the parse the deployed bot made; the current model's
parse and next-action predictions are compared with what happened and every difference is noted
on the question, so the person sees where the model now disagrees before confirming or correcting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.events import ActionExecuted, UserUttered
from core.tracker import DialogueStateTracker

UNLIKELY_INTENT = "action_unlikely_intent"  # a policy's warning Rasa logs, not a move of the bot


@dataclass(frozen=True)
class StoredTurn:
    """One user message as the deployed bot understood it, and the actions it ran after it."""

    text: str
    parse: dict[str, Any]
    actions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StoredConversation:
    origin: str  # the store and sender, written into the exported story's name
    turns: list[StoredTurn]


def stored_conversation(tracker: DialogueStateTracker, store: str) -> StoredConversation:
    """The user turns of a stored tracker (events in effect), each with the actions that followed."""
    turns: list[StoredTurn] = []
    for event in tracker.applied_events():
        if isinstance(event, UserUttered) and event.text:
            parse = {**event.parse_data, "text": event.text, "intent": event.intent, "entities": event.entities}
            turns.append(StoredTurn(event.text, parse))
        elif isinstance(event, ActionExecuted) and event.name and turns and event.name != UNLIKELY_INTENT:
            turns[-1].actions.append(event.name)
    return StoredConversation(f"{store} sender {tracker.sender_id}", turns)


def parse_note(stored: dict[str, Any], model: dict[str, Any]) -> str | None:
    """What the current model now says differently about a stored message, if anything."""
    was, now = (stored.get("intent") or {}).get("name"), (model.get("intent") or {}).get("name")
    notes = [f"the deployed bot parsed '{was}', the model now says '{now}'"] if was != now else []
    keys = sorted((e.get("entity"), e.get("value")) for e in stored.get("entities") or [])
    if keys != sorted((e.get("entity"), e.get("value")) for e in model.get("entities") or []):
        notes.append("the model now finds other entities")
    return "; ".join(notes) or None


def action_note(turn: StoredTurn, position: int, predicted: str) -> str | None:
    """The action that ran at this step of the turn before, when the model now predicts another."""
    ran = turn.actions[position] if position < len(turn.actions) else None
    if ran == predicted:
        return None
    return f"'{ran}' ran here before" if ran else "nothing more ran here before"
