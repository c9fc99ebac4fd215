"""The chat history as Rasa's interactive table: #, Bot, You.

A pure function turns the events in effect into rows, so reverted steps simply disappear; the
widget only draws them (a DataTable draws the visible rows only, so long sessions stay fast).
Cells break between words or after an `_`, so that names stay readable in narrow columns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from core.events import ActionExecuted, ActiveLoop, BotUttered, Event, SlotSet, UserUttered
from core.nlu.intent_message import is_intent_message
from core.tracker import DialogueStateTracker
from core.training_data.markup import to_markup
from tui.widgets.line_breaks import break_lines
from tui.widgets.slots_panel import slot_value_text


@dataclass(frozen=True)
class RowTarget:
    """What a row lets the person change: user message `user_turn` (1-based, as
    `Session.edit_turn` numbers them), or the bot actions it shows as (position, name), numbered
    as `Session.bot_actions` lists them."""

    user_turn: int | None = None
    actions: list[tuple[int, str]] = field(default_factory=list)


def history_rows(events: list[Event]) -> list[tuple[str, str, str]]:
    """(#, bot column, you column) per turn: bot rows gather actions (with confidence), bot
    messages, slot and form events; user rows show the markup and `intent: name 0.98`."""
    return [row for row, _ in rows_with_targets(events)]


def rows_with_targets(events: list[Event]) -> list[tuple[tuple[str, str, str], RowTarget]]:
    """The rows of `history_rows`, each with what it lets the person change."""
    rows: list[tuple[tuple[str, str, str], RowTarget]] = []
    bot: list[str] = []
    actions: list[tuple[int, str]] = []
    number = 0
    users = 0
    acted = 0  # named actions so far: the next one's position

    def flush() -> None:
        nonlocal number
        if bot:
            number += 1
            rows.append(((str(number), "\n".join(bot), ""), RowTarget(actions=list(actions))))
            bot.clear()
            actions.clear()

    for event in events:
        if isinstance(event, UserUttered):
            flush()
            number += 1
            users += 1
            intent = event.intent or {}
            confidence = intent.get("confidence")
            shown = f"{confidence:.2f}" if isinstance(confidence, (int, float)) else ""
            if not event.text:
                text = f"/{event.intent_name}"
            elif is_intent_message(event.text):  # its entities are written in it already
                text = event.text
            else:
                text = to_markup(event.text, event.entities)
            rows.append(((str(number), "", f"{text}\nintent: {event.intent_name} {shown}".rstrip()), RowTarget(users)))
        elif isinstance(event, ActionExecuted) and event.name:
            confidence = f" {event.confidence:.2f}" if event.confidence is not None else ""
            actions.append((acted, event.name))
            acted += 1
            bot.append(f"{event.name}{confidence}")
        elif isinstance(event, BotUttered):
            data = event.data or {}
            if event.text or not data.get("image"):
                bot.append(f"  {event.text or json.dumps(data, default=str, ensure_ascii=False)[:60]}")
            if data.get("image"):
                bot.append(f"  image: {data['image']}")
            for button in data.get("buttons") or []:
                if isinstance(button, dict):
                    bot.append(f"  [{button.get('title')}] {button.get('payload', '')}")
        elif isinstance(event, SlotSet):
            bot.append(f'slot{{"{event.name}": {slot_value_text(event.value)}}}')
        elif isinstance(event, ActiveLoop):
            bot.append(f'active_loop{{"name": {json.dumps(event.name)}}}')
    flush()
    return rows


class HistoryTable(DataTable):
    """Rows for the current conversation; the latest row stays in view.

    Updates are incremental: the rows both old and new share at the start stay, only the rest is
    removed and added, so a step costs the same after 1000 turns as after one. With the focus on
    it, the arrows move to a row and its key asks to fix that turn (`FixTurn`, the app answers).
    """

    DEFAULT_CSS = """
    HistoryTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("enter,e", "fix_turn", "Fix this turn", id="history.fix_turn"),
        Binding("escape", "back", "Back", show=False, id="history.back"),
    ]

    class FixTurn(Message):
        """The person asked to change what the highlighted row shows."""

        def __init__(self, target: RowTarget) -> None:
            super().__init__()
            self.target = target

    class Back(Message):
        """Escape: back to the question."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: list[tuple[str, str, str]] = []
        self._width = 0
        self.targets: list[RowTarget] = []  # one per row shown

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.add_column("#", key="number", width=4)
        self.add_column("Bot", key="bot")
        self.add_column("You", key="you")

    def on_resize(self) -> None:
        if self._column_width() != self._width:
            self.show_rows(list(self._shown))

    def show(self, tracker: DialogueStateTracker) -> None:
        rows = rows_with_targets(tracker.applied_events(collapse_loops=False))
        self.targets = [target for _, target in rows]
        self.show_rows([row for row, _ in rows])

    def action_fix_turn(self) -> None:
        if 0 <= self.cursor_row < len(self.targets):
            self.post_message(self.FixTurn(self.targets[self.cursor_row]))

    def action_back(self) -> None:
        self.post_message(self.Back())

    def show_rows(self, rows: list[tuple[str, str, str]]) -> None:
        width = self._column_width()
        if width != self._width:  # row heights depend on the width: draw everything again
            self._width = width
            self._shown = []
            self.clear()
            for key in ("bot", "you"):
                self.columns[key].width = width  # type: ignore[index]
                self.columns[key].auto_width = False  # type: ignore[index]
        keep = 0
        for old, new in zip(self._shown, rows):
            if old != new:
                break
            keep += 1
        for index in range(keep, len(self._shown)):
            self.remove_row(str(index))
        for index in range(keep, len(rows)):
            number, bot, you = rows[index]
            bot_lines, you_lines = break_lines(bot, width), break_lines(you, width)
            cells = [Text(number), Text("\n".join(bot_lines)), Text("\n".join(you_lines))]
            self.add_row(*cells, height=max(len(bot_lines), len(you_lines)), key=str(index))
        self._shown = list(rows)
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)

    def _column_width(self) -> int:
        return max(8, (self.size.width - 12) // 2)  # '#' column, cell padding, scrollbar
