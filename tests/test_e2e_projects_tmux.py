"""End to end on Rasa's own reference assistants: `botcoach interactive --actions actions` in a real
terminal (tmux) on an unchanged copy of financial-demo and of helpdesk-assistant, going through
one form of each to its end with the projects' real actions answering (written for rasa_sdk,
with their own requirements: sqlalchemy and sqlite for financial-demo, a ServiceNow client in
local mode for helpdesk-assistant).

Messages are typed as intent messages (`/inform{"number": 50}`) where the projects rely on
Duckling, which cannot run here; each step is confirmed with `y` as a person accepting the
bot's reading would, and what happened is read back from the session journal.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import SHARED
from tests.test_e2e_tmux import BOTCOACH, Terminal, botcoach, confirm_until_listening, question_of

PROJECTS = SHARED / "compat" / "projects"
EMPTY_INPUT = "Your input -> (type a message"
ASKED = re.compile(r"Is the NLU classification for|The bot wants to run|Should '[^']*' validate")

pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.timeout(600),
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict[str, Path]:
    """Each project copied (unchanged) and trained once with the real CLI."""
    if not BOTCOACH.exists():
        pytest.fail(f"{BOTCOACH} is missing: run `make setup`")
    folders = {}
    for name in ("financial-demo", "helpdesk-assistant"):
        folder = tmp_path_factory.mktemp("projects") / name
        shutil.copytree(PROJECTS / name, folder, ignore=shutil.ignore_patterns("models", "results", "*.db"))
        result = botcoach("train", cwd=folder)
        assert result.returncode == 0, result.stdout + result.stderr
        folders[name] = folder
    return folders


def say(terminal: Terminal, text: str) -> str:
    """Type a message, wait until the app asks about it (the NLU reading, or for an intent
    message the first action), and accept every question until the bot listens again."""
    empty_input(terminal)
    terminal.type(text)
    terminal.press("Enter")
    screen = terminal.wait_for(ASKED, timeout=60)
    screen, _ = confirm_until_listening(terminal, screen, limit=8)
    return screen


def empty_input(terminal: Terminal) -> None:
    """Wait for the empty message box; a `y` that reached it while the screen still showed the
    previous question is taken back."""
    for _ in range(5):
        screen = terminal.wait_for("Next user input", timeout=30)
        if EMPTY_INPUT in screen:
            return
        terminal.press("BSpace")  # the box shows what was typed in place of its placeholder
        time.sleep(0.2)
    pytest.fail(f"the message box does not empty:\n{screen}")


def session(folder: Path) -> Terminal:
    terminal = Terminal(f"{BOTCOACH} interactive --actions actions --skip-visualization", folder)
    terminal.wait_for("action server: up", timeout=120)  # the model loaded, the actions imported
    return terminal


def quit_without_export(terminal: Terminal) -> None:
    terminal.press("C-c")
    terminal.wait_for("Quit without exporting")
    terminal.type("without")
    terminal.wait_for("Quit without exporting", gone="Start Fresh")
    terminal.press("Enter")
    terminal.wait_for("are not exported")  # the session is kept for --resume, not lost
    terminal.type("keeping")
    terminal.wait_for("Quit, keeping", gone="Export, then quit")
    terminal.press("Enter")
    assert terminal.exit_status() == 0
    terminal.assert_no_traceback()


def journal(folder: Path) -> list[dict]:
    (path,) = (folder / ".botcoach").glob("journal-*.jsonl")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def ran(entries: list[dict]) -> list[str]:
    return [str(e.get("name")) for e in _events(entries) if e.get("event") == "action"]


def said(entries: list[dict]) -> str:
    return "\n".join(e.get("text") or "" for e in _events(entries) if e.get("event") == "bot")


def _events(entries: list[dict]) -> list[dict]:
    """Every event the journal recorded (a conversation's first events, then one per line)."""
    found: list[dict] = []
    for entry in entries:
        found += entry.get("events") or ([entry["event"]] if isinstance(entry.get("event"), dict) else [])
    return found


def test_financial_demo_transfers_money_through_its_form_with_its_real_actions(trained):
    folder = trained["financial-demo"]
    terminal = session(folder)
    try:
        screen = say(terminal, "/check_recipients")  # its custom action_session_start fills the database
        names = re.findall(r"- ([A-Z][a-z]+ [A-Z][a-z]+)", screen)
        assert names, screen
        screen = say(terminal, "/transfer_money")
        screen = say(terminal, f'/inform{{"PERSON": "{names[0]}"}}')
        screen = say(terminal, '/inform{"number": 50}')  # what Duckling would have read
        screen = say(terminal, "/affirm")
        assert question_of(screen) == "Next user input"
        quit_without_export(terminal)
    finally:
        terminal.close()
    entries = journal(folder)
    actions = ran(entries)
    for action in ("action_session_start", "action_show_recipients", "transfer_money_form", "action_transfer_money"):
        assert action in actions, actions
    assert f"Successfully transferred $50.00 to {names[0]}" in said(entries)


def test_helpdesk_opens_an_incident_through_its_form_with_its_real_actions(trained):
    folder = trained["helpdesk-assistant"]
    terminal = session(folder)
    try:
        for message in (
            "/open_incident",
            '/inform{"email": "ada@example.com"}',
            '/inform{"priority": "high"}',
            "broken",  # short texts: the NLU question must fit one line of the 80-column terminal
            "Laptop",
            "/affirm",
        ):
            say(terminal, message)
        quit_without_export(terminal)
    finally:
        terminal.close()
    entries = journal(folder)
    actions = ran(entries)
    assert "open_incident_form" in actions and "action_open_incident" in actions, actions
    text = said(entries)
    assert "What is your email address?" in text  # asked by its custom action_ask_email
    assert "An incident with the following details would be opened" in text
    assert "email: ada@example.com" in text and "title: Laptop" in text and "priority: high" in text
    assert "problem description: broken" in text
