"""A message to read before going on (e.g. the form contradiction warning): any key closes it."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class MessageScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    MessageScreen { align: center middle; }
    MessageScreen > Vertical { width: 80%; max-width: 100; height: auto; background: $surface;
                               border: thick $warning; padding: 0 1; }
    """

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="title", markup=False)
            yield Static(self.body, classes="body", markup=False)
            yield Static("press any key to go on", classes="help")

    def on_key(self, event: events.Key) -> None:
        event.stop()
        self.dismiss(None)
