"""The keys of the app and what each question expects."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HELP = """\
botcoach interactive: teach the bot by talking to it.

Next user input     type what the user says (or /intent{"entity": "value"}), Enter.
                    Buttons of the bot's last message are listed on the right: pick one.
NLU question        y/Enter correct · n pick the intent (or create one) · e fix entities
                    in markup: [Berlin](city) or [Berlin]{"entity": "city", "role": "to"}
Action question     y/Enter run it · n pick another from the ranked list (type to filter,
                    ↑↓, Enter) · a create a new action (utter_… asks for its text)
Form validation     y validate the input · n do not

Ctrl-Z  undo the last step (again to go further back)
Ctrl-E  export stories, NLU examples and domain changes (the session goes on)
Ctrl-F  fork: branch off before an earlier user message
Ctrl-N  start a fresh conversation (the others are kept and exported too)
Ctrl-P  command palette      F1  this help      Ctrl-C  menu (never quits without asking)
"""


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 96; height: 80%; background: $surface;
                                  border: thick $primary; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,f1,q", "close", "Close", id="help.close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(HELP)

    def action_close(self) -> None:
        self.dismiss(None)
