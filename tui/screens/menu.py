"""What Ctrl-C opens: the session never ends without asking."""

from __future__ import annotations

from textual.binding import Binding

from tui.screens.pick import PickScreen
from tui.widgets.ranked_list import Entry

MENU = [
    Entry("continue", "Continue"),
    Entry("undo", "Undo Last"),
    Entry("fork", "Fork"),
    Entry("fresh", "Start Fresh"),
    Entry("fix_turn", "Fix a Past Turn"),
    Entry("open_stored", "Open a Stored Conversation"),
    Entry("export_quit", "Export & Quit"),
    Entry("quit", "Quit without exporting"),
]


class MenuScreen(PickScreen):
    BINDINGS = [Binding("ctrl+c", "cancel", "Continue", priority=True, id="menu.continue")]

    def __init__(self, unsaved: bool, stored: bool = False) -> None:
        """`stored`: a tracker store is configured, so a stored conversation can be opened."""
        note = " (unsaved changes)" if unsaved else ""
        entries = [entry for entry in MENU if stored or entry.id != "open_stored"]
        super().__init__(f"What now?{note}", entries, "↑↓ move · Enter choose · Esc/Ctrl-C continue")
