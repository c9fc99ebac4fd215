"""Pick a conversation a deployed bot stored: sender, start, user turns and review marks, most
suspicious first; typing filters by sender, a key cycles the mark filter, Enter opens the
highlighted one (dismissed with its sender), Escape cancels."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static

from core.tracker_store import ConversationSummary
from core.tracker_store.listing import MARKS, matching

SHOWN = 200  # rows drawn at most: typing narrows a store of 100,000 conversations to these


class StorePickerScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    StorePickerScreen { align: center middle; }
    StorePickerScreen > Vertical { width: 90%; max-width: 110; height: 90%; background: $surface;
                                   border: thick $primary; padding: 0 1; }
    StorePickerScreen #store-table { height: 1fr; }
    StorePickerScreen #store-filter-line, StorePickerScreen #store-help { height: auto; color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="store.cancel"),
        Binding("ctrl+k", "next_mark", "Mark filter", priority=True, id="store.mark"),
        Binding("up", "move(-1)", "Up", show=False, id="store.up"),
        Binding("down", "move(1)", "Down", show=False, id="store.down"),
    ]

    def __init__(self, store: str, summaries: list[ConversationSummary], mark_key: str = "^k") -> None:
        super().__init__()
        self.store = store
        self.summaries = summaries  # most suspicious first (ordered off the UI thread): keys only filter
        self.mark: str | None = None
        self.mark_key = mark_key
        self.senders: list[str] = []  # one per row shown

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Open a stored conversation from {self.store}", id="store-title", markup=False)
            yield Input(placeholder="type to filter by sender", id="store-filter", compact=True)
            yield Static("", id="store-filter-line")
            yield DataTable(id="store-table", cursor_type="row", zebra_stripes=True)
            yield Static(
                f"type to filter · {self.mark_key} filter by mark · ↑↓ move · Enter open (replayed with the "
                "current model) · Esc cancel",
                id="store-help",
            )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.can_focus = False  # the filter keeps the focus; ↑↓ move the table's cursor
        table.add_columns("sender", "started", "turns", "marks")
        self.query_one(Input).focus()
        self._refresh()

    def _refresh(self) -> None:
        sender = self.query_one(Input).value.strip()
        found = matching(self.summaries, sender or None, self.mark)
        drawn = found[:SHOWN]
        table = self.query_one(DataTable)
        table.clear()
        self.senders = [row.sender for row in drawn]
        for row in drawn:
            started = time.strftime("%Y-%m-%d %H:%M", time.localtime(row.start)) if row.start else "?"
            table.add_row(Text(row.sender), started, str(row.turns), ", ".join(row.marks) or "-")
        shown = f"showing the first {len(drawn)} (type to narrow)" if len(found) > len(drawn) else "all shown"
        mark = f"mark: {self.mark or 'any'}"
        self.query_one("#store-filter-line", Static).update(
            f"{len(found)} of {len(self.summaries)} conversations, most suspicious first, {shown} · {mark}"
        )

    def on_input_changed(self, event: Input.Changed) -> None:
        self._refresh()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        row = self.query_one(DataTable).cursor_row
        if 0 <= row < len(self.senders):
            self.dismiss(self.senders[row])
        else:
            self.app.bell()

    def action_next_mark(self) -> None:
        cycle: list[str | None] = [None, *MARKS]
        self.mark = cycle[(cycle.index(self.mark) + 1) % len(cycle)]
        self._refresh()

    def action_move(self, step: int) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            table.move_cursor(row=min(max(table.cursor_row + step, 0), table.row_count - 1))

    def action_cancel(self) -> None:
        self.dismiss(None)
