"""The line where the person types the user's message.

A paste of several lines becomes one message: Textual's Input keeps only the first line of a
bracketed paste, and a terminal without bracketed paste glues the lines together; here the
lines are joined by single spaces, in the line before anything is sent.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


def one_line(text: str) -> str:
    """The non-empty lines of `text`, stripped, joined by single spaces."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


class MessageLine(Input):
    def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()  # Input's own handler would keep the first line only
        event.stop()
        text = one_line(event.text)
        if not text:
            return
        if self.selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *self.selection)
