"""A ranked list (OptionList) with a filter input above it.

Typing filters the entries; Up/Down move through them while the filter keeps focus; Enter
chooses the highlighted one and posts `RankedList.Chosen` with its id. The highlight starts on
the first entry, the best one. An entry too long for the width is shown whole on more lines,
broken between words or after an `_`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from tui.widgets.line_breaks import break_lines

_CONFIDENCE = re.compile(r"\d\.\d\d  ")  # how the action and intent lists start their labels


def label_lines(label: str, width: int) -> str:
    """`label` whole, on as many lines of `width` cells as it needs: a long name breaks after an
    `_` and goes on under itself, past the confidence (`0.00  action_show_concert_` / `reviews`)."""
    confidence = _CONFIDENCE.match(label)
    return "\n".join(break_lines(label, width, hang=confidence.end() if confidence else 0))


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
        options.add_options([Option(label_lines(e.label, width), id=e.id) for e in shown])
        if shown:
            ids = [e.id for e in shown]
            options.highlighted = ids.index(keep) if keep in ids else 0

    def on_resize(self) -> None:
        self._refill(self.filter_input.value, keep=self.highlighted_id())

    def focus_filter(self) -> None:
        self.screen.set_focus(self.filter_input)  # at once, before the keys typed after (see QuestionBar)

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
