"""The chat history as Rasa's interactive table: #, Bot, You.

A pure function turns the events in effect into rows, so reverted steps simply disappear; the
widget only draws them (a DataTable draws the visible rows only, so long sessions stay fast).
"""

from __future__ import annotations

import json

from rich.text import Text
from textual.widgets import DataTable

from core.events import ActionExecuted, ActiveLoop, BotUttered, Event, SlotSet, UserUttered
from core.tracker import DialogueStateTracker
from core.training_data.markup import to_markup


def history_rows(events: list[Event]) -> list[tuple[str, str, str]]:
    """(#, bot column, you column) per turn: bot rows gather actions (with confidence), bot
    messages, slot and form events; user rows show the markup and `intent: name 0.98`."""
    rows: list[tuple[str, str, str]] = []
    bot: list[str] = []
    number = 0

    def flush() -> None:
        nonlocal number
        if bot:
            number += 1
            rows.append((str(number), "\n".join(bot), ""))
            bot.clear()

    for event in events:
        if isinstance(event, UserUttered):
            flush()
            number += 1
            intent = event.intent or {}
            confidence = intent.get("confidence")
            shown = f"{confidence:.2f}" if isinstance(confidence, (int, float)) else ""
            text = to_markup(event.text, event.entities) if event.text else f"/{event.intent_name}"
            rows.append((str(number), "", f"{text}\nintent: {event.intent_name} {shown}".rstrip()))
        elif isinstance(event, ActionExecuted) and event.name:
            confidence = f" {event.confidence:.2f}" if event.confidence is not None else ""
            bot.append(f"{event.name}{confidence}")
        elif isinstance(event, BotUttered):
            bot.append(f"  {event.text or json.dumps(event.data, default=str)[:60]}")
            for button in (event.data or {}).get("buttons") or []:
                if isinstance(button, dict):
                    bot.append(f"  [{button.get('title')}] {button.get('payload', '')}")
        elif isinstance(event, SlotSet):
            bot.append(f"slot{{\"{event.name}\": {json.dumps(event.value, default=str)[:40]}}}")
        elif isinstance(event, ActiveLoop):
            bot.append(f"active_loop{{\"name\": {json.dumps(event.name)}}}")
    flush()
    return rows


class HistoryTable(DataTable):
    """Rows for the current conversation; the latest row stays in view."""

    DEFAULT_CSS = """
    HistoryTable { height: 1fr; }
    """

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.add_column("#", key="number", width=3)
        self.add_column("Bot", key="bot")
        self.add_column("You", key="you")

    def show(self, tracker: DialogueStateTracker) -> None:
        self.clear()
        width = max(20, (self.size.width - 9) // 2)
        for number, bot, you in history_rows(tracker.applied_events(collapse_loops=False)):
            cells = [Text(number), Text(bot, overflow="fold"), Text(you, overflow="fold")]
            height = max(_lines(bot, width), _lines(you, width))
            self.add_row(*cells, height=height)
        for key in ("bot", "you"):
            self.columns[key].width = width  # type: ignore[index]
            self.columns[key].auto_width = False  # type: ignore[index]
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)


def _lines(text: str, width: int) -> int:
    return max(1, sum(max(1, -(-len(line) // width)) for line in text.split("\n"))) if text else 1
