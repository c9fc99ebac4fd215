"""One line at the bottom: model, action server state, data files, unsaved changes, a session
journal that cannot be written (teaching is then not safe from a crash), and what online learning
is doing ("learning…", then what the bot now predicts differently)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.model = "loading…"
        self.action_server = "action server: checking…"
        self.action_server_ok: bool | None = None
        self.data = ""
        self.unsaved = False
        self.journal_problem: str | None = None
        self.learning = ""

    def show(self, **changes) -> None:
        for key, value in changes.items():
            setattr(self, key, value)
        text = Text()
        text.append(f"model: {self.model}  ")
        style = {True: "green", False: "bold red", None: "yellow"}[self.action_server_ok]
        text.append(self.action_server, style=style)
        text.append(f"  data: {self.data}")
        text.append("  ● unsaved" if self.unsaved else "  saved", style="bold yellow" if self.unsaved else "dim")
        if self.journal_problem:
            text.append("  journal: cannot write!", style="bold red")
        if self.learning:
            text.append(f"  {self.learning}", style="italic")
        self.update(text)
