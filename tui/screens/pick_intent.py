"""Pick the right intent: every intent of the domain with its confidence, best first."""

from __future__ import annotations

from core.nlu.parse import Parse
from tui.screens.pick import PickScreen
from tui.widgets.ranked_list import Entry

NEW_INTENT = "<new>"


def intent_entries(intents: list[str], parse: Parse) -> list[Entry]:
    confidences = {r.get("name"): r.get("confidence") for r in parse.get("intent_ranking") or []}
    ranked = sorted(intents, key=lambda name: -(confidences.get(name) or 0.0))
    entries = [Entry(name, f"{(confidences.get(name) or 0.0):.2f}  {name}") for name in ranked]
    return [*entries, Entry(NEW_INTENT, "<create new intent>", always=True)]


class PickIntentScreen(PickScreen):
    def __init__(self, text: str, intents: list[str], parse: Parse) -> None:
        super().__init__(f"What is the intent of '{text}'?", intent_entries(intents, parse))
