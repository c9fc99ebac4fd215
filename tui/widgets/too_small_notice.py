"""Shown instead of the layout when the terminal is too small to work in."""

from __future__ import annotations

from textual.widgets import Static

MIN_WIDTH = 60
MIN_HEIGHT = 16


class TooSmallNotice(Static):
    DEFAULT_CSS = """
    TooSmallNotice { width: 1fr; height: 1fr; content-align: center middle; text-align: center;
                     background: $error 30%; display: none; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(f"The terminal is too small.\nPlease make it at least {MIN_WIDTH}x{MIN_HEIGHT}.", **kwargs)
