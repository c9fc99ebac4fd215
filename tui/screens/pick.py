"""A modal list to pick one entry from (with a filter): the base of intent, fork and menu pickers."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.widgets.ranked_list import Entry, RankedList


class PickScreen(ModalScreen[str | None]):
    """Dismisses with the chosen entry's id, or None on Escape."""

    DEFAULT_CSS = """
    PickScreen { align: center middle; }
    PickScreen > Vertical { width: 80%; max-width: 90; height: 80%; max-height: 30;
                            background: $surface; border: thick $primary; padding: 0 1; }
    PickScreen #pick-title-box { height: auto; max-height: 25vh; }
    PickScreen #pick-help { height: auto; color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="pick.cancel")]

    def __init__(
        self, title: str, entries: list[Entry], help_text: str = "↑↓ move · type to filter · Enter choose · Esc cancel"
    ) -> None:
        super().__init__()
        self.title_text = title
        self.entries = entries
        self.help_text = help_text
        self.filter_text = ""  # what was typed into the filter when an entry was chosen

    def compose(self) -> ComposeResult:
        with Vertical():
            with VerticalScroll(id="pick-title-box", can_focus=False):  # a long message scrolls here
                yield Static(self.title_text, id="pick-title", markup=False)
            yield RankedList()
            yield Static(self.help_text, id="pick-help")

    def on_mount(self) -> None:
        ranked = self.query_one(RankedList)
        ranked.set_entries(self.entries)
        ranked.focus_filter()

    @on(RankedList.Chosen)
    def _chosen(self, event: RankedList.Chosen) -> None:
        self.filter_text = event.ranked.filter_input.value
        self.dismiss(event.entry_id)

    def action_cancel(self) -> None:
        self.dismiss(None)
