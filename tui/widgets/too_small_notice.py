"""Shown over the layout when the terminal is too small to work in.

Over it, not instead of it: the layout stays, so the focus stays where it was and what the person
types meanwhile goes into the message line, which shows it again once the terminal is larger
(hiding the layout dropped the focus, and every key typed until a click).
"""

from __future__ import annotations

from textual.widgets import Static

MIN_WIDTH = 60
MIN_HEIGHT = 16


class TooSmallNotice(Static):
    DEFAULT_CSS = """
    TooSmallNotice { layer: notice; width: 100%; height: 100%; content-align: center middle;
                     text-align: center; background: $error-darken-3; display: none; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(f"The terminal is too small.\nPlease make it at least {MIN_WIDTH}x{MIN_HEIGHT}.", **kwargs)
