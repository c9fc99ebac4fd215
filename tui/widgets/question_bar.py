"""The current question, always visible with its keys, and the input line for user messages.

While the question is "Next user input" the input line has focus and every printable key is
text; for every other question the bar itself has focus and answers y / n / e / a with
`QuestionBar.Answered`. The border title names the mode the keys are in now.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Static

from core.interactive.questions import QuestionKind
from tui.widgets.message_line import MessageLine

# What the keys do now, by where the focus is (shown as the bar's border title).
MODES = {
    "typing": "typing: every key is text",
    "answering": "answering: keys answer the question",
    "picking": "picking from the list: type to filter · Esc back",
}

# The answers each question takes (the others' keys are disabled while it is asked).
ANSWERS = {
    QuestionKind.NLU: {"yes", "no", "entities"},
    QuestionKind.ACTION: {"yes", "no", "new_action"},
    QuestionKind.VALIDATE: {"yes", "no"},
}


class QuestionBar(Vertical, can_focus=True):
    DEFAULT_CSS = """
    QuestionBar { height: auto; border: round $accent; padding: 0 1; }
    QuestionBar:focus-within { border: round $warning; }
    QuestionBar > #question-box { height: auto; max-height: 25vh; }
    QuestionBar #question { height: auto; }
    QuestionBar > #keys { height: auto; color: $text-muted; }
    QuestionBar > Input.-hidden { display: none; }
    """
    BINDINGS = [
        Binding("y", "answer('yes')", "Yes", id="question.yes"),
        Binding("enter", "answer('yes')", "Yes", show=False, id="question.enter"),
        Binding("n", "answer('no')", "No / pick", id="question.no"),
        Binding("e", "answer('entities')", "Entities", id="question.entities"),
        Binding("a", "answer('new_action')", "New action", id="question.new_action"),
    ]

    class Answered(Message):
        def __init__(self, answer: str) -> None:
            super().__init__()
            self.answer = answer

    class UserText(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.kind = QuestionKind.USER_INPUT

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="question-box", can_focus=False):  # a 2000-character message scrolls here
            yield Static("Loading the model…", id="question")
        yield Static("", id="keys")
        yield MessageLine(
            placeholder="Your input -> (type a message or /intent)",
            id="user-input",
            compact=True,
            select_on_focus=False,
        )

    @property
    def user_input(self) -> Input:
        return self.query_one("#user-input", Input)

    def ask(self, kind: QuestionKind, text: str, keys: str) -> None:
        """Show a question; the input line only for user input."""
        self.kind = kind
        typing = kind == QuestionKind.USER_INPUT
        self.query_one("#question", Static).update(Text(text + ("" if typing else " (Y/n)"), style="bold"))
        self.query_one("#keys", Static).update(keys)
        self.query_one("#question-box").scroll_home(animate=False)
        self.user_input.set_class(not typing, "-hidden")
        self.take_focus()

    def take_focus(self) -> None:
        """Focus where the question is answered: the input line for user input, else the bar."""
        if self.kind == QuestionKind.USER_INPUT:
            self.user_input.focus()
        else:
            self.focus()

    def show_mode(self, mode: str) -> None:
        self.border_title = MODES[mode]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action != "answer":
            return True
        return parameters[0] in ANSWERS.get(self.kind, set())

    def action_answer(self, answer: str) -> None:
        self.post_message(self.Answered(answer))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.post_message(self.UserText(event.value))
            event.input.value = ""
