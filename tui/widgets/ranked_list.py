"""A ranked list (OptionList) with a filter input above it.

Typing filters the entries; Up/Down move through them while the filter keeps focus; Enter
chooses the highlighted one and posts `RankedList.Chosen` with its id. The highlight starts on
the first entry, the best one. Each entry takes one line: at 80 columns a long action name is
shortened in the middle (the filter still matches the whole name).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option


def fit(label: str, width: int) -> str:
    """`label` in one line of `width` cells: a long one loses its middle, not its end, so that
    utter_ask_restaurant_form_cuisine and utter_ask_restaurant_form_num_people stay apart."""
    if width <= 0 or cell_len(label) <= width:
        return label
    if width < 5:
        return set_cell_size(label, width)
    head = (width + 5) // 3  # the probability and the start; the rest for the end, which tells names apart
    return f"{set_cell_size(label, head)}…{set_cell_size(label[::-1], width - 1 - head)[::-1]}"


@dataclass
class Entry:
    id: str
    label: str
    always: bool = False  # shown whatever the filter (e.g. "<create new action>")


class RankedList(Vertical):
    DEFAULT_CSS = """
    RankedList { height: 1fr; border: round $secondary; }
    RankedList > OptionList { height: 1fr; border: none; scrollbar-gutter: stable; }
    """
    BINDINGS = [
        Binding("down", "move(1)", "Next", show=False, id="ranked.down"),
        Binding("up", "move(-1)", "Previous", show=False, id="ranked.up"),
        Binding("pagedown", "move(8)", show=False, id="ranked.pagedown"),
        Binding("pageup", "move(-8)", show=False, id="ranked.pageup"),
    ]

    class Chosen(Message):
        def __init__(self, ranked: RankedList, entry_id: str) -> None:
            super().__init__()
            self.ranked = ranked
            self.entry_id = entry_id

        @property
        def control(self) -> RankedList:
            return self.ranked

    def __init__(self, title: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.border_title = title
        self._entries: list[Entry] = []

    def compose(self) -> ComposeResult:
        yield Input(placeholder="type to filter", classes="filter", compact=True)
        yield OptionList()

    @property
    def filter_input(self) -> Input:
        return self.query_one(Input)

    @property
    def options(self) -> OptionList:
        return self.query_one(OptionList)

    def set_entries(self, entries: list[Entry], title: str | None = None) -> None:
        self._entries = entries
        if title is not None:
            self.border_title = title
        self.filter_input.value = ""
        self._refill("")

    def visible_ids(self) -> list[str]:
        options = self.options
        return [options.get_option_at_index(i).id or "" for i in range(options.option_count)]

    def highlighted_id(self) -> str | None:
        options = self.options
        if options.highlighted is None:
            return None
        return options.get_option_at_index(options.highlighted).id

    def _refill(self, text: str, keep: str | None = None) -> None:
        """Show the entries matching the filter `text`, highlighting `keep` if shown, else the first."""
        words = text.lower().split()
        options = self.options
        options.clear_options()
        shown = [e for e in self._entries if e.always or all(w in e.label.lower() for w in words)]
        width = (
            options.scrollable_content_region.width - options.get_component_styles("option-list--option").padding.width
        )
        options.add_options([Option(fit(e.label, width), id=e.id) for e in shown])
        if shown:
            ids = [e.id for e in shown]
            options.highlighted = ids.index(keep) if keep in ids else 0

    def on_resize(self) -> None:
        self._refill(self.filter_input.value, keep=self.highlighted_id())

    def focus_filter(self) -> None:
        self.filter_input.focus()

    @on(Input.Changed, ".filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._refill(event.value)

    @on(Input.Submitted, ".filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        chosen = self.highlighted_id()
        if chosen is not None:
            self.post_message(self.Chosen(self, chosen))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Chosen(self, event.option.id))

    def action_move(self, step: int) -> None:
        options = self.options
        if not options.option_count:
            return
        current = options.highlighted if options.highlighted is not None else -1
        options.highlighted = max(0, min(options.option_count - 1, current + step))
