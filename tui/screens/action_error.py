"""A custom action failed: say why, then retry, pick another action, or go on."""

from __future__ import annotations

from tui.screens.pick import PickScreen
from tui.widgets.ranked_list import Entry

CHOICES = [
    Entry("retry", "Retry the action"),
    Entry("pick", "Pick another action"),
    Entry("continue", "Go on (log it as run, without its effects)"),
]


class ActionErrorScreen(PickScreen):
    DEFAULT_CSS = """
    ActionErrorScreen #pick-title { color: $error; }
    """

    def __init__(self, action: str, problem: str) -> None:
        super().__init__(f"'{action}' failed:\n{problem}", CHOICES, "↑↓ move · Enter choose · Esc pick another")
