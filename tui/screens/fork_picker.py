"""Pick the user message before which the conversation branches off."""

from __future__ import annotations

from tui.screens.pick import PickScreen
from tui.widgets.ranked_list import Entry


class ForkPickerScreen(PickScreen):
    def __init__(self, messages: list[str]) -> None:
        entries = [Entry(str(i), f"{i + 1}. before: {text}") for i, text in enumerate(messages)]
        super().__init__("Fork: branch off before which user message?", entries)
