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
    Entry("export_quit", "Export & Quit"),
    Entry("quit", "Quit without exporting"),
]


class MenuScreen(PickScreen):
    BINDINGS = [Binding("ctrl+c", "cancel", "Continue", priority=True, id="menu.continue")]

    def __init__(self, unsaved: bool) -> None:
        note = " (unsaved changes)" if unsaved else ""
        super().__init__(f"What now?{note}", MENU, "↑↓ move · Enter choose · Esc/Ctrl-C continue")
