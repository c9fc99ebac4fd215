"""Issue 15 end to end: in a real 80x24 terminal (tmux), a sentence holding every single-letter
hotkey (y, n, a, e) typed in each state where the person composes text arrives as text, letter
for letter: at the first "Next user input", after ctrl+z at the NLU question, in the action
list's filter, after Escape out of that list and confirming the action, and after the terminal
was too small and was made large again. What the session journal recorded is checked at the
end: the sentences as the user's messages, and no action the keys could have confirmed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.test_e2e_tmux import (  # noqa: F401 - trained_bot is a fixture
    BOTCOACH,
    Terminal,
    asked_action,
    confirm_until_listening,
    question_of,
    trained_bot,
)

pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.timeout(600),
]

HOTKEYS = "yane"  # every single-letter binding of the app (tui/widgets/question_bar.py)
SENTENCE = "yes any new day"  # short: the NLU question must keep it on one line at 80 columns
MORE = ", any new yarn"  # typed after ctrl+z gave the message back
EMPTY_INPUT = "Your input -> (type a message"


def nlu_question(text: str) -> str:
    return f"Is the NLU classification for '{text}'"


def type_sentence(terminal: Terminal, text: str = SENTENCE) -> str:
    """Type `text` at an empty message line and read it back from the line before sending."""
    terminal.wait_for(EMPTY_INPUT)
    terminal.type(text)
    return terminal.wait_for(f"│ {text} ", gone=EMPTY_INPUT)


def send(terminal: Terminal, text: str = SENTENCE) -> str:
    type_sentence(terminal, text)
    terminal.press("Enter")
    return terminal.wait_for(nlu_question(text), timeout=30)


def user_texts(bot: Path) -> list[str]:
    (path,) = (bot / ".botcoach").glob("journal-*.jsonl")
    texts: list[str] = []
    for line in path.read_text().splitlines():
        entry = json.loads(line) if line.strip() else {}
        for event in entry.get("events") or ([entry["event"]] if isinstance(entry.get("event"), dict) else []):
            if event.get("event") == "user":
                texts.append(event.get("text"))
    return texts


@pytest.fixture
def bot(trained_bot: Path, tmp_path: Path) -> Path:  # noqa: F811 - the fixture above, copied per test
    target = tmp_path / "concertbot"
    shutil.copytree(trained_bot, target)
    return target


def test_a_sentence_of_hotkey_letters_arrives_as_text_in_every_typing_state(bot: Path):
    assert set(HOTKEYS) <= set(SENTENCE)
    terminal = Terminal(f"{BOTCOACH} interactive --actions actions --skip-visualization", bot)
    try:
        terminal.wait_for("action server: up", timeout=120)  # the model has loaded

        # 1. the first message
        send(terminal)
        terminal.wait_for("answering")  # the NLU question takes keys as answers

        # 2. ctrl+z at the NLU question: the message back in the line, typing goes on as text
        terminal.press("C-z")
        terminal.wait_for("typing", gone=nlu_question(SENTENCE))
        terminal.wait_for(f"│ {SENTENCE} ")  # in the message line
        terminal.type(MORE)
        terminal.press("Enter")
        terminal.wait_for(nlu_question(SENTENCE + MORE), timeout=30)

        # 3. the action list's filter takes the sentence as its filter text, nothing is chosen
        terminal.press("y")  # the reading is right
        screen = terminal.wait_for("The bot wants to run")
        action = asked_action(screen)
        terminal.press("n")
        terminal.wait_for("picking from the list")
        terminal.type(SENTENCE)
        screen = terminal.wait_for(f"│{SENTENCE} ")  # in the filter line of the list
        assert question_of(screen) == f"The bot wants to run '{action}', correct?", screen

        # 4. Escape: out of the list, y confirms the action again; then the next message
        terminal.press("Escape")
        terminal.wait_for("│type to filter", gone=f"│{SENTENCE} ")  # the filter emptied
        screen = terminal.wait_for("answering")
        screen, ran = confirm_until_listening(terminal, screen)
        assert ran[0] == action, ran
        second = SENTENCE + " again"
        send(terminal, second)

        # 5. a terminal too small, then large again: the keys reach the message line
        terminal.press("C-z")
        terminal.wait_for("Next user input", gone=nlu_question(second))
        terminal.press("C-u")  # the message given back is not wanted
        terminal.wait_for(EMPTY_INPUT)
        terminal.resize(40, 10)
        terminal.wait_for("too small")
        terminal.resize(80, 24)
        third = "nay, yet another one"
        send(terminal, third)
        terminal.press("y")
        terminal.wait_for("The bot wants to run")
        terminal.assert_no_traceback()
    finally:
        terminal.close()
    texts = user_texts(bot)
    assert texts == [SENTENCE + MORE, third], texts  # the ones confirmed, as typed
