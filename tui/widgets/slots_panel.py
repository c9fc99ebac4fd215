"""The slots of the conversation, with the active form and its requested slot highlighted."""

from __future__ import annotations

import json

from rich.text import Text
from textual.widgets import Static

from core.tracker import DialogueStateTracker


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
            shown = json.dumps(value, default=str, ensure_ascii=False)
            text.append(f"{name}: {shown[:60]}{'…' if len(shown) > 60 else ''}\n", style=style)
        if not text:
            text.append("(no slot set)", style="dim")
        self.update(text)
