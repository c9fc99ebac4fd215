"""Where to export: stories, NLU and domain paths, prefilled with the project's own files.

When a write failed the app opens this screen again with the message, so the person can fix the
path (or the permissions) and retry.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from core.interactive.export import ExportPaths


class ExportPathsScreen(ModalScreen[ExportPaths | None]):
    DEFAULT_CSS = """
    ExportPathsScreen { align: center middle; }
    ExportPathsScreen > Vertical { width: 90%; max-width: 110; height: auto; background: $surface;
                                   border: thick $primary; padding: 0 1; }
    ExportPathsScreen #export-error { color: $error; height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="export.cancel")]

    def __init__(self, paths: ExportPaths, error: str = "", summary: str = "") -> None:
        super().__init__()
        self.paths = paths
        self.error = error
        self.summary = summary

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Export the session{': ' + self.summary if self.summary else ''}", markup=False)
            yield Static("Stories file:")
            yield Input(str(self.paths.stories), id="stories-path", compact=True)
            yield Static("NLU file:")
            yield Input(str(self.paths.nlu), id="nlu-path", compact=True)
            yield Static("Domain file:")
            yield Input(str(self.paths.domain), id="domain-path", compact=True)
            yield Static(self.error, id="export-error", markup=False)
            yield Static("Enter next field / export · Esc cancel", classes="help")

    def on_mount(self) -> None:
        self._failed_field().focus()

    def _failed_field(self) -> Input:
        """The field whose path (or folder) the error names, so it can be fixed at once; else the first."""
        fields = list(self.query(Input))
        for named in (lambda f: f.value, lambda f: str(Path(f.value).parent)):
            for field in fields:
                if self.error and named(field) and named(field) in self.error:
                    return field
        return fields[0]

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        order = ["stories-path", "nlu-path", "domain-path"]
        index = order.index(event.input.id or "stories-path")
        if index < len(order) - 1:
            self.query_one(f"#{order[index + 1]}", Input).focus()
            return
        values = [self.query_one(f"#{name}", Input).value.strip() for name in order]
        if not all(values):
            self.query_one("#export-error", Static).update("every path is needed")
            return
        self.dismiss(ExportPaths(*(Path(v) for v in values)))

    def action_cancel(self) -> None:
        self.dismiss(None)
