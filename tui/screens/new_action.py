"""Create a new action; an `utter_` one needs the text the bot will say."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class NewActionScreen(ModalScreen[tuple[str, str] | None]):
    """Dismisses with (name, response text); the text is "" for a custom action."""

    DEFAULT_CSS = """
    NewActionScreen { align: center middle; }
    NewActionScreen > Vertical { width: 80%; max-width: 100; height: auto; background: $surface;
                                 border: thick $primary; padding: 0 1; }
    NewActionScreen #action-error { color: $error; height: auto; }
    NewActionScreen .-hidden { display: none; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="new_action.cancel")]

    def __init__(self, validate: Callable[[str, str], str | None]) -> None:
        super().__init__()
        self.validate = validate

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("New action name (utter_… for a response):")
            yield Input(placeholder="utter_… or action_…", id="action-name")
            yield Static("What the bot says:", id="response-label", classes="-hidden")
            yield Input(placeholder="response text", id="response-text", classes="-hidden")
            yield Static("", id="action-error", markup=False)
            yield Static("Enter next/accept · Esc cancel", classes="help")

    def on_mount(self) -> None:
        self.query_one("#action-name", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        name = self.query_one("#action-name", Input).value.strip()
        for widget in ("#response-label", "#response-text"):
            self.query_one(widget).set_class(not name.startswith("utter_"), "-hidden")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = self.query_one("#action-name", Input).value.strip()
        text_input = self.query_one("#response-text", Input)
        if event.input.id == "action-name" and name.startswith("utter_") and not text_input.value.strip():
            text_input.focus()
            return
        text = text_input.value.strip() if name.startswith("utter_") else ""
        problem = self.validate(name, text)
        self.query_one("#action-error", Static).update(problem or "")
        if problem is None:
            self.dismiss((name, text))

    def action_cancel(self) -> None:
        self.dismiss(None)
