"""The keys of the app and what each question expects, with the keys actually bound (a keymap
file may have changed them)."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

# binding id -> what its key does, in the order the help lists them
HOTKEYS = [
    ("botcoach.undo", "undo the last step (again to go further back)"),
    ("botcoach.export", "export stories, NLU examples and domain changes"),
    ("botcoach.fork", "fork: branch off before an earlier user message"),
    ("botcoach.start_fresh", "start a fresh conversation (the others are kept)"),
    ("botcoach.graph", "show or hide the graph of similar training stories"),
    ("botcoach.fix_turn", "fix a past turn: ↑↓ to its row in the history"),
    ("botcoach.open_stored", "open a conversation from the tracker store"),
    ("botcoach.palette", "command palette"),
    ("botcoach.help", "this help"),
    ("botcoach.menu", "menu (never quits without asking)"),
]
QUESTION_KEYS = [
    "question.yes",
    "question.enter",
    "question.no",
    "question.entities",
    "question.new_action",
    "botcoach.buttons",
    "botcoach.back",
    "history.fix_turn",
    "history.back",
    "store.mark",
    "store.cancel",
]


def help_text(key: Callable[[str], str]) -> str:
    """The help, `key(binding_id)` naming the key(s) of each binding. Lines fit an 80x24 terminal."""
    yes, no = f"{key('question.yes')}/{key('question.enter')}", key("question.no")
    lines = [
        "botcoach interactive: teach the bot by talking to it.",
        "",
        'Next user input  type what the user says, or /greet{"name": "Ann"}',
        f"                 {key('botcoach.buttons')} chooses a button of the bot's last message",
        f"NLU question     {yes} correct · {no} pick the intent (or create one)",
        f"                 {key('question.entities')} fix entities: [Berlin](city) or",
        '                 [Berlin]{"entity": "city", "role": "to"}',
        f"Action question  {yes} run it · {no} pick another (type to filter, ↑↓,",
        f"                 {key('botcoach.back')} back to the question)",
        f"                 {key('question.new_action')} create a new action (utter_… asks for its text)",
        f"Form validation  {yes} validate the input · {no} do not",
        f"History table    {key('history.fix_turn')} fix the row's turn (a user row: intent and",
        "                 entities; a bot row: the action); the rest is",
        "                 replayed, asked where the model now differs",
        f"                 ({key('botcoach.undo')} takes the fix back)",
        f"Stored list      type to filter by sender · {key('store.mark')} filter by mark",
        "",
    ]
    width = max(len(key(binding_id)) for binding_id, _ in HOTKEYS) + 2
    lines += [f"{key(binding_id):<{width}}{what}" for binding_id, what in HOTKEYS]
    lines += [
        "",
        "Change keys in .botcoach/keymap.yml (this project) or in",
        "~/.config/botcoach/keymap.yml, one `binding_id: key` a line,",
        "e.g. `botcoach.undo: ctrl+u`. The ids and their keys now:",
    ]
    ids = [binding_id for binding_id, _ in HOTKEYS] + QUESTION_KEYS
    width = max(len(binding_id) for binding_id in ids) + 2
    lines += [f"  {binding_id:<{width}}{key(binding_id)}" for binding_id in ids]
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 100; height: 80%; background: $surface;
                                  border: thick $primary; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,f1,q", "close", "Close", id="help.close")]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self.text, id="help-text", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
