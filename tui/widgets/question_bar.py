"""The current question, always visible with its keys, and the input line for user messages.

While the question is "Next user input" the input line has focus and every printable key is
text; for every other question the bar itself has focus and its keys y / n / e / a answer it
(the app's `answer` action). The border title names the mode the keys are in now.
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
    # Handled by the app as the key is read (priority), before the keys typed after it: an
    # answer that moves the focus (`n` into the action list) has moved it when the next key
    # arrives. A message would be handled after them, and they would answer the question.
    BINDINGS = [
        Binding("y", "app.answer('yes')", "Yes", priority=True, id="question.yes"),
        Binding("enter", "app.answer('yes')", "Yes", show=False, priority=True, id="question.enter"),
        Binding("n", "app.answer('no')", "No / pick", priority=True, id="question.no"),
        Binding("e", "app.answer('entities')", "Entities", priority=True, id="question.entities"),
        Binding("a", "app.answer('new_action')", "New action", priority=True, id="question.new_action"),
    ]

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
        """Focus where the question is answered: the input line for user input, else the bar
        (at once: `focus()` waits for the keys already typed, which would go astray)."""
        self.screen.set_focus(self.user_input if self.kind == QuestionKind.USER_INPUT else self)

    def allow_focus(self) -> bool:
        """A stop for Tab only while a question is asked: for user input the line below takes the keys."""
        return self.kind != QuestionKind.USER_INPUT

    def takes(self, answer: str) -> bool:
        """Is `answer` one the question asked now takes (its keys are disabled otherwise)?"""
        return answer in ANSWERS.get(self.kind, set())

    def show_mode(self, mode: str) -> None:
        self.border_title = MODES[mode]

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.post_message(self.UserText(event.value))
            event.input.value = ""
