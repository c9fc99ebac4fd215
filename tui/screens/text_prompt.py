"""Ask for one line of text, validated on every key: entity markup, a new intent's name."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

# Returns an error message for a value that cannot be accepted, None when it is fine.
Validator = Callable[[str], "str | None"]


class TextPromptScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    TextPromptScreen { align: center middle; }
    TextPromptScreen > Vertical { width: 80%; max-width: 100; height: auto; background: $surface;
                                  border: thick $primary; padding: 0 1; }
    TextPromptScreen #prompt-error { color: $error; height: auto; }
    TextPromptScreen #prompt-help { color: $text-muted; height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(
        self,
        title: str,
        value: str = "",
        validate: Validator | None = None,
        help_text: str = "Enter accept · Esc cancel",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.validate = validate or (lambda _: None)
        self.help_text = help_text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, markup=False)
            yield Input(self.value, id="prompt-input")
            yield Static("", id="prompt-error", markup=False)
            yield Static(self.help_text, id="prompt-help")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self._check(self.value)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._check(event.value)

    def _check(self, value: str) -> str | None:
        problem = self.validate(value)
        self.query_one("#prompt-error", Static).update(problem or "")
        return problem

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._check(event.value) is None:
            self.dismiss(event.value)
        else:
            self.app.bell()

    def action_cancel(self) -> None:
        self.dismiss(None)
