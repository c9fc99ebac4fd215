"""The slots of the conversation, with the active form and its requested slot highlighted."""

from __future__ import annotations

import json

from rich.text import Text
from textual.widgets import Static

from core.tracker import DialogueStateTracker


def slot_value_text(value: object, limit: int = 60) -> str:
    """A slot's value as JSON with its characters as they are (no \\u escapes), cut with … after
    `limit` characters: the same in the Slots panel and the history."""
    shown = json.dumps(value, default=str, ensure_ascii=False)
    return f"{shown[:limit]}…" if len(shown) > limit else shown


class SlotsPanel(Static):
    DEFAULT_CSS = """
    SlotsPanel { height: auto; max-height: 12; border: round $primary; padding: 0 1; }
    """

    def on_mount(self) -> None:
        self.border_title = "Slots"

    def show(self, tracker: DialogueStateTracker) -> None:
        text = Text()
        form = tracker.active_loop_name
        requested = tracker.requested_slot
        if form:
            text.append(f"form: {form}\n", style="bold reverse")
        for name, value in tracker.slots.items():
            if value is None and name != requested:
                continue
            style = "bold yellow" if name == requested else ""
            text.append(f"{name}: {slot_value_text(value)}\n", style=style)
        if not text:
            text.append("(no slot set)", style="dim")
        self.update(text)
